from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from livemod.cli._logging import setup_logging, stderr
from livemod.config import Settings, get_settings

log = logging.getLogger("livemod")

app = typer.Typer(
    name="livemod",
    help=(
        "Real-time compliance moderation for live-stream commerce (直播带货).\n\n"
        "livemod listens to a live-selling room, transcribes the anchor with Whisper and flags "
        "false advertising, unclear pricing and prohibited products, with the legal basis and "
        "a compliant rewording, into a review queue for moderators.\n\n"
        "Settings come from LIVEMOD_* environment variables: LIVEMOD_DATA_DIR (clips, spool, "
        "the SQLite file), LIVEMOD_DATABASE_URL (any SQLAlchemy URL), LIVEMOD_MODEL ('base' is "
        "the bundled Whisper base; or a model directory or hub id such as large-v3), "
        "LIVEMOD_DEVICE (auto, cpu, cuda), LIVEMOD_LANGUAGE (zh, or auto)."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
tokens_app = typer.Typer(
    help="Make, list and revoke API tokens (worker, operator, moderator, mcn, admin).", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")

Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log detail (-vv for debug).")]


def fail(message: str, code: int = 1) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # a bad LIVEMOD_* value: say which
        raise fail(f"bad settings: {exc}", 2) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    verbose: Verbose = 0,
) -> None:
    """Run the review API (OpenAPI docs at /docs). Uses LIVEMOD_DATABASE_URL, SQLite by default."""
    setup_logging(verbose)
    import uvicorn

    from livemod.review import create_app

    settings = _settings()
    log.info("review API on http://%s:%d (database %s)", host, port, _safe_url(settings.database_url))
    # Event streams never end by themselves; give them 5 s, then close them
    # (EventSource clients reconnect with Last-Event-ID).
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _classifier(settings: Settings) -> Any:
    from livemod.classify import ModelLoadError, build_classifier

    try:
        return build_classifier(settings)
    except ModelLoadError as exc:
        raise fail(str(exc)) from exc


def _pipeline(settings: Settings, room: str, *, keep_clips: bool = True, classifier: Any = None) -> Any:
    from livemod.pipeline import Pipeline
    from livemod.worker import transcriber_for, vad_options

    return Pipeline(
        transcriber_for(settings),
        classifier or _classifier(settings),
        room_id=room,
        clips_dir=settings.clips_dir if keep_clips else None,
        clip_format=settings.clip_format,
        vad=vad_options(settings),
        context_ms=settings.context_ms,
    )


def _fmt_ms(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}.{milli // 100}" if h else f"{m:02d}:{s:02d}.{milli // 100}"


@app.command()
def scan(
    source: Annotated[str, typer.Argument(help="A recording (any format ffmpeg reads) or a stream URL.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per finding on stdout.")] = False,
    room: Annotated[str, typer.Option(help="Room id recorded with the findings.")] = "local",
    verbose: Verbose = 0,
) -> None:
    """Process a recording to its end and print its findings.

    With --json each finding is one line: start_ms, end_ms, category, subtype, text,
    severity, legal_basis, rule (and more). Otherwise a readable table, with a progress
    bar on long recordings. Evidence clips are kept under LIVEMOD_DATA_DIR/clips.
    """
    setup_logging(verbose, quiet=verbose == 0)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from livemod.ingest import FfmpegSource, SourceError, probe_duration_ms

    settings = _settings()
    try:
        src = FfmpegSource(source, room, timeout_s=settings.stream_timeout_s)
    except SourceError as exc:
        raise fail(str(exc)) from exc
    duration = probe_duration_ms(source)
    pipe = _pipeline(settings, room)
    rows: list[Any] = []
    progress = Progress(
        TextColumn("[bold]scanning[/]"),
        BarColumn(),
        TextColumn("{task.fields[pos]}"),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal or duration is None,
    )
    error: str | None = None
    with progress:
        task = progress.add_task("scan", total=duration or 1, pos="")

        def on_progress(ms: int) -> None:
            progress.update(task, completed=ms, pos=f"{_fmt_ms(ms)} / {_fmt_ms(duration or 0)}")

        try:
            for f in pipe.run(src, on_progress):
                rows.append(f)
                if as_json:
                    out = f.to_dict()
                    out.pop("context", None)
                    out["clip"] = f.clip_path
                    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
        except SourceError as exc:
            error = str(exc)
        except KeyboardInterrupt:
            error = "interrupted"
    stats = pipe.stats
    if not as_json:
        table = Table(title=f"{len(rows)} finding(s) in {source}", show_lines=True)
        for col in ("time", "category / subtype", "severity", "what was said", "legal basis"):
            table.add_column(col, overflow="fold")
        for f in rows:
            table.add_row(
                f"{_fmt_ms(f.start_ms)}–{_fmt_ms(f.end_ms)}",
                f"{f.category}\n{f.subtype}",
                f.severity,
                f"{f.text}\n[bold]→ {f.matched}[/]",
                f.legal_basis.split("：")[0],
            )
        from rich.console import Console

        Console().print(table)
    asr = pipe.transcriber.stats
    stderr.print(
        f"{_fmt_ms(stats.audio_ms)} of audio, {stats.segments} speech segment(s), "
        f"{stats.findings} finding(s); ASR real-time factor {asr.real_time_factor:.2f}",
        highlight=False,
    )
    if error:
        raise fail(f"{error} (the {len(rows)} finding(s) above were found before it)")


@app.command()
def classify(verbose: Verbose = 0) -> None:
    """Classify UTF-8 lines from stdin: one JSON line out per line in.

    Uses the rules and the learned classifier (LIVEMOD_CLASSIFIER_MODEL; 'none' for rules
    alone). Example: echo "原价三百九十九今天只要六十九" | livemod classify
    """
    setup_logging(verbose, quiet=verbose == 0)
    engine = _classifier(_settings())
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        findings = [
            {
                "category": m.category,
                "subtype": m.subtype,
                "span": [m.start, m.end],
                "matched": m.matched,
                "severity": m.severity,
                "legal_basis": m.legal_basis,
                "rule": m.rule,
                "suggestion": m.suggestion,
                "score": m.score,
                "source": m.source,
                "model": m.model,
                "model_score": m.model_score,
            }
            for m in engine.classify(text)
        ]
        sys.stdout.write(json.dumps({"text": text, "findings": findings}, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def run_worker(
    settings: Settings,
    rooms: list[Any],
    server: str,
    token: str,
    on_delivered: Any = None,
    stop: threading.Event | None = None,
    metrics_port: int = 0,
) -> int:
    """The body of ``watch``, ``worker`` and ``demo``; returns the exit code.

    SIGTERM and SIGINT (on the main thread) stop the rooms cleanly: what was heard is
    finished, the spool is delivered, rooms are marked ended, and the exit code is 0.
    """
    from livemod.review import ReviewError
    from livemod.worker import Worker, serve_metrics

    worker = Worker(
        settings, server, token, rooms, classifier=_classifier(settings), on_delivered=on_delivered
    )
    try:
        worker.preflight()
    except ReviewError as exc:
        stderr.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    if metrics_port:
        serve_metrics(worker, metrics_port, settings.metrics_host)
        log.info("worker metrics on http://%s:%d/metrics", settings.metrics_host, metrics_port)
    if stop is not None:

        def stopper() -> None:
            stop.wait()
            worker.stop()

        threading.Thread(target=stopper, daemon=True).start()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread() and stop is None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: worker.stop())
    try:
        results = worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for r in results:
        if r.detail and r.exit_code:
            stderr.print(f"[bold red]error:[/] room {r.room_id}: {r.detail}", highlight=False)
        if r.spooled:
            stderr.print(
                f"room {r.room_id}: {r.spooled} item(s) are still spooled; they are sent when the "
                "worker next runs",
                highlight=False,
            )
    return worker.exit_code()


@app.command()
def watch(
    source: Annotated[
        str, typer.Argument(help="Stream URL (rtmp://, http(s):// incl. .m3u8 and FLV) or file.")
    ],
    room: Annotated[str, typer.Option(help="Room id the findings belong to.")],
    server: Annotated[
        str, typer.Option(help="Review API base URL.", envvar="LIVEMOD_SERVER")
    ] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(help="A worker token.", envvar="LIVEMOD_TOKEN")] = "",
    realtime: Annotated[bool, typer.Option("--realtime", help="Pace a file as if it were live.")] = False,
    verbose: Verbose = 0,
) -> None:
    """Follow a live room and post each finding to the review queue as soon as it exists.

    Findings are written to a spool on disk first (LIVEMOD_DATA_DIR/spool) and removed
    only when the server acknowledges them, so a server that is down loses nothing.
    """
    setup_logging(verbose)
    if not token:
        raise fail(
            "a worker token is needed: --token or LIVEMOD_TOKEN (make one with "
            "`livemod tokens create --role worker`)",
            2,
        )
    from livemod.worker import RoomSpec

    code = run_worker(_settings(), [RoomSpec(room, source, realtime)], server, token)
    raise typer.Exit(code)


@app.command()
def worker(
    room: Annotated[
        list[str] | None,
        typer.Option(
            "--room", help="ROOM=URL, repeat for every room (rtmp://, http(s):// HLS or FLV, a file)."
        ),
    ] = None,
    rooms_file: Annotated[
        Path | None, typer.Option(help="A file with one 'ROOM URL' (or ROOM=URL) per line; # comments.")
    ] = None,
    server: Annotated[
        str, typer.Option(help="Review API base URL.", envvar="LIVEMOD_SERVER")
    ] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(help="A worker token.", envvar="LIVEMOD_TOKEN")] = "",
    realtime: Annotated[bool, typer.Option("--realtime", help="Pace files as if they were live.")] = False,
    metrics_port: Annotated[
        int,
        typer.Option(help="Serve Prometheus metrics on this port (0: off).", envvar="LIVEMOD_METRICS_PORT"),
    ] = 0,
    verbose: Verbose = 0,
) -> None:
    """Watch many live rooms in one process over one shared Whisper model.

    Each room reads its stream on its own thread (reconnecting with backoff when it drops)
    and queues speech for the one shared model. A room that falls more than
    LIVEMOD_MAX_LAG_MS behind live skips its oldest speech and says so (metric
    livemod_room_skipped_audio_seconds). Findings are spooled on disk until the server
    acknowledges them. SIGTERM or Ctrl-C: finish, deliver, mark rooms ended, exit 0.
    """
    setup_logging(verbose)
    from livemod.worker import parse_room_specs

    if not token:
        raise fail("a worker token is needed: --token or LIVEMOD_TOKEN", 2)
    lines = list(room or [])
    if rooms_file is not None:
        try:
            lines += rooms_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise fail(f"cannot read {rooms_file}: {exc}", 2) from exc
    try:
        specs = list(parse_room_specs(lines, realtime))
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    if not specs:
        raise fail("no rooms: give --room ROOM=URL (repeatable) or --rooms-file", 2)
    if len({s.room_id for s in specs}) != len(specs):
        raise fail("each room id may appear once", 2)
    raise typer.Exit(run_worker(_settings(), specs, server, token, metrics_port=metrics_port))


@app.command()
def events(
    room: Annotated[str, typer.Option(help="The room to follow; every room the token sees if empty.")] = "",
    server: Annotated[
        str, typer.Option(help="Review API base URL.", envvar="LIVEMOD_SERVER")
    ] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(help="An operator or moderator token.", envvar="LIVEMOD_TOKEN")] = "",
    last_event_id: Annotated[
        str, typer.Option(help="Resume after this event id; 0 replays the room from the start.")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per event on stdout.")] = False,
    verbose: Verbose = 0,
) -> None:
    """Print a room's findings the moment they are stored: the operator's live warnings.

    Follows GET /v1/rooms/ROOM/events (Server-Sent Events) and reconnects by itself after
    a drop, resuming with Last-Event-ID so that no warning is missed. Ctrl-C stops it.
    """
    setup_logging(verbose)
    from livemod.review import ReviewError
    from livemod.review._events_client import follow_events

    if not token:
        raise fail("a token is needed: --token or LIVEMOD_TOKEN (`livemod tokens create --role operator`)", 2)
    try:
        for ev in follow_events(server, token, room=room or None, last_event_id=last_event_id or None):
            if ev.event != "finding":
                continue
            data = ev.json()
            if as_json:
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                sys.stdout.flush()
                continue
            stderr.print(
                f"[bold yellow]{data['room_id']} {_fmt_ms(data['start_ms'])}[/] "
                f"[bold]{data['category']}/{data['subtype']}[/] ({data['severity']})  「{data['matched']}」\n"
                f"    {data['text']}\n    suggest: {data['suggestion']}",
                highlight=False,
            )
    except ReviewError as exc:
        raise fail(str(exc)) from exc
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@tokens_app.command("create")
def tokens_create(
    role: Annotated[
        str,
        typer.Option(
            help="worker (posts findings), operator (live warnings for its --room), "
            "moderator (reads and decides everything), mcn (its --anchor's sessions and reports), "
            "admin (everything, and tokens and anchors)."
        ),
    ],
    name: Annotated[str, typer.Option(help="Who or what holds it; shown in the audit trail.")] = "",
    room: Annotated[
        list[str] | None,
        typer.Option("--room", help="A room an operator token may see; repeat for several."),
    ] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="An anchor an mcn token represents; repeat for several."),
    ] = None,
) -> None:
    """Make a token. It is printed once, alone on the last line, and stored only as a hash."""
    from livemod.review import ROLES, create_token
    from livemod.store import Database

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}", 2)
    db = Database(_settings().database_url)
    with db.session() as s:
        try:
            row, secret = create_token(s, role, name, room or (), anchor or ())
        except ValueError as exc:
            raise fail(str(exc), 2) from exc
        scope = f" for room(s) {', '.join(row.rooms)}" if row.rooms else ""
        scope += f" for anchor(s) {', '.join(row.anchors)}" if row.anchors else ""
        stderr.print(
            f"created {row.role} token #{row.id} ({row.name}){scope}; it is shown only now:", highlight=False
        )
    db.dispose()
    typer.echo(secret)


@tokens_app.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from sqlalchemy import select

    from livemod.store import ApiToken, Database

    db = Database(_settings().database_url)
    with db.session() as s:
        for t in s.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = "revoked" if t.revoked_at else "active"
            rooms = ",".join([*(t.rooms or []), *(t.anchors or [])]) or "*"
            typer.echo(
                f"#{t.id}\t{t.role}\t{t.name}\t{rooms}\t{t.prefix}…\t{state}\t{t.created_at:%Y-%m-%d %H:%M}"
            )
    db.dispose()


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The #id from `tokens list`.")]) -> None:
    """Revoke a token; requests with it get 401 from then on."""
    from livemod.review import revoke_token
    from livemod.store import Database

    db = Database(_settings().database_url)
    with db.session() as s:
        ok = revoke_token(s, token_id)
    db.dispose()
    if not ok:
        raise fail(f"no active token #{token_id}")
    typer.echo(f"revoked #{token_id}")


def bundled_fixture() -> Path:
    return Path(__file__).resolve().parents[3] / "fixtures" / "room_demo.opus"


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the review server.")] = 8000,
    source: Annotated[str, typer.Option(help="What to watch; the bundled fixture by default.")] = "",
    verbose: Verbose = 0,
) -> None:
    """See livemod work end to end on this machine.

    Starts the review server (SQLite under LIVEMOD_DATA_DIR), watches a bundled recording
    of a live-selling room paced as live, and prints each finding as it lands in the
    queue with the URL to open. Ctrl-C stops it cleanly.
    """
    setup_logging(verbose, quiet=verbose == 0)
    import uvicorn

    from livemod.review import create_app, create_token
    from livemod.store import Database

    settings = _settings()
    src = source or str(bundled_fixture())
    if not source and not Path(src).is_file():
        raise fail(f"the bundled fixture is missing at {src}; pass --source FILE_OR_URL", 2)
    db = Database(settings.database_url)
    with db.session() as s:
        _, worker = create_token(s, "worker", "demo-worker")
        _, moderator = create_token(s, "moderator", "demo-moderator")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    # uvicorn installs no signal handlers off the main thread; Ctrl-C is ours.
    thread = threading.Thread(target=server.run, name="review-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise fail(f"the review server did not start on port {port} (in use? try --port)")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    out = stderr
    out.print(f"[bold]livemod demo[/]  review API {base}  (docs: {base}/docs)", highlight=False)
    out.print(
        f"database {_safe_url(settings.database_url)}; clips under {settings.clips_dir}", highlight=False
    )
    out.print(f"moderator token for the console and the API: {moderator}", highlight=False)
    out.print(f"console: open {base}/ and sign in with that token", highlight=False)
    out.print(
        f"watching {src} paced as live; findings appear below as they land. Ctrl-C to stop.\n",
        highlight=False,
    )

    def delivered(finding_id: str, payload: dict[str, Any]) -> None:
        out.print(
            f"[bold yellow]{_fmt_ms(payload['start_ms'])}[/] "
            f"[bold]{payload['category']}/{payload['subtype']}[/] "
            f"({payload['severity']})  「{payload['matched']}」\n    {payload['text']}\n"
            f"    legal basis: {payload['legal_basis']}\n    suggest: {payload['suggestion']}\n"
            f"    open: {base}/v1/findings/{finding_id}  (clip: {base}/v1/findings/{finding_id}/clip)",
            highlight=False,
        )

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        from livemod.worker import RoomSpec

        code = run_worker(
            settings, [RoomSpec("demo-room", src, True)], base, worker, on_delivered=delivered, stop=stop
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    out.print("\nstopped." if stop.is_set() else "\nthe recording has ended; demo finished.", highlight=False)
    raise typer.Exit(0 if stop.is_set() else code)


def main() -> None:
    app()
