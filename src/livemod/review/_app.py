"""The review queue: a FastAPI app over the review database.

``create_app(settings)`` builds everything; nothing happens at import time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from livemod._version import __version__
from livemod.config import Settings
from livemod.review._deps import (
    SessionDep,
    Viewer,
    Worker,
    check_room,
    room_ids_for,
    visible_rooms,
)
from livemod.review._events import EventHub, event_stream, latest_event_id
from livemod.review._metrics import ApiMetrics
from livemod.review._risk import risk_series, weight
from livemod.review._schemas import (
    BatchResult,
    FindingBatch,
    FindingCreate,
    FindingDetail,
    FindingPage,
    LedgerPublic,
    PriceClaimBatch,
    PriceClaimPublic,
    RiskPoint,
    RoomPublic,
    RoomTimeline,
    RoomUpdate,
    TimelineItem,
    TokenInfo,
)
from livemod.review._views import (
    filter_findings,
    finding_detail,
    get_finding_row,
    public_finding,
    room_public,
)

if TYPE_CHECKING:
    from livemod.classify import Classifier

from livemod.store import Anchor, Database, EventRow, FindingRow, PriceClaimRow, Room, get_or_create
from livemod.vocab import OPEN_STATUSES, Category, RoomKind, Severity
from livemod.vocab import FindingStatus as Status

log = logging.getLogger(__name__)

_CLIP_TYPES = {"audio/ogg": ".opus", "audio/opus": ".opus", "audio/mpeg": ".mp3", "audio/mp3": ".mp3"}
_MAX_CLIP_BYTES = 20 * 1024 * 1024


def _ensure_room(session: Session, room_id: str) -> Room:
    return get_or_create(session, Room, room_id, id=room_id, name=room_id)


def build_router(settings: Settings, hub: EventHub, metrics: ApiMetrics) -> APIRouter:
    r = APIRouter(prefix="/v1")
    clips_root = settings.clips_dir

    @r.post("/findings", response_model=BatchResult, summary="Post findings (idempotent on id)")
    def post_findings(batch: FindingBatch, session: SessionDep, _t: Worker) -> BatchResult:
        ids = [f.id for f in batch.findings]
        existing = set(session.scalars(select(FindingRow.id).where(FindingRow.id.in_(ids))))
        new: dict[str, FindingCreate] = {}
        for f in batch.findings:
            if f.id in existing or f.id in new:
                continue
            _ensure_room(session, f.room_id)
            session.add(FindingRow.from_payload(f.model_dump()))
            new[f.id] = f
        session.flush()  # the findings exist before the events that point at them
        for f in new.values():
            session.add(EventRow(kind="finding", room_id=f.room_id, finding_id=f.id))
        session.commit()
        created = list(new)
        if created:
            hub.notify()
            for f in new.values():
                metrics.findings.labels(f.category).inc()
            log.info("stored %d finding(s): %s", len(created), ", ".join(created))
        return BatchResult(created=created, existing=sorted(existing))

    @r.put("/findings/{finding_id}/clip", status_code=204, summary="Upload a finding's evidence clip")
    async def put_clip(finding_id: str, request: Request, session: SessionDep, _t: Worker) -> None:
        row = get_finding_row(session, finding_id)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in _CLIP_TYPES:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                f"clip must be one of {sorted(_CLIP_TYPES)}, got {ctype or 'nothing'}",
            )
        body = await request.body()
        if not body or len(body) > _MAX_CLIP_BYTES:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if body else status.HTTP_422_UNPROCESSABLE_CONTENT,
                "clip is empty or too large",
            )
        path = clips_root / row.room_id / f"{row.id}{_CLIP_TYPES[ctype]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(body)
        tmp.replace(path)
        row.clip_path = str(path)
        row.clip_start_ms = int(request.headers.get("x-clip-start-ms", row.segment_start_ms or 0))
        session.commit()

    @r.get("/findings", response_model=FindingPage, summary="List findings, newest stream time first")
    def list_findings(
        session: SessionDep,
        token: Viewer,
        room_id: str | None = None,
        category: Category | None = None,
        subtype: str | None = None,
        severity: Severity | None = None,
        status_: Annotated[
            Status | Literal["open"] | None,
            Query(alias="status", description="a status, or 'open': pending, escalated or appealed"),
        ] = None,
        kind: Annotated[RoomKind | None, Query(description="live rooms or recorded sessions")] = None,
        from_ms: Annotated[int | None, Query(ge=0, description="stream time, inclusive")] = None,
        to_ms: Annotated[int | None, Query(ge=0, description="stream time, exclusive")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> FindingPage:
        q = select(FindingRow)
        if room_id:
            check_room(session, token, room_id)
        scope = visible_rooms(token)
        if scope is not None:
            q = q.where(scope)
        q = filter_findings(
            q, room_id=room_id, category=category, subtype=subtype, severity=severity, kind=kind
        )
        if status_ == "open":
            q = q.where(FindingRow.status.in_(OPEN_STATUSES))
        elif status_:
            q = q.where(FindingRow.status == status_)
        if from_ms is not None:
            q = q.where(FindingRow.start_ms >= from_ms)
        if to_ms is not None:
            q = q.where(FindingRow.start_ms < to_ms)
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = session.scalars(
            q.order_by(FindingRow.created_at.desc(), FindingRow.start_ms.desc()).limit(limit).offset(offset)
        )
        return FindingPage(items=[public_finding(x) for x in rows], total=total, limit=limit, offset=offset)

    @r.get("/findings/{finding_id}", response_model=FindingDetail, summary="One finding with its context")
    def get_finding(finding_id: str, request: Request, session: SessionDep, token: Viewer) -> FindingDetail:
        row = get_finding_row(session, finding_id)
        check_room(session, token, row.room_id)
        return finding_detail(row, request, session, settings.context_ms)

    @r.get("/findings/{finding_id}/clip", summary="The evidence clip", response_class=FileResponse)
    def get_clip(finding_id: str, session: SessionDep, token: Viewer) -> FileResponse:
        row = get_finding_row(session, finding_id)
        check_room(session, token, row.room_id)
        if not row.clip_path or not Path(row.clip_path).is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"finding {finding_id!r} has no clip")
        media = "audio/ogg" if row.clip_path.endswith(".opus") else "audio/mpeg"
        return FileResponse(row.clip_path, media_type=media)

    @r.get("/rooms", response_model=list[RoomPublic], summary="Rooms with their finding counts")
    def list_rooms(
        session: SessionDep,
        token: Viewer,
        kind: Annotated[RoomKind | None, Query(description="live rooms or recorded sessions")] = None,
    ) -> list[RoomPublic]:
        counts = dict(
            session.execute(select(FindingRow.room_id, func.count()).group_by(FindingRow.room_id)).all()
        )
        pending = dict(
            session.execute(
                select(FindingRow.room_id, func.count())
                .where(FindingRow.status == Status.PENDING)
                .group_by(FindingRow.room_id)
            ).all()
        )
        out = []
        q = select(Room).order_by(Room.updated_at.desc())
        if kind:
            q = q.where(Room.kind == kind)
        for room in session.scalars(q):
            if not token.sees(room.id, room.anchor):
                continue
            out.append(room_public(session, room, (counts.get(room.id, 0), pending.get(room.id, 0))))
        return out

    def _load_room(session: Session, token: TokenInfo, room_id: str) -> Room:
        check_room(session, token, room_id)
        room = session.get(Room, room_id)
        if room is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no room {room_id!r}")
        return room

    @r.get("/rooms/{room_id}", response_model=RoomPublic)
    def get_room(room_id: str, session: SessionDep, token: Viewer) -> RoomPublic:
        return room_public(session, _load_room(session, token, room_id))

    @r.get(
        "/rooms/{room_id}/timeline",
        response_model=RoomTimeline,
        summary="A room's findings in stream order and its risk score over stream time",
    )
    def get_timeline(room_id: str, session: SessionDep, token: Viewer) -> RoomTimeline:
        room = _load_room(session, token, room_id)
        rows = session.scalars(
            select(FindingRow).where(FindingRow.room_id == room_id).order_by(FindingRow.start_ms)
        ).all()
        events = [(f.start_ms, weight(f.severity, f.status)) for f in rows]
        until = max(room.duration_ms or 0, max((f.end_ms for f in rows), default=0))
        return RoomTimeline(
            room=room_public(session, room),
            findings=[TimelineItem.model_validate(f) for f in rows],
            series=[RiskPoint(at_ms=t, risk=v) for t, v in risk_series(events, until)],
        )

    @r.post(
        "/rooms/{room_id}/ledger",
        response_model=BatchResult,
        summary="Record price claims in the room's ledger (idempotent by claim id)",
    )
    def post_ledger(room_id: str, batch: PriceClaimBatch, session: SessionDep, _t: Worker) -> BatchResult:
        if any(c.room_id != room_id for c in batch.claims):
            raise HTTPException(422, "every claim must belong to this room")
        ids = [c.id for c in batch.claims]
        existing = set(session.scalars(select(PriceClaimRow.id).where(PriceClaimRow.id.in_(ids))))
        _ensure_room(session, room_id)
        created: list[str] = []
        for c in batch.claims:
            if c.id in existing or c.id in created:
                continue
            session.add(PriceClaimRow(**c.model_dump(exclude={"span"})))
            created.append(c.id)
        session.commit()
        return BatchResult(created=created, existing=sorted(existing))

    @r.get("/rooms/{room_id}/ledger", response_model=LedgerPublic, summary="The room's price ledger")
    def get_ledger(room_id: str, session: SessionDep, token: Viewer) -> LedgerPublic:
        check_room(session, token, room_id)
        if session.get(Room, room_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no room {room_id!r}")
        claims = session.scalars(
            select(PriceClaimRow).where(PriceClaimRow.room_id == room_id).order_by(PriceClaimRow.start_ms)
        ).all()
        found = session.scalars(
            select(FindingRow)
            .where(FindingRow.room_id == room_id, FindingRow.source == "ledger")
            .order_by(FindingRow.start_ms)
        ).all()
        return LedgerPublic(
            room_id=room_id,
            claims=[PriceClaimPublic.model_validate(c) for c in claims],
            contradictions=[public_finding(f) for f in found],
        )

    @r.put("/rooms/{room_id}", response_model=RoomPublic, summary="Create or update a room (its live status)")
    def put_room(room_id: str, body: RoomUpdate, session: SessionDep, _t: Worker) -> RoomPublic:
        room = _ensure_room(session, room_id)
        if body.anchor is not None and session.get(Anchor, body.anchor) is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"no anchor {body.anchor!r}; an admin registers it first (PUT /v1/anchors/{body.anchor})",
            )
        for k, v in body.model_dump(exclude_none=True).items():
            setattr(room, k, v)
        if body.status is not None:
            log.info(
                "room %s is %s%s",
                room_id,
                body.status,
                f": {body.status_detail}" if body.status_detail else "",
            )
        session.commit()
        return room_public(session, room)

    def _latest(db: Database) -> int:
        with db.session() as s:
            return latest_event_id(s)

    async def _events(
        request: Request, rooms: list[str] | None, last_event_id: str | None
    ) -> StreamingResponse:
        db: Database = request.app.state.db
        raw = request.headers.get("last-event-id") or last_event_id
        if raw is None or raw == "":
            # A fresh subscriber wants what happens from now on; one that
            # reconnects says where it stopped. The query runs off the event loop.
            after = await run_in_threadpool(_latest, db)
        else:
            try:
                after = int(raw)
            except ValueError:
                raise HTTPException(
                    422, f"Last-Event-ID must be an event id (an integer), got {raw!r}"
                ) from None
        stream = event_stream(
            db,
            hub,
            after=after,
            rooms=rooms,
            is_disconnected=request.is_disconnected,
            poll_s=settings.events_poll_s,
        )
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    _LAST_ID = Query(
        None,
        alias="last_event_id",
        description="Resume after this event id (the Last-Event-ID header wins); 0 replays all.",
    )

    @r.get(
        "/rooms/{room_id}/events",
        summary="Live findings of one room as Server-Sent Events",
        response_class=StreamingResponse,
    )
    async def room_events(
        room_id: str,
        request: Request,
        session: SessionDep,
        token: Viewer,
        last_event_id: str | None = _LAST_ID,
    ) -> StreamingResponse:
        check_room(session, token, room_id)
        session.rollback()  # the stream may last hours: hold no read snapshot
        return await _events(request, [room_id], last_event_id)

    @r.get(
        "/events",
        summary="Live findings of every room this token sees, as Server-Sent Events",
        response_class=StreamingResponse,
    )
    async def all_events(
        request: Request, session: SessionDep, token: Viewer, last_event_id: str | None = _LAST_ID
    ) -> StreamingResponse:
        rooms = room_ids_for(session, token)
        session.rollback()
        return await _events(request, rooms, last_event_id)

    return r


def create_app(
    settings: Settings, db: Database | None = None, classifier: Classifier | None = None
) -> FastAPI:
    """The review app. ``classifier`` serves the script check; by default it is built on first use."""
    from livemod.review._admin import build_admin_router
    from livemod.review._console import mount_console
    from livemod.review._queue import build_queue_router
    from livemod.review._reports import Detectors, build_reports_router

    app = FastAPI(
        title="livemod review queue",
        version=__version__,
        description="Findings from live-selling rooms, for moderators to listen, read and decide. "
        "Authenticate with `Authorization: Bearer <token>`; make tokens with `livemod tokens create`.",
    )
    # The one thing requests reach through app.state: the database (review/_deps.py).
    app.state.db = db or Database(settings.database_url)
    events = EventHub()
    metrics = ApiMetrics(events)
    metrics.install(app)
    app.include_router(build_router(settings, events, metrics))
    app.include_router(build_queue_router(settings))
    app.include_router(build_admin_router())
    app.include_router(build_reports_router(Detectors(settings, classifier)))
    mount_console(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
