"""Rooms: their status from workers, counts, timeline and price ledger for viewers."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Path as PathParam
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livemod.review._deps import (
    SessionDep,
    Viewer,
    Worker,
    check_room,
)
from livemod.review._risk import risk_series, weight
from livemod.review._schemas import (
    ID_MAX,
    ID_PATTERN,
    BatchResult,
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
    ensure_room,
    public_finding,
    room_public,
)
from livemod.store import Anchor, FindingRow, PriceClaimRow, Room
from livemod.vocab import FindingStatus as Status
from livemod.vocab import Role, RoomKind

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["rooms"])


@router.get("/rooms", response_model=list[RoomPublic], summary="Rooms with their finding counts")
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


@router.get("/rooms/{room_id}", response_model=RoomPublic)
def get_room(room_id: str, session: SessionDep, token: Viewer) -> RoomPublic:
    return room_public(session, _load_room(session, token, room_id))


@router.get(
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


@router.post(
    "/rooms/{room_id}/ledger",
    response_model=BatchResult,
    summary="Record price claims in the room's ledger (idempotent by claim id)",
)
def post_ledger(room_id: str, batch: PriceClaimBatch, session: SessionDep, _t: Worker) -> BatchResult:
    if any(c.room_id != room_id for c in batch.claims):
        raise HTTPException(422, "every claim must belong to this room")
    ids = [c.id for c in batch.claims]
    existing = set(session.scalars(select(PriceClaimRow.id).where(PriceClaimRow.id.in_(ids))))
    ensure_room(session, room_id)
    created: list[str] = []
    for c in batch.claims:
        if c.id in existing or c.id in created:
            continue
        session.add(PriceClaimRow(**c.model_dump(exclude={"span"})))
        created.append(c.id)
    session.commit()
    return BatchResult(created=created, existing=sorted(existing))


@router.get("/rooms/{room_id}/ledger", response_model=LedgerPublic, summary="The room's price ledger")
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


@router.put(
    "/rooms/{room_id}", response_model=RoomPublic, summary="Create or update a room (its live status)"
)
def put_room(
    room_id: Annotated[str, PathParam(pattern=ID_PATTERN, max_length=ID_MAX)],
    body: RoomUpdate,
    session: SessionDep,
    token: Worker,
) -> RoomPublic:
    # Which MCN sees a room is an admin's decision (README, roles), not a worker's.
    if "anchor" in body.model_fields_set and token.role != Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin assigns a room to an anchor")
    room = ensure_room(session, room_id)
    if body.anchor is not None and session.get(Anchor, body.anchor) is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"no anchor {body.anchor!r}; an admin registers it first (PUT /v1/anchors/{body.anchor})",
        )
    for k, v in body.model_dump(exclude_unset=True).items():
        if v is not None or k == "anchor":  # an explicit null removes the anchor, and nothing else
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
