"""Findings: workers post them and their clips; viewers list and read them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from livemod.review._deps import (
    HubDep,
    MetricsDep,
    SessionDep,
    SettingsDep,
    Viewer,
    Worker,
    check_room,
    visible_rooms,
)
from livemod.review._schemas import (
    BatchResult,
    FindingBatch,
    FindingCreate,
    FindingDetail,
    FindingPage,
)
from livemod.review._views import (
    ensure_room,
    filter_findings,
    finding_detail,
    get_finding_row,
    public_finding,
)
from livemod.store import EventRow, FindingRow
from livemod.vocab import OPEN_STATUSES, Category, RoomKind, Severity
from livemod.vocab import FindingStatus as Status

log = logging.getLogger(__name__)

_CLIP_TYPES = {"audio/ogg": ".opus", "audio/opus": ".opus", "audio/mpeg": ".mp3", "audio/mp3": ".mp3"}
_MAX_CLIP_BYTES = 20 * 1024 * 1024
# A year of stream time: more than any room runs, far below what SQL integers hold.
_MAX_STREAM_MS = 366 * 24 * 3600 * 1000

router = APIRouter(prefix="/v1", tags=["findings"])


@router.post("/findings", response_model=BatchResult, summary="Post findings (idempotent on id)")
def post_findings(
    batch: FindingBatch, session: SessionDep, _t: Worker, hub: HubDep, metrics: MetricsDep
) -> BatchResult:
    ids = [f.id for f in batch.findings]
    existing = set(session.scalars(select(FindingRow.id).where(FindingRow.id.in_(ids))))
    new: dict[str, FindingCreate] = {}
    for f in batch.findings:
        if f.id in existing or f.id in new:
            continue
        ensure_room(session, f.room_id)
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


@router.put("/findings/{finding_id}/clip", status_code=204, summary="Upload a finding's evidence clip")
async def put_clip(
    finding_id: str, request: Request, session: SessionDep, _t: Worker, settings: SettingsDep
) -> None:
    row = get_finding_row(session, finding_id)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _CLIP_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"clip must be one of {sorted(_CLIP_TYPES)}, got {ctype or 'nothing'}",
        )
    # Everything about the request is checked before a byte reaches the disk.
    raw_start = request.headers.get("x-clip-start-ms")
    clip_start = row.segment_start_ms or 0
    if raw_start is not None:
        if not raw_start.isascii() or not raw_start.isdigit() or int(raw_start) > _MAX_STREAM_MS:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"X-Clip-Start-Ms must be stream time in ms, 0 to {_MAX_STREAM_MS}; got {raw_start[:32]!r}",
            )
        clip_start = int(raw_start)
    body = await request.body()
    if not body or len(body) > _MAX_CLIP_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if body else status.HTTP_422_UNPROCESSABLE_CONTENT,
            "clip is empty or too large",
        )
    path = settings.clips_dir / row.room_id / f"{row.id}{_CLIP_TYPES[ctype]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(path)
    row.clip_path = str(path)
    row.clip_start_ms = clip_start
    session.commit()


@router.get("/findings", response_model=FindingPage, summary="List findings, newest stream time first")
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
    q = filter_findings(q, room_id=room_id, category=category, subtype=subtype, severity=severity, kind=kind)
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


@router.get("/findings/{finding_id}", response_model=FindingDetail, summary="One finding with its context")
def get_finding(
    finding_id: str, request: Request, session: SessionDep, token: Viewer, settings: SettingsDep
) -> FindingDetail:
    row = get_finding_row(session, finding_id)
    check_room(session, token, row.room_id)
    return finding_detail(row, request, session, settings.context_ms)


@router.get("/findings/{finding_id}/clip", summary="The evidence clip", response_class=FileResponse)
def get_clip(finding_id: str, session: SessionDep, token: Viewer) -> FileResponse:
    row = get_finding_row(session, finding_id)
    check_room(session, token, row.room_id)
    if not row.clip_path or not Path(row.clip_path).is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"finding {finding_id!r} has no clip")
    media = "audio/ogg" if row.clip_path.endswith(".opus") else "audio/mpeg"
    return FileResponse(row.clip_path, media_type=media)
