from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livemod.ingest import ffmpeg_binary
from tests.conftest import FIXTURES

CHROMIUM = Path(os.environ.get("LIVEMOD_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        msg = f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            # Containers run as root, where Chromium's sandbox will not start; the clip
            # is started by a key press, which counts as a gesture, but be sure.
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield b
        b.close()


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real evidence clip: 12 s of the demo room (the anchor says 原价399 at about 14 s)."""
    out = tmp_path_factory.mktemp("clips") / "clip.opus"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-ss",
            "8",
            "-t",
            "12",
            "-i",
            str(FIXTURES / "room_demo.opus"),
            "-c:a",
            "libopus",
            "-b:a",
            "24k",
            "-y",
            str(out),
        ],
        check=True,
    )
    return out
