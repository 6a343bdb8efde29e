"""Live findings as Server-Sent Events: one room, or every room a token sees."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from livemod.config import Settings
from livemod.review._deps import (
    HubDep,
    SessionDep,
    SettingsDep,
    Viewer,
    check_room,
    room_ids_for,
)
from livemod.review._events import EventHub, event_stream, latest_event_id
from livemod.store import Database

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["events"])


def _latest(db: Database) -> int:
    with db.session() as s:
        return latest_event_id(s)


async def _events(
    request: Request,
    rooms: list[str] | None,
    last_event_id: str | None,
    hub: EventHub,
    settings: Settings,
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
            raise HTTPException(422, f"Last-Event-ID must be an event id (an integer), got {raw!r}") from None
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


@router.get(
    "/rooms/{room_id}/events",
    summary="Live findings of one room as Server-Sent Events",
    response_class=StreamingResponse,
)
async def room_events(
    room_id: str,
    request: Request,
    session: SessionDep,
    token: Viewer,
    hub: HubDep,
    settings: SettingsDep,
    last_event_id: str | None = _LAST_ID,
) -> StreamingResponse:
    check_room(session, token, room_id)
    session.rollback()  # the stream may last hours: hold no read snapshot
    return await _events(request, [room_id], last_event_id, hub, settings)


@router.get(
    "/events",
    summary="Live findings of every room this token sees, as Server-Sent Events",
    response_class=StreamingResponse,
)
async def all_events(
    request: Request,
    session: SessionDep,
    token: Viewer,
    hub: HubDep,
    settings: SettingsDep,
    last_event_id: str | None = _LAST_ID,
) -> StreamingResponse:
    rooms = room_ids_for(session, token)
    session.rollback()
    return await _events(request, rooms, last_event_id, hub, settings)
