"""Recorded sessions in the review database, so the console can show the report the CLI wrote."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from livemod.report._data import ReportFinding, ReportSession
from livemod.store import Anchor, Decision, EventRow, FindingRow, Room, as_utc, get_or_create
from livemod.vocab import FindingStatus, RoomKind, RoomStatus

if TYPE_CHECKING:
    from livemod.frames import Finding


def recording_id(path: Path) -> str:
    """A room id for a recording from its content: the same file scanned twice is one session."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        h.update(fh.read(4 << 20))
    h.update(str(path.stat().st_size).encode())
    return f"rec-{h.hexdigest()[:16]}"


def ensure_anchor(s: Session, name: str) -> Anchor:
    return get_or_create(s, Anchor, name, name=name, display_name=name)


def store_recording(
    s: Session,
    *,
    room_id: str,
    anchor: str,
    title: str,
    duration_ms: int,
    findings: Sequence[Finding],
    recorded_at: datetime | None = None,
) -> None:
    """Store (or replace) one scanned recording and its findings as a room of kind ``recording``."""
    ensure_anchor(s, anchor)
    room = s.get(Room, room_id)
    if room is None:
        room = Room(id=room_id)
        s.add(room)
    else:
        old = select(FindingRow.id).where(FindingRow.room_id == room_id)
        s.execute(delete(Decision).where(Decision.finding_id.in_(old)))
        s.execute(delete(EventRow).where(EventRow.finding_id.in_(old)))
        s.execute(delete(FindingRow).where(FindingRow.room_id == room_id))
    room.name, room.kind, room.anchor = title, RoomKind.RECORDING, anchor
    room.status, room.source, room.duration_ms = RoomStatus.ENDED, title, duration_ms
    if recorded_at is not None:
        room.created_at = recorded_at
    s.flush()
    for f in findings:
        data = f.to_dict()
        del data["spoken_at"]  # a recording is not heard live
        clip_start = f.segment_start_ms if f.clip_path else None
        s.add(FindingRow.from_payload(data, clip_path=f.clip_path, clip_start_ms=clip_start))
    s.commit()


def _session(room: Room, rows: Sequence[FindingRow]) -> ReportSession:
    return ReportSession(
        id=room.id,
        title=room.name or room.id,
        anchor=room.anchor or "",
        duration_ms=room.duration_ms or max((r.end_ms for r in rows), default=0),
        recorded_at=as_utc(room.created_at),
        findings=[
            ReportFinding(
                id=r.id,
                start_ms=r.start_ms,
                end_ms=r.end_ms,
                category=r.category,
                subtype=r.subtype,
                severity=r.severity,
                text=r.text,
                span=(r.span_start, r.span_end),
                matched=r.matched,
                legal_basis=r.legal_basis,
                suggestion=r.suggestion,
                source=r.source,
                score=r.score,
                status=r.status,
            )
            for r in rows
            if r.status != FindingStatus.DISMISSED  # a moderator said it was not a violation
        ],
    )


def load_sessions(
    s: Session, *, anchor: str | None = None, room_ids: Sequence[str] | None = None
) -> list[ReportSession]:
    """Recorded sessions, oldest first: those of ``anchor``, or exactly ``room_ids`` in that order."""
    q = select(Room).where(Room.kind == "recording")
    if anchor is not None:
        q = q.where(Room.anchor == anchor)
    if room_ids is not None:
        q = q.where(Room.id.in_(room_ids))
    rooms = list(s.scalars(q.order_by(Room.created_at)))
    if room_ids is not None:
        order = {rid: i for i, rid in enumerate(room_ids)}
        rooms.sort(key=lambda r: order[r.id])
    out = []
    for room in rooms:
        rows = s.scalars(
            select(FindingRow).where(FindingRow.room_id == room.id).order_by(FindingRow.start_ms)
        ).all()
        out.append(_session(room, rows))
    return out
