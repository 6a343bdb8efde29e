"""Following a room's live findings over Server-Sent Events, resuming on reconnect."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from livemod.client._review import ReviewError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerEvent:
    id: str | None
    event: str
    data: str

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.data)
        return out


def parse_sse(lines: Iterator[str]) -> Iterator[ServerEvent]:
    """Events from the lines of a text/event-stream (the WHATWG format, comments skipped)."""
    event_id: str | None = None
    name = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield ServerEvent(event_id, name, "\n".join(data))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
        elif field == "id":
            event_id = value


def follow_events(
    server: str,
    token: str,
    *,
    room: str | None = None,
    last_event_id: str | None = None,
    reconnect_s: float = 1.0,
    max_reconnect_s: float = 15.0,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[ServerEvent]:
    """Yield ``finding`` events for ever, reconnecting with Last-Event-ID after a drop.

    A refused token or an unknown room raises :class:`ReviewError`; a server
    that is down is retried with backoff, so an operator's screen recovers by itself.
    """
    path = f"/v1/rooms/{room}/events" if room else "/v1/events"
    delay = reconnect_s
    with httpx.Client(
        base_url=server.rstrip("/"),
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
        timeout=httpx.Timeout(10.0, read=60.0),
        transport=transport,
    ) as http:
        while True:
            headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
            try:
                with http.stream("GET", path, headers=headers) as resp:
                    if resp.status_code in (401, 403, 404, 422):
                        resp.read()
                        raise ReviewError(
                            f"{server}{path}: {resp.status_code} {resp.text[:300]}", resp.status_code
                        )
                    resp.raise_for_status()
                    delay = reconnect_s
                    for ev in parse_sse(resp.iter_lines()):
                        if ev.id is not None:
                            last_event_id = ev.id
                        yield ev
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                log.warning("event stream lost (%s); reconnecting in %.0f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, max_reconnect_s)
