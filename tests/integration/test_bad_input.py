"""Bad input: a clear message, a non-zero exit, never a traceback, nothing found lost."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from livemod.ingest import ffmpeg_binary
from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.integration

LIVEMOD = str(ROOT / ".venv" / "bin" / "livemod")


def run(args: list[str], tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIVEMOD_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    return subprocess.run(
        [LIVEMOD, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[str], words: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert words in proc.stderr.replace("\n", " "), proc.stderr


def test_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(run(["scan", str(tmp_path / "nope.mp4")], tmp_path), "no such file")


def test_file_that_is_not_media(tmp_path: Path) -> None:
    f = tmp_path / "notes.mp3"
    f.write_text("这不是音频文件\n" * 50, encoding="utf-8")
    assert_clean_failure(run(["scan", str(f)], tmp_path), "not a media file")


def test_video_without_audio(tmp_path: Path) -> None:
    video = tmp_path / "silent.mp4"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5:duration=2",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    assert_clean_failure(run(["scan", str(video)], tmp_path), "has no audio stream")


def test_url_that_does_not_answer(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run(["scan", f"http://127.0.0.1:{port}/live/room.m3u8"], tmp_path, timeout=60)
    assert_clean_failure(proc, "connection refused")


@pytest.mark.slow
def test_damaged_recording_keeps_what_was_found(tmp_path: Path) -> None:
    data = (FIXTURES / "room_demo.opus").read_bytes()
    damaged = tmp_path / "damaged.opus"
    damaged.write_bytes(data[:200_000] + os.urandom(50_000))
    proc = run(["scan", "--json", str(damaged)], tmp_path)
    assert_clean_failure(proc, "damaged")
    found = [json.loads(line) for line in proc.stdout.splitlines()]
    # The first minute of the room holds these claims; they must survive the damage later on.
    kinds = {f"{f['category']}/{f['subtype']}" for f in found}
    assert {"unclear_pricing/unverifiable_comparison", "unclear_pricing/fictitious_reference_price"} <= kinds
