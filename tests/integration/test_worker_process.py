"""`livemod worker` as a real process: the server away, SIGKILL, SIGTERM, /metrics."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from livemod.ingest import ffmpeg_binary
from tests.conftest import FIXTURES
from tests.integration.test_end_to_end import LIVEMOD, env_for, make_token
from tests.live_server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 20 s of the bundled room: two pricing violations, at 8.7 s and 14.2 s."""
    out = tmp_path_factory.mktemp("media") / "excerpt.opus"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(FIXTURES / "room_demo.opus"),
            "-t",
            "20",
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


@pytest.fixture(scope="module")
def silence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("media") / "silence.opus"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "2",
            str(out),
        ],
        check=True,
    )
    return out


class Server:
    def __init__(self, data: Path, port: int, log: Path) -> None:
        self.data, self.port, self.log = data, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [LIVEMOD, "serve", "--port", str(self.port)], env=env_for(self.data), stdout=log, stderr=log
            )

        def up() -> bool:
            try:
                return httpx.get(f"{self.base}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, 30, "the review server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
            self.proc = None

    def findings(self, token: str, room: str) -> list[dict[str, Any]]:
        r = httpx.get(
            f"{self.base}/v1/findings",
            params={"room_id": room, "limit": 500},
            headers={"Authorization": f"Bearer {token}"},
        )
        items: list[dict[str, Any]] = r.json()["items"]
        return items


@pytest.fixture
def review(tmp_path: Path) -> Iterator[tuple[Server, str, str]]:
    srv = Server(tmp_path / "server", free_port(), tmp_path / "server.log")
    worker, moderator = make_token(srv.data, "worker"), make_token(srv.data, "moderator")
    yield srv, worker, moderator
    srv.stop()


def start_worker(
    data: Path, server: str, token: str, room: str, source: Path, *extra: str
) -> subprocess.Popen[str]:
    env = {**env_for(data), "LIVEMOD_POST_RETRIES": "1"}
    return subprocess.Popen(
        [LIVEMOD, "worker", "--room", f"{room}={source}", "--server", server, "--token", token, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def spooled(data: Path, room: str) -> list[str]:
    return sorted(p.stem for p in (data / "spool" / room).glob("*.json"))


def test_server_down_for_a_while_then_back_every_finding_arrives_once(
    tmp_path: Path, review: tuple[Server, str, str], excerpt: Path
) -> None:
    srv, worker, moderator = review
    proc = start_worker(tmp_path / "w", srv.base, worker, "r1", excerpt)
    # The worker hears the room and spools what it finds while nobody answers.
    wait_for(lambda: len(spooled(tmp_path / "w", "r1")) >= 2, 120, "findings in the spool")
    srv.start()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert spooled(tmp_path / "w", "r1") == []
    found = srv.findings(moderator, "r1")
    labels = sorted(f"{f['category']}/{f['subtype']}" for f in found)
    assert labels == ["unclear_pricing/fictitious_reference_price", "unclear_pricing/unverifiable_comparison"]


def test_sigkill_mid_stream_then_restart_delivers_the_spool_once(
    tmp_path: Path, review: tuple[Server, str, str], excerpt: Path, silence: Path
) -> None:
    srv, worker, moderator = review
    data = tmp_path / "w"
    proc = start_worker(data, srv.base, worker, "r2", excerpt, "--realtime")
    wait_for(lambda: spooled(data, "r2"), 60, "a spooled finding")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    left = spooled(data, "r2")
    assert left
    srv.start()
    # The server may have stored an item just before the kill, the ack never
    # reaching the worker: post one of them now to be that case.
    doc = json.loads((data / "spool" / "r2" / f"{left[0]}.json").read_text(encoding="utf-8"))
    r = httpx.post(
        f"{srv.base}/v1/findings",
        json={"findings": [doc["payload"]]},
        headers={"Authorization": f"Bearer {worker}"},
    )
    assert r.json()["created"] == [left[0]]
    again = start_worker(data, srv.base, worker, "r2", silence)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert spooled(data, "r2") == []
    ids = [f["id"] for f in srv.findings(moderator, "r2")]
    assert sorted(ids) == left, "every spooled finding arrived, none twice"
    # The clip came with each finding.
    for fid in ids:
        detail = httpx.get(f"{srv.base}/v1/findings/{fid}", headers={"Authorization": f"Bearer {moderator}"})
        assert detail.json()["clip_url"]


def test_sigterm_flushes_closes_the_room_and_exits_0_with_metrics_on_the_way(
    tmp_path: Path, review: tuple[Server, str, str]
) -> None:
    srv, worker, moderator = review
    srv.start()
    port = free_port()
    data = tmp_path / "w"
    proc = start_worker(
        data, srv.base, worker, "r3", FIXTURES / "room_demo.opus", "--realtime", "--metrics-port", str(port)
    )
    wait_for(lambda: srv.findings(moderator, "r3"), 90, "a finding at the server")
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert 'livemod_room_lag_seconds{room="r3"}' in metrics
    assert 'livemod_findings_total{category="unclear_pricing",room="r3"}' in metrics
    assert "livemod_asr_real_time_factor" in metrics and 'livemod_room_queue_depth{room="r3"}' in metrics
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert spooled(data, "r3") == []
    room = httpx.get(f"{srv.base}/v1/rooms/r3", headers={"Authorization": f"Bearer {moderator}"}).json()
    assert room["status"] == "ended" and "stopped" in room["status_detail"]
    assert "Traceback" not in err
