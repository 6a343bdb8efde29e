"""``livemod watch``, ``worker`` and ``events``: live rooms and their warnings."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from livemod.cli._app import Verbose, _classifier, _fmt_ms, _settings, app, fail, log
from livemod.cli._logging import setup_logging, stderr
from livemod.config import Settings


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
    from livemod.client import ReviewError
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


@app.command(rich_help_panel="Live rooms")
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


@app.command(rich_help_panel="Live rooms")
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


@app.command(rich_help_panel="Live rooms")
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
    from livemod.client import ReviewError, follow_events

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
