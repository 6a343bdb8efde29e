"""How stored rows are shown: findings with their context and trail, rooms with their risk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from fastapi import HTTPException, Request, status
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from livemod.review._risk import HALF_LIFE_MS, risk_at, weight
from livemod.review._schemas import FindingDetail, FindingPublic, RoomPublic
from livemod.store import FindingRow, Room, as_utc, get_or_create
from livemod.vocab import DECISION_STEPS, FindingStatus

_Q = TypeVar("_Q", bound=Select[Any])


def filter_findings(
    q: _Q,
    *,
    room_id: str | None = None,
    category: str | None = None,
    subtype: str | None = None,
    severity: str | None = None,
    kind: str | None = None,
) -> _Q:
    """The queue's filters, as the listing and the next-item claim both apply them."""
    if room_id:
        q = q.where(FindingRow.room_id == room_id)
    if category:
        q = q.where(FindingRow.category == category)
    if subtype:
        q = q.where(FindingRow.subtype == subtype)
    if severity:
        q = q.where(FindingRow.severity == severity)
    if kind:
        q = q.where(FindingRow.room_id.in_(select(Room.id).where(Room.kind == kind)))
    return q


def public_finding(row: FindingRow) -> FindingPublic:
    out = FindingPublic.model_validate(row)
    out.has_clip = bool(row.clip_path)
    return out


def ensure_room(session: Session, room_id: str) -> Room:
    """The room, created (and flushed) the first time a worker names it."""
    return get_or_create(session, Room, room_id, id=room_id, name=room_id)


def get_finding_row(session: Session, finding_id: str) -> FindingRow:
    row = session.get(FindingRow, finding_id, options=[selectinload(FindingRow.decisions)])
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id!r}")
    return row


def finding_detail(row: FindingRow, request: Request, session: Session, context_ms: int) -> FindingDetail:
    base = public_finding(row).model_dump()
    window_start = row.start_ms - context_ms
    context = [c for c in row.context if c.get("end_ms", 0) >= window_start]
    room = session.get(Room, row.room_id)
    return FindingDetail(
        **base,
        context=context,
        clip_url=str(request.url_for("get_clip", finding_id=row.id)) if row.clip_path else None,
        clip_start_ms=row.clip_start_ms,
        decisions=[d for d in row.decisions if d.action in DECISION_STEPS],
        history=row.decisions,
        room_name=room.name if room else row.room_id,
        anchor=room.anchor if room else None,
    )


def room_public(session: Session, room: Room, counts: tuple[int, int] | None = None) -> RoomPublic:
    item = RoomPublic.model_validate(room)
    if counts is None:
        total = session.scalar(select(func.count()).where(FindingRow.room_id == room.id)) or 0
        pending = (
            session.scalar(
                select(func.count()).where(
                    FindingRow.room_id == room.id, FindingRow.status == FindingStatus.PENDING
                )
            )
            or 0
        )
        counts = (total, pending)
    item.finding_count, item.pending_count = counts
    item.risk = _room_risk(session, room)
    return item


def _risk_events(session: Session, room_id: str) -> list[tuple[int, float]]:
    rows = session.execute(
        select(FindingRow.start_ms, FindingRow.severity, FindingRow.status).where(
            FindingRow.room_id == room_id
        )
    ).all()
    return [(t, weight(sev, st)) for t, sev, st in rows]


def _room_risk(session: Session, room: Room) -> int:
    if room.status in ("live", "reconnecting"):
        # A live room's score fades with the wall clock: a room that has been
        # clean for ten minutes is calm again, whatever it said before.
        now = datetime.now(UTC)
        since = now - timedelta(milliseconds=6 * HALF_LIFE_MS)
        rows = session.execute(
            select(FindingRow.created_at, FindingRow.severity, FindingRow.status).where(
                FindingRow.room_id == room.id, FindingRow.created_at >= since
            )
        ).all()
        now_ms = int(now.timestamp() * 1000)
        events = [(int(as_utc(c).timestamp() * 1000), weight(sev, st)) for c, sev, st in rows]
        return risk_at(now_ms, events)
    events = _risk_events(session, room.id)
    end = room.duration_ms or max((t for t, _ in events), default=0)
    return risk_at(end, events)
