"""Screenshots of the console for the README (docs/img/*.png), from real pipeline output.

Scans the bundled demo recording with ``livemod report`` (real ffmpeg, Whisper and
classifier), shows its findings as a live room too, serves the review app and
photographs it in Debian's Chromium. Needs fonts-noto-cjk for the Chinese text.

    .venv/bin/python scripts/console_screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="livemod-shots-"))
    data = tmp / "data"
    env = {**os.environ, "LIVEMOD_DATA_DIR": str(data)}
    rec = tmp / "小美-训练-1120.opus"
    rec.write_bytes((ROOT / "fixtures" / "room_demo.opus").read_bytes())
    report = tmp / "report.html"
    livemod = str(ROOT / ".venv" / "bin" / "livemod")
    subprocess.run(
        [livemod, "report", str(rec), "--anchor", "小美", "--out", str(report)], env=env, check=True
    )

    import uvicorn
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from livemod.config import Settings
    from livemod.review import create_app, create_token
    from livemod.store import Database, Decision, FindingRow, Room

    settings = Settings(data_dir=data)
    db = Database(settings.database_url)
    with db.session() as s:
        # The same findings as a live room, as the worker would have posted them.
        s.add(
            Room(
                id="room-0815",
                name="小美的好物直播间",
                status="live",
                source="rtmp://live.example/app/0815",
                anchor="小美",
            )
        )
        start = datetime.now(UTC) - timedelta(minutes=2)
        rows = s.scalars(select(FindingRow).order_by(FindingRow.start_ms)).all()
        for i, f in enumerate(rows):
            cols = {c.name: getattr(f, c.name) for c in FindingRow.__table__.columns}
            cols.update(
                id=f"live-{i}", room_id="room-0815", created_at=start + timedelta(milliseconds=f.start_ms)
            )
            s.add(FindingRow(**cols))
        s.flush()
        first = s.get(FindingRow, "live-0")
        assert first is not None
        first.status = "confirmed"
        s.add(
            Decision(
                finding_id="live-0",
                action="confirm",
                reviewer="审核员-王",
                reason="虚构原价",
                role="moderator",
                from_status="pending",
                to_status="confirmed",
            )
        )
        s.commit()
        moderator = create_token(s, "moderator", "审核员-李")[1]
        mcn = create_token(s, "mcn", "星光MCN", anchors=["小美"])[1]

    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=8765, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = "http://127.0.0.1:8765/console/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 860})
            page.goto(base)
            page.fill("#token", moderator)
            page.keyboard.press("Enter")
            page.wait_for_selector("tr[data-id='live-1']")
            page.select_option("select[name=status]", "")
            page.wait_for_selector("tr[data-id='live-0']")
            page.screenshot(path=str(args.out / "console-queue.png"))
            page.goto(base + "#/finding/live-2")
            page.wait_for_selector("text=已认领 claimed by you")
            page.screenshot(path=str(args.out / "console-finding.png"))
            page.goto(base + "#/room/room-0815")
            page.wait_for_selector("svg circle")
            page.screenshot(path=str(args.out / "console-room.png"))
            page.click("text=退出 Sign out")
            page.fill("#token", mcn)
            page.keyboard.press("Enter")
            page.click("text=查看报告 open report")
            page.frame_locator("iframe.report").locator("svg.timeline").wait_for()
            page.screenshot(path=str(args.out / "console-report.png"))
            full = browser.new_page(viewport={"width": 1000, "height": 1400})
            full.goto(report.as_uri())
            full.screenshot(path=str(args.out / "report.png"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    sys.stderr.write(f"screenshots in {args.out}\n")


if __name__ == "__main__":
    main()
