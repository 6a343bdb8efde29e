"""``livemod report`` and ``livemod check-script`` as an MCN runs them: real ffmpeg, Whisper, SQLite."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from livemod.config import Settings
from livemod.ingest import ffmpeg_binary
from livemod.review import create_app, create_token
from livemod.store import Database
from tests.conftest import FIXTURES, ROOT, auth

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LIVEMOD = str(ROOT / ".venv" / "bin" / "livemod")


def run(args: list[str], data: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIVEMOD_DATA_DIR": str(data), "COLUMNS": "200"}
    return subprocess.run(
        [LIVEMOD, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def test_report_over_two_sessions_with_a_bad_file_then_seen_by_the_mcn(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = tmp_path / "第一场.opus"
    shutil.copy(FIXTURES / "room_demo.opus", first)
    second = tmp_path / "第二场.opus"  # the first 70 s of the same talk: the same phrases come back
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(first), "-t", "70", "-c", "copy", "-y", str(second)],
        check=True,
    )
    os.utime(first, (1_790_000_000, 1_790_000_000))  # recorded a day before the second
    os.utime(second, (1_790_086_400, 1_790_086_400))
    broken = tmp_path / "坏文件.mp4"
    broken.write_bytes(b"\x00not media" * 100)
    out = tmp_path / "out" / "小美.html"

    proc = run(["report", str(second), str(broken), str(first), "--anchor", "小美", "--out", str(out)], data)
    assert proc.returncode == 1, proc.stderr
    assert "坏文件.mp4" in proc.stderr and "Traceback" not in proc.stderr
    assert "scanning 1/3" in proc.stderr  # progress, even without a terminal
    html = out.read_text(encoding="utf-8")
    assert "Training report: 小美" in html and "第一场.opus" in html and "第二场.opus" in html
    assert "坏文件" not in html
    assert 'class="trend"' in html and html.count('class="timeline"') == 2
    # Oldest first in the trend, whatever the order on the command line.
    assert html.index("<tr><td>第一场.opus") < html.index("<tr><td>第二场.opus")
    # The demo anchor says 降血糖 and 原价 in both sessions: they recur.
    recurring = html[html.index("Phrases that recur") : html.index("<h2>第二场.opus")]
    assert re.search(r"<td>[2-9]</td><td>2</td></tr>", recurring), recurring
    assert "《广告法》" in html and "compliant wording" in html
    quotes = re.findall(r"<span class=\"tc\">(\d\d:\d\d)</span>", html)
    assert len(quotes) >= 8

    # Again: nothing is scanned twice, and the PDF is printed when Chromium is there.
    again = run(
        ["report", str(first), str(second), "--anchor", "小美", "--out", str(out), "--pdf"], data, 120
    )
    assert "scanned before" in again.stderr
    if shutil.which("chromium") or os.environ.get("CI"):
        assert again.returncode == 0, again.stderr
        assert out.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"

    # The same report in the console for the mcn role, and not for another agency.
    settings = Settings(data_dir=data)
    db = Database(settings.database_url)
    with db.session() as s:
        mcn = auth(create_token(s, "mcn", "星光", anchors=["小美"])[1])
        other = auth(create_token(s, "mcn", "别家", anchors=["老王"])[1])
    with TestClient(create_app(settings, db)) as api:
        anchors = api.get("/v1/anchors", headers=mcn).json()
        assert [(a["name"], a["sessions"]) for a in anchors] == [("小美", 2)]
        page = api.get("/v1/anchors/小美/report", headers=mcn)
        assert page.status_code == 200 and "第一场.opus" in page.text and 'class="trend"' in page.text
        assert api.get("/v1/anchors/小美/report", headers=other).status_code == 403
        # Training sessions stay out of the moderators' live queue.
        assert api.get("/v1/findings", params={"kind": "live"}, headers=mcn).json()["total"] == 0
    db.dispose()


def test_check_script_flags_lines_and_says_what_to_say_instead(tmp_path: Path) -> None:
    script = tmp_path / "脚本.txt"
    script.write_text("家人们晚上好\n这款茶喝了能降血糖\n今天的价格是六十九元一盒\n", encoding="utf-8")
    proc = run(["check-script", str(script), "--json"], tmp_path / "data", 300)
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["line"] for x in lines] == [2]
    m = lines[0]["matches"][0]
    assert m["subtype"] == "medical_claims" and "降血糖" in m["matched"] and m["suggestion"]
    clean = tmp_path / "clean.txt"
    clean.write_text("家人们晚上好\n今天的价格是六十九元一盒\n", encoding="utf-8")
    assert run(["check-script", str(clean)], tmp_path / "data", 300).returncode == 0
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("全网最低价".encode("gbk"))
    bad = run(["check-script", str(gbk)], tmp_path / "data", 300)
    assert bad.returncode == 2 and "not UTF-8" in bad.stderr
