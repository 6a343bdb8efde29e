"""Real live protocols against real servers on loopback: nginx-rtmp, HLS over HTTP, HTTP-FLV.

Each test publishes the bundled room with ``ffmpeg -re`` (paced as live), runs a
worker room against the stream with the real Whisper model and classifier, and
reads what arrived at a real review server.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from livemod.config import Settings
from livemod.ingest import ffmpeg_binary
from livemod.review import create_app, create_token
from livemod.store import Database
from livemod.worker import RoomSpec, Worker
from tests.conftest import FIXTURES, auth
from tests.live_server import free_port, serve

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIXTURE = FIXTURES / "room_demo.opus"
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
# ffmpeg exits with its error code's low byte; AVERROR_EOF is -0x20464F45.
AVERROR_EOF_EXIT = -0x20464F45 & 0xFF


def need_nginx_rtmp() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(nginx).is_file() and RTMP_MODULE.is_file():
        return nginx
    if os.environ.get("CI"):
        pytest.fail("nginx with libnginx-mod-rtmp is missing; .ci/run installs it with apt-get")
    pytest.skip("nginx with libnginx-mod-rtmp is not installed (apt-get install libnginx-mod-rtmp)")


@pytest.fixture(scope="module")
def engines() -> tuple[Any, Any]:
    """One Whisper model and one classifier for the module, as a worker shares them."""
    from livemod.classify import build_classifier
    from livemod.worker import transcriber_for

    s = Settings()
    t = transcriber_for(s)
    t.load()
    return t, build_classifier(s)


@pytest.fixture
def review(settings: Settings, db: Database) -> Iterator[tuple[str, str, str]]:
    with db.session() as s:
        worker = create_token(s, "worker")[1]
        moderator = create_token(s, "moderator")[1]
    with serve(create_app(settings, db)) as base:
        yield base, worker, moderator


def publish(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-re", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_room(
    settings: Settings, engines: tuple[Any, Any], base: str, token: str, room: str, url: str
) -> tuple[Worker, threading.Thread]:
    transcriber, classifier = engines
    w = Worker(settings, base, token, [RoomSpec(room, url)], classifier=classifier, transcriber=transcriber)
    w.preflight()
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    return w, t


def findings_of(base: str, moderator: str, room: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{base}/v1/findings", params={"room_id": room, "limit": 500}, headers=auth(moderator))
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def labels_near(findings: list[dict[str, Any]], label: str, at_ms: int, tolerance_ms: int) -> list[int]:
    return [
        f["start_ms"]
        for f in findings
        if f"{f['category']}/{f['subtype']}" == label and abs(f["start_ms"] - at_ms) <= tolerance_ms
    ]


def live_settings(settings: Settings, **kw: Any) -> Settings:
    base = {"reconnect_window_s": 4.0, "connect_window_s": 20.0, "stream_timeout_s": 5.0}
    return settings.model_copy(update={**base, **kw})


def test_rtmp_drop_reconnect_keeps_time_codes_and_ends_cleanly(
    tmp_path: Path, settings: Settings, engines: tuple[Any, Any], review: tuple[str, str, str]
) -> None:
    nginx = need_nginx_rtmp()
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"load_module {RTMP_MODULE};\n"
        f"daemon off;\nmaster_process off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log info;\n"
        "events { worker_connections 64; }\n"
        f"rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}\n",
        encoding="utf-8",
    )

    def start_nginx() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (tmp_path / "nginx.pid").exists():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
            time.sleep(0.05)
        return proc

    server = start_nginx()
    try:
        base, worker_token, moderator = review
        url = f"rtmp://127.0.0.1:{port}/live/room"
        # The worker comes up first and waits for the anchor, as it would for a room about to open.
        w, t = run_room(live_settings(settings), engines, base, worker_token, "rtmp-room", url)
        time.sleep(1.5)
        out = ["-c:a", "aac", "-b:a", "96k", "-f", "flv", url]
        first = publish("-t", "30", "-i", str(FIXTURE), *out)
        assert first.wait(timeout=60) == 0
        # The server goes down under the worker and comes back 2 s later; the anchor
        # goes on where the audio stopped.
        server.terminate()
        server.wait(timeout=10)
        time.sleep(2.0)
        server = start_nginx()
        second = publish("-ss", "30", "-t", "25", "-i", str(FIXTURE), *out)
        assert second.wait(timeout=60) == 0
        t.join(timeout=60)  # ... then gone for good: the room must end by itself
        assert not t.is_alive(), "the room did not end after the stream stopped"
    finally:
        server.terminate()
        server.wait(timeout=10)

    (result,) = w.results.values()
    assert (result.status, result.exit_code) == ("ended", 0)
    room = httpx.get(f"{base}/v1/rooms/rtmp-room", headers=auth(moderator)).json()
    assert room["status"] == "ended"
    # The drop is on record, at about 30 s of stream time, and lasted seconds of wall time.
    assert len(room["gaps"]) == 1, room["gaps"]
    gap = room["gaps"][0]
    assert 28_000 <= gap["at_ms"] <= 31_500 and gap["wall_ms"] >= 2_000, gap
    assert w.runners[0].source is not None and w.runners[0].source.reconnects >= 1  # type: ignore[union-attr]
    found = findings_of(base, moderator, "rtmp-room")
    # Before the drop ...
    assert labels_near(found, "unclear_pricing/unverifiable_comparison", 8_731, 2_000)
    assert labels_near(found, "unclear_pricing/fictitious_reference_price", 14_212, 2_000)
    # ... and after it, at the fixture's own time codes: stream time did not jump.
    assert labels_near(found, "false_advertising/medical_claims", 38_014, 2_000)
    assert labels_near(found, "unclear_pricing/price_not_stated", 46_837, 2_000)
    assert all(f["spoken_at"] for f in found)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_hls_live_playlist(
    tmp_path: Path, settings: Settings, engines: tuple[Any, Any], review: tuple[str, str, str]
) -> None:
    hls = tmp_path / "hls"
    hls.mkdir()
    port = free_port()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(hls))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base, worker_token, moderator = review
    try:
        # Until ffmpeg writes the first playlist the URL is a 404: the worker retries.
        w, t = run_room(
            live_settings(settings),
            engines,
            base,
            worker_token,
            "hls-room",
            f"http://127.0.0.1:{port}/live.m3u8",
        )
        pub = publish(
            "-t", "20", "-i", str(FIXTURE), "-c:a", "aac", "-f", "hls",
            "-hls_time", "1", "-hls_list_size", "0", str(hls / "live.m3u8"),
        )  # fmt: skip
        assert pub.wait(timeout=60) == 0
        t.join(timeout=60)
        assert not t.is_alive(), "the room did not end at the playlist's end"
    finally:
        httpd.shutdown()
        httpd.server_close()
    (result,) = w.results.values()
    assert (result.status, result.exit_code) == ("ended", 0)
    found = findings_of(base, moderator, "hls-room")
    assert labels_near(found, "unclear_pricing/unverifiable_comparison", 8_731, 2_500), found
    assert labels_near(found, "unclear_pricing/fictitious_reference_price", 14_212, 2_500), found
    # Each line is reported once, even though ffmpeg was restarted while the playlist was missing.
    starts = [f["start_ms"] for f in found if f["subtype"] == "fictitious_reference_price"]
    assert len(starts) == 1, starts


def test_http_flv(
    tmp_path: Path, settings: Settings, engines: tuple[Any, Any], review: tuple[str, str, str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/live.flv"
    base, worker_token, moderator = review
    pub = publish("-t", "19", "-i", str(FIXTURE), "-c:a", "aac", "-f", "flv", "-listen", "1", url)
    _, t = run_room(live_settings(settings), engines, base, worker_token, "flv-room", url)
    # ffmpeg's one-shot HTTP server has no end-of-stream marker: when the worker hangs up
    # at the end it may report AVERROR_EOF (exit 187) instead of 0. Either means it served
    # the whole stream; anything else is a publisher failure the test must not hide.
    assert pub.wait(timeout=60) in (0, AVERROR_EOF_EXIT)
    t.join(timeout=60)
    assert not t.is_alive()
    found = findings_of(base, moderator, "flv-room")
    assert labels_near(found, "unclear_pricing/fictitious_reference_price", 14_212, 2_500), found


def test_a_stream_that_never_comes_up_is_an_error(
    settings: Settings, engines: tuple[Any, Any], review: tuple[str, str, str]
) -> None:
    base, worker_token, moderator = review
    url = f"rtmp://127.0.0.1:{free_port()}/live/nobody"
    w, t = run_room(
        live_settings(settings, connect_window_s=3.0), engines, base, worker_token, "dead-room", url
    )
    t.join(timeout=30)
    assert not t.is_alive()
    (result,) = w.results.values()
    assert (result.status, result.exit_code) == ("error", 1)
    room = httpx.get(f"{base}/v1/rooms/dead-room", headers=auth(moderator)).json()
    assert room["status"] == "error"
    assert "no audio within 3 s" in room["status_detail"] and "connection refused" in room["status_detail"]
