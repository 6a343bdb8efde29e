"""Live finding events for operators: Server-Sent Events over the events table.

The database is the source of truth (an event is a row with an increasing
integer id), so a client that reconnects with ``Last-Event-ID`` resumes exactly
where it stopped, and several API processes over one database all serve every
event. Within one process, :class:`EventHub` wakes waiting streams the moment a
finding is stored instead of letting them poll.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from livemod.review._schemas import FindingEvent
from livemod.store import Database, EventRow, FindingRow

log = logging.getLogger(__name__)


class EventHub:
    """Wakes the event streams of this process when new events are committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._waiters)

    def notify(self) -> None:
        # Called from the thread pool that runs sync endpoints; each waiter's
        # event belongs to the loop that made it.
        with self._lock:
            waiters = list(self._waiters)
        for loop, ev in waiters:
            loop.call_soon_threadsafe(ev.set)

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        return entry

    def unsubscribe(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(entry)


def _iso(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def latest_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(EventRow.id))) or 0)


def fetch_events(
    session: Session, after: int, rooms: Sequence[str] | None, limit: int = 200
) -> list[FindingEvent]:
    """Events after ``after`` in id order; ``rooms`` None means every room."""
    q = (
        select(EventRow, FindingRow)
        .join(FindingRow, FindingRow.id == EventRow.finding_id)
        .where(EventRow.id > after)
        .order_by(EventRow.id)
        .limit(limit)
    )
    if rooms is not None:
        q = q.where(EventRow.room_id.in_(list(rooms)))
    now = datetime.now(UTC)
    out = []
    for ev, f in session.execute(q).all():
        out.append(
            FindingEvent(
                event_id=ev.id,
                finding_id=f.id,
                room_id=f.room_id,
                start_ms=f.start_ms,
                end_ms=f.end_ms,
                category=f.category,
                subtype=f.subtype,
                severity=f.severity,
                text=f.text,
                matched=f.matched,
                legal_basis=f.legal_basis,
                suggestion=f.suggestion,
                source=f.source,
                spoken_at=_iso(f.spoken_at) if f.spoken_at else None,
                stored_at=_iso(ev.created_at),
                emitted_at=now,
            )
        )
    return out


def format_sse(event: FindingEvent) -> str:
    data = json.dumps(event.model_dump(mode="json"), ensure_ascii=False)
    return f"id: {event.event_id}\nevent: finding\ndata: {data}\n\n"


async def event_stream(
    db: Database,
    hub: EventHub,
    *,
    after: int,
    rooms: Sequence[str] | None,
    is_disconnected: Callable[[], Awaitable[bool]],
    poll_s: float = 2.0,
    keepalive_s: float = 15.0,
) -> AsyncIterator[str]:
    """SSE text: every event after ``after``, then each new one as it is stored.

    ``poll_s`` bounds the wait when the finding was stored by another process;
    a comment line every ``keepalive_s`` keeps proxies from closing an idle stream.
    """

    def load(cursor: int) -> list[FindingEvent]:
        with db.session() as s:
            return fetch_events(s, cursor, rooms)

    entry = hub.subscribe()
    _, wake = entry
    cursor = after
    idle = 0.0
    try:
        # Tell EventSource clients to reconnect after 1 s rather than 3 s.
        yield "retry: 1000\n\n"
        while True:
            wake.clear()
            batch = await run_in_threadpool(load, cursor)
            for ev in batch:
                cursor = ev.event_id
                yield format_sse(ev)
            if batch:
                idle = 0.0
                continue
            if await is_disconnected():
                return
            try:
                await asyncio.wait_for(wake.wait(), timeout=poll_s)
            except TimeoutError:
                idle += poll_s
                if idle >= keepalive_s:
                    idle = 0.0
                    yield ": keepalive\n\n"
    finally:
        hub.unsubscribe(entry)
