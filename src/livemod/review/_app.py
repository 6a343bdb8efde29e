"""The review queue: a FastAPI app over the review database.

``create_app(settings)`` composes the routers of each resource (``_findings``,
``_rooms``, ``_stream``, ``_queue``, ``_admin``, ``_reports``, the console);
what they share lives in ``app.state`` and reaches them through the
dependencies of ``_deps``. Nothing happens at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from livemod._version import __version__
from livemod.config import Settings
from livemod.review import _admin, _findings, _queue, _reports, _rooms, _stream
from livemod.review._console import mount_console
from livemod.review._events import EventHub
from livemod.review._metrics import ApiMetrics
from livemod.store import Database

if TYPE_CHECKING:
    from livemod.classify import Classifier


def create_app(
    settings: Settings, db: Database | None = None, classifier: Classifier | None = None
) -> FastAPI:
    """The review app. ``classifier`` serves the script check; by default it is built on first use.

    A database passed in belongs to the caller; one the app opens itself is
    disposed when the app shuts down.
    """
    owned = db is None
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            database.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="livemod review queue",
        version=__version__,
        description="Findings from live-selling rooms, for moderators to listen, read and decide. "
        "Authenticate with `Authorization: Bearer <token>`; make tokens with `livemod tokens create`.",
    )
    # What the routers share, reached through review/_deps.py.
    app.state.db = database
    app.state.settings = settings
    app.state.events = EventHub()
    app.state.metrics = ApiMetrics(app.state.events)
    app.state.detectors = _reports.Detectors(settings, classifier)
    app.state.metrics.install(app)
    for module in (_findings, _rooms, _stream, _queue, _admin, _reports):
        app.include_router(module.router)
    mount_console(app)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each bad input back: a 47 MB body comes back
        # whole, and a NaN or Infinity in it cannot be written as JSON at all (a 500).
        # Where and why is what a client needs; it has the input already.
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
