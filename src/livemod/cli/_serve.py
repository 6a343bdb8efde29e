"""``livemod serve`` and ``livemod demo``: the review API, alone or with a bundled room."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from livemod.cli._app import Verbose, _fmt_ms, _safe_url, _settings, app, fail, log
from livemod.cli._live import run_worker
from livemod.cli._logging import setup_logging, stderr
from livemod.resources import shipped_path


@app.command(rich_help_panel="Review API")
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


def bundled_fixture() -> Path:
    return shipped_path("fixtures/room_demo.opus")


@app.command(rich_help_panel="Review API")
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
