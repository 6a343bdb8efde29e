from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from livemod.client import ReviewClient, ReviewError
from livemod.frames import Finding
from livemod.worker import ReviewSink, Spool


def finding(i: int, clip: str | None = None) -> Finding:
    return Finding(
        id=f"f{i}",
        room_id="r1",
        seq=i,
        start_ms=i * 1000,
        end_ms=i * 1000 + 500,
        category="unclear_pricing",
        subtype="price_not_stated",
        severity="high",
        text="扣1私你价格",
        span=(0, 6),
        matched="扣1私你价格",
        legal_basis="《价格法》第十三条",
        rule="x:pattern:0",
        clip_path=clip,
    )


class FlakyServer:
    """Refuses the first ``down`` requests, then stores findings like the real API."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.stored: dict[str, dict[str, object]] = {}
        self.clips: dict[str, bytes] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down > 0:
            self.down -= 1
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/v1/findings":
            created: list[str] = []
            existing: list[str] = []
            for f in json.loads(request.content)["findings"]:
                (existing if f["id"] in self.stored else created).append(f["id"])
                self.stored.setdefault(f["id"], f)
            return httpx.Response(200, json={"created": created, "existing": existing})
        if request.url.path.endswith("/clip"):
            self.clips[request.url.path.split("/")[3]] = request.content
            return httpx.Response(204)
        return httpx.Response(404, json={"detail": "nope"})


def test_server_down_then_up_loses_nothing(tmp_path: Path) -> None:
    server = FlakyServer(down=4)
    clip = tmp_path / "c.opus"
    clip.write_bytes(b"OggS fake")
    client = ReviewClient(
        "http://review", "t", retries=1, backoff_s=0.01, transport=httpx.MockTransport(server)
    )
    sink = ReviewSink(client, Spool(tmp_path / "spool"), idle_retry_s=0.02, max_retry_s=0.05).start()
    for i in range(3):
        sink.submit(finding(i, str(clip) if i == 0 else None))
    assert sink.close(timeout_s=10) == 0
    assert sorted(server.stored) == ["f0", "f1", "f2"]
    assert server.clips == {"f0": b"OggS fake"}
    assert sink.failures >= 1


def test_unacknowledged_findings_survive_a_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    dead = ReviewClient(
        "http://review", "t", retries=0, transport=httpx.MockTransport(FlakyServer(down=10**6))
    )
    sink = ReviewSink(dead, spool, idle_retry_s=0.01, max_retry_s=0.02).start()
    sink.submit(finding(7))
    assert sink.close(timeout_s=0.3) == 1
    # A new worker process: same spool, a server that works.
    server = FlakyServer(down=0)
    live = ReviewClient("http://review", "t", transport=httpx.MockTransport(server))
    assert ReviewSink(live, Spool(tmp_path / "spool")).start().close(timeout_s=5) == 0
    assert list(server.stored) == ["f7"]


def test_wrong_token_is_not_retried_and_says_what_to_do() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(401, json={"detail": "unknown or revoked token"})

    client = ReviewClient("http://review", "bad", retries=5, transport=httpx.MockTransport(handler))
    with pytest.raises(ReviewError, match="tokens create --role worker"):
        client.put_room("r1", status="live")
    assert len(calls) == 1
