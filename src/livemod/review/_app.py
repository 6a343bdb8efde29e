"""The review queue: a FastAPI app over the review database.

``create_app(settings)`` builds everything; nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool

from livemod._version import __version__
from livemod.config import Settings
from livemod.review._auth import lookup_token
from livemod.review._events import EventHub, event_stream, latest_event_id
from livemod.review._metrics import ApiMetrics
from livemod.review._schemas import (
    BatchResult,
    Category,
    DecisionCreate,
    FindingBatch,
    FindingCreate,
    FindingDetail,
    FindingPage,
    FindingPublic,
    LedgerPublic,
    PriceClaimBatch,
    PriceClaimPublic,
    RoomPublic,
    RoomUpdate,
    Status,
    TokenInfo,
)
from livemod.store import Database, Decision, EventRow, FindingRow, PriceClaimRow, Room

log = logging.getLogger(__name__)

_STATUS_FOR = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}
_CLIP_TYPES = {"audio/ogg": ".opus", "audio/opus": ".opus", "audio/mpeg": ".mp3", "audio/mp3": ".mp3"}
_MAX_CLIP_BYTES = 20 * 1024 * 1024

_bearer = HTTPBearer(auto_error=False, description="A token from `livemod tokens create --role ROLE`.")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(db: Annotated[Database, Depends(_db)]) -> Iterator[Session]:
    with db.session() as s:
        yield s


SessionDep = Annotated[Session, Depends(get_session)]


def current_token(
    session: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenInfo:
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    row = lookup_token(session, creds.credentials)
    # End the read transaction now: an event stream holds this request's
    # session for hours, and an open SQLite snapshot stops WAL checkpoints.
    session.rollback()
    if row is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return TokenInfo(id=row.id, name=row.name, role=row.role, rooms=list(row.rooms or []))


def require(*roles: str) -> object:
    allowed = set(roles) | {"admin"}

    def check(token: Annotated[TokenInfo, Depends(current_token)]) -> TokenInfo:
        if token.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {token.role!r} may not do this; needs one of {sorted(allowed)}",
            )
        return token

    return Depends(check)


Worker = Annotated[TokenInfo, require("worker")]
Moderator = Annotated[TokenInfo, require("moderator")]
# Reads that operators may make too, limited to their own rooms.
Viewer = Annotated[TokenInfo, require("moderator", "operator")]


def _check_room(token: TokenInfo, room_id: str) -> None:
    if not token.sees(room_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this operator token is not for room {room_id!r}")


def _public(row: FindingRow) -> FindingPublic:
    out = FindingPublic.model_validate(row)
    out.has_clip = bool(row.clip_path)
    return out


def _get_finding(session: Session, finding_id: str) -> FindingRow:
    row = session.get(FindingRow, finding_id, options=[selectinload(FindingRow.decisions)])
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id!r}")
    return row


def _ensure_room(session: Session, room_id: str) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        room = Room(id=room_id, name=room_id)
        session.add(room)
        session.flush()
    return room


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
            data = f.model_dump(exclude={"span", "context", "related"})
            session.add(
                FindingRow(
                    **data,
                    span_start=f.span[0],
                    span_end=f.span[1],
                    context=[c.model_dump() for c in f.context],
                    related=[c.model_dump() for c in f.related],
                )
            )
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
        row = _get_finding(session, finding_id)
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
        status_: Annotated[Status | None, Query(alias="status")] = None,
        from_ms: Annotated[int | None, Query(ge=0, description="stream time, inclusive")] = None,
        to_ms: Annotated[int | None, Query(ge=0, description="stream time, exclusive")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> FindingPage:
        q = select(FindingRow)
        if token.role == "operator":
            if room_id:
                _check_room(token, room_id)
            q = q.where(FindingRow.room_id.in_(token.rooms))
        if room_id:
            q = q.where(FindingRow.room_id == room_id)
        if category:
            q = q.where(FindingRow.category == category)
        if subtype:
            q = q.where(FindingRow.subtype == subtype)
        if status_:
            q = q.where(FindingRow.status == status_)
        if from_ms is not None:
            q = q.where(FindingRow.start_ms >= from_ms)
        if to_ms is not None:
            q = q.where(FindingRow.start_ms < to_ms)
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = session.scalars(
            q.order_by(FindingRow.created_at.desc(), FindingRow.start_ms.desc()).limit(limit).offset(offset)
        )
        return FindingPage(items=[_public(x) for x in rows], total=total, limit=limit, offset=offset)

    @r.get("/findings/{finding_id}", response_model=FindingDetail, summary="One finding with its context")
    def get_finding(finding_id: str, request: Request, session: SessionDep, token: Viewer) -> FindingDetail:
        row = _get_finding(session, finding_id)
        _check_room(token, row.room_id)
        base = _public(row).model_dump()
        window_start = row.start_ms - settings.context_ms
        context = [c for c in row.context if c.get("end_ms", 0) >= window_start]
        return FindingDetail(
            **base,
            context=context,
            clip_url=str(request.url_for("get_clip", finding_id=row.id)) if row.clip_path else None,
            clip_start_ms=row.clip_start_ms,
            decisions=row.decisions,
        )

    @r.get("/findings/{finding_id}/clip", summary="The evidence clip", response_class=FileResponse)
    def get_clip(finding_id: str, session: SessionDep, token: Viewer) -> FileResponse:
        row = _get_finding(session, finding_id)
        _check_room(token, row.room_id)
        if not row.clip_path or not Path(row.clip_path).is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"finding {finding_id!r} has no clip")
        media = "audio/ogg" if row.clip_path.endswith(".opus") else "audio/mpeg"
        return FileResponse(row.clip_path, media_type=media)

    @r.post("/findings/{finding_id}/decisions", response_model=FindingDetail, summary="Decide a finding")
    def decide(
        finding_id: str, body: DecisionCreate, request: Request, session: SessionDep, token: Moderator
    ) -> FindingDetail:
        row = _get_finding(session, finding_id)
        row.decisions.append(
            Decision(
                action=body.action,
                reviewer=body.reviewer or token.name,
                reason=body.reason,
                token_id=token.id,
            )
        )
        row.status = _STATUS_FOR[body.action]
        session.commit()
        log.info("finding %s %s by %s", row.id, row.status, body.reviewer or token.name)
        return get_finding(finding_id, request, session, token)

    @r.get("/rooms", response_model=list[RoomPublic], summary="Rooms with their finding counts")
    def list_rooms(session: SessionDep, token: Viewer) -> list[RoomPublic]:
        counts = dict(
            session.execute(select(FindingRow.room_id, func.count()).group_by(FindingRow.room_id)).all()
        )
        pending = dict(
            session.execute(
                select(FindingRow.room_id, func.count())
                .where(FindingRow.status == "pending")
                .group_by(FindingRow.room_id)
            ).all()
        )
        out = []
        for room in session.scalars(select(Room).order_by(Room.updated_at.desc())):
            if not token.sees(room.id):
                continue
            item = RoomPublic.model_validate(room)
            item.finding_count, item.pending_count = counts.get(room.id, 0), pending.get(room.id, 0)
            out.append(item)
        return out

    @r.get("/rooms/{room_id}", response_model=RoomPublic)
    def get_room(room_id: str, session: SessionDep, token: Viewer) -> RoomPublic:
        _check_room(token, room_id)
        room = session.get(Room, room_id)
        if room is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no room {room_id!r}")
        item = RoomPublic.model_validate(room)
        item.finding_count = session.scalar(select(func.count()).where(FindingRow.room_id == room_id)) or 0
        item.pending_count = (
            session.scalar(
                select(func.count()).where(FindingRow.room_id == room_id, FindingRow.status == "pending")
            )
            or 0
        )
        return item

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
        _check_room(token, room_id)
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
            contradictions=[_public(f) for f in found],
        )

    @r.put("/rooms/{room_id}", response_model=RoomPublic, summary="Create or update a room (its live status)")
    def put_room(room_id: str, body: RoomUpdate, session: SessionDep, _t: Worker) -> RoomPublic:
        room = _ensure_room(session, room_id)
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
        return get_room(room_id, session, _t)

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
        room_id: str, request: Request, token: Viewer, last_event_id: str | None = _LAST_ID
    ) -> StreamingResponse:
        _check_room(token, room_id)
        return await _events(request, [room_id], last_event_id)

    @r.get(
        "/events",
        summary="Live findings of every room this token sees, as Server-Sent Events",
        response_class=StreamingResponse,
    )
    async def all_events(
        request: Request, token: Viewer, last_event_id: str | None = _LAST_ID
    ) -> StreamingResponse:
        rooms = token.rooms if token.role == "operator" else None
        return await _events(request, rooms, last_event_id)

    return r


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    app = FastAPI(
        title="livemod review queue",
        version=__version__,
        description="Findings from live-selling rooms, for moderators to listen, read and decide. "
        "Authenticate with `Authorization: Bearer <token>`; make tokens with `livemod tokens create`.",
    )
    app.state.db = db or Database(settings.database_url)
    app.state.settings = settings
    app.state.events = EventHub()
    app.state.metrics = ApiMetrics(app.state.events)
    app.state.metrics.install(app)
    app.include_router(build_router(settings, app.state.events, app.state.metrics))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
