"""Live finding events over a real uvicorn server: scoping, fields and resuming."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from livemod.client import ServerEvent, follow_events, parse_sse
from livemod.config import Settings
from livemod.review import create_app, create_token
from livemod.store import Database
from tests.conftest import auth
from tests.live_server import serve
from tests.unit.test_api import payload

pytestmark = pytest.mark.integration


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[tuple[str, dict[str, str]]]:
    # A long poll interval: events must arrive because the hub wakes the stream.
    app = create_app(settings.model_copy(update={"events_poll_s": 30.0}), db)
    with db.session() as s:
        toks = {r: create_token(s, r, f"t-{r}")[1] for r in ("worker", "moderator")}
        toks["op_a"] = create_token(s, "operator", "op-a", ["room-a"])[1]
    with serve(app) as base:
        yield base, toks


class Listener:
    """Follows an event stream on a thread and hands events over through a queue."""

    def __init__(self, base: str, token: str, room: str | None, last_event_id: str | None = None) -> None:
        self.events: queue.Queue[ServerEvent] = queue.Queue()
        self._stop = threading.Event()
        self._args = (base, token, room, last_event_id)
        self.connected = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        # The server stops at the end of each test, mid-stream.
        with contextlib.suppress(httpx.TransportError):
            self._listen()

    def _listen(self) -> None:
        base, token, room, last = self._args
        path = f"/v1/rooms/{room}/events" if room else "/v1/events"
        headers = {**auth(token), **({"Last-Event-ID": last} if last is not None else {})}
        with (
            httpx.Client(base_url=base, timeout=httpx.Timeout(5, read=60)) as http,
            http.stream("GET", path, headers=headers) as resp,
        ):
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            lines = resp.iter_lines()
            for ev in parse_sse(self._mark_connected(lines)):
                if self._stop.is_set():
                    return
                self.events.put(ev)

    def _mark_connected(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            if line.startswith("retry:"):
                self.connected.set()
            yield line

    def take(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return [self.events.get(timeout=timeout).json() for _ in range(n)]

    def close(self) -> None:
        self._stop.set()


def post(base: str, token: str, *findings: dict[str, Any]) -> None:
    r = httpx.post(f"{base}/v1/findings", json={"findings": list(findings)}, headers=auth(token))
    assert r.status_code == 200, r.text


def test_operator_gets_its_room_as_it_happens_and_nothing_else(live: tuple[str, dict[str, str]]) -> None:
    base, t = live
    op = Listener(base, t["op_a"], "room-a")
    mod = Listener(base, t["moderator"], None)
    assert op.connected.wait(5) and mod.connected.wait(5)
    post(base, t["worker"], payload(1, room_id="room-b"), payload(2, room_id="room-a"))
    (got,) = op.take(1)
    assert got["finding_id"] == "find-2" and got["room_id"] == "room-a"
    for key in ("start_ms", "end_ms", "category", "subtype", "text", "severity", "suggestion", "emitted_at"):
        assert got[key] not in (None, ""), key
    assert got["start_ms"] == 2000 and got["suggestion"] == "只说真实成交价"
    assert sorted(e["finding_id"] for e in mod.take(2)) == ["find-1", "find-2"]
    assert op.events.empty()
    op.close()
    mod.close()

    # The operator token opens no other room, and cannot decide or post.
    with httpx.Client(base_url=base, headers=auth(t["op_a"])) as http:
        assert http.get("/v1/rooms/room-b/events").status_code == 403
        assert http.get("/v1/findings/find-1").status_code == 403
        assert [f["id"] for f in http.get("/v1/findings").json()["items"]] == ["find-2"]
        assert [r["id"] for r in http.get("/v1/rooms").json()] == ["room-a"]
        assert http.post("/v1/findings/find-2/decisions", json={"action": "confirm"}).status_code == 403
        assert http.post("/v1/findings", json={"findings": [payload(9)]}).status_code == 403
    assert httpx.get(f"{base}/v1/rooms/room-a/events", headers=auth("lm_nope")).status_code == 401
    metrics = httpx.get(f"{base}/metrics").text
    assert 'livemod_api_findings_stored_total{category="unclear_pricing"} 2.0' in metrics
    assert 'route="/v1/rooms/{room_id}/events",status="403"' in metrics


def test_reconnecting_with_last_event_id_misses_nothing(live: tuple[str, dict[str, str]]) -> None:
    base, t = live
    first = Listener(base, t["op_a"], "room-a")
    assert first.connected.wait(5)
    post(base, t["worker"], payload(1))
    (seen,) = first.take(1)
    first.close()
    # While the operator is away, three more findings are stored.
    post(base, t["worker"], payload(2), payload(3, room_id="room-b"))
    post(base, t["worker"], payload(4))
    again = Listener(base, t["op_a"], "room-a", last_event_id=str(seen["event_id"]))
    got = again.take(2)
    assert [e["finding_id"] for e in got] == ["find-2", "find-4"]
    assert got[0]["event_id"] < got[1]["event_id"]
    again.close()
    # Without Last-Event-ID a subscriber starts at "now"; 0 replays everything.
    replay = Listener(base, t["moderator"], "room-a", last_event_id="0")
    assert [e["finding_id"] for e in replay.take(3)] == ["find-1", "find-2", "find-4"]
    replay.close()


def test_follow_events_resumes_after_the_server_restarts(settings: Settings, db: Database) -> None:
    from tests.live_server import free_port

    with db.session() as s:
        worker = create_token(s, "worker")[1]
        op = create_token(s, "operator", "op", ["room-a"])[1]
    port = free_port()
    app = create_app(settings, db)
    got: queue.Queue[ServerEvent] = queue.Queue()

    def follow() -> None:
        # From 0: the follower may connect after the first post.
        for ev in follow_events(
            f"http://127.0.0.1:{port}", op, room="room-a", last_event_id="0", reconnect_s=0.2
        ):
            got.put(ev)

    with serve(app, port) as base:
        threading.Thread(target=follow, daemon=True).start()
        post(base, worker, payload(1))
        first = got.get(timeout=10).json()
    # The server is down now; it comes back and a finding is stored: the
    # follower reconnects by itself and resumes after the event it saw.
    with serve(create_app(settings, db), port) as base:
        post(base, worker, payload(2))
        second = got.get(timeout=15).json()
    assert got.empty()
    assert (first["finding_id"], second["finding_id"]) == ("find-1", "find-2")
