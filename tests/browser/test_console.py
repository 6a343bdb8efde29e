"""The console in a real browser (Debian's Chromium driven by Playwright) against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from livemod.classify import HybridClassifier, RuleEngine
from livemod.config import Settings
from livemod.review import create_app, create_token
from livemod.store import Database, Decision, FindingRow
from tests.live_server import serve
from tests.unit.test_api import payload

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[str]:
    app = create_app(settings, db, classifier=HybridClassifier(RuleEngine()))
    with serve(app) as base:
        yield base


def _post(base: str, worker: str, finding: dict[str, Any], clip: Path | None = None) -> None:
    h = {"Authorization": f"Bearer {worker}"}
    with httpx.Client(base_url=base, headers=h, timeout=10) as c:
        c.post("/v1/findings", json={"findings": [finding]}).raise_for_status()
        if clip is not None:
            c.put(
                f"/v1/findings/{finding['id']}/clip",
                content=clip.read_bytes(),
                headers={"Content-Type": "audio/ogg", "X-Clip-Start-Ms": "8000"},
            ).raise_for_status()


def test_moderator_sees_a_finding_arrive_plays_it_and_decides_with_the_keyboard(
    server: str, db: Database, browser: Any, clip: Path
) -> None:
    with db.session() as s:
        worker = create_token(s, "worker", "w")[1]
        moderator = create_token(s, "moderator", "浏览器审核员")[1]
    # Already waiting: the item the console should move to after the decision.
    _post(server, worker, payload(2, severity="medium", start_ms=60_000, end_ms=61_000))

    page = browser.new_page(viewport={"width": 1366, "height": 800})
    page.goto(f"{server}/console/")
    page.fill("#token", moderator)
    page.click("text=登录 Sign in")
    page.wait_for_selector("tr[data-id='find-2']")
    page.wait_for_selector("#dot.on")  # the live event stream is open
    page.evaluate("window.__sameDocument = true")

    _post(
        server,
        worker,
        payload(
            1,
            start_ms=14_000,
            span=[0, 7],
            end_ms=16_500,
            context=[{"start_ms": 9_000, "end_ms": 12_000, "text": "家人们晚上好，欢迎来到直播间"}],
        ),
        clip,
    )
    row = page.wait_for_selector("tr[data-id='find-1']", timeout=10_000)
    assert page.evaluate("window.__sameDocument === true"), "the queue reloaded instead of updating live"
    assert "原价399今天" in row.inner_text()

    row.click()
    page.wait_for_selector("audio#clip")
    page.wait_for_selector("text=已认领 claimed by you")
    hit = page.inner_html(".transcript p.hit")
    assert "<mark>原价399今天</mark>" in hit
    assert "家人们晚上好" in page.inner_text(".transcript")
    assert "《价格法》第十四条" in page.inner_text("dl.facts") and "只说真实成交价" in page.inner_text(
        "dl.facts"
    )

    page.keyboard.press("p")
    # The clip starts at the finding (14 s into the stream, 6 s into the clip) and plays.
    page.wait_for_function(
        "() => { const a = document.querySelector('audio#clip'); return !a.paused && a.currentTime > 6.3; }",
        timeout=15_000,
    )
    page.fill("#reason", "虚构原价，属实")
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    page.wait_for_url("**/console/#/finding/find-2", timeout=10_000)

    with db.session() as s:
        row_db = s.get(FindingRow, "find-1")
        assert row_db is not None and row_db.status == "confirmed" and row_db.claimed_by is None
        steps = s.scalars(select(Decision).where(Decision.finding_id == "find-1").order_by(Decision.id)).all()
        assert [(d.action, d.reviewer) for d in steps] == [
            ("claim", "浏览器审核员"),
            ("confirm", "浏览器审核员"),
        ]
        assert steps[-1].reason == "虚构原价，属实" and steps[-1].role == "moderator"
        # The console has moved on and claimed the next item.
        nxt = s.get(FindingRow, "find-2")
        assert nxt is not None and nxt.claimed_by == "浏览器审核员"
    # Walking away from it undecided gives it back to the queue at once.
    page.click("text=← 队列 queue")
    page.wait_for_selector("tr[data-id='find-2']")
    for _ in range(50):
        with db.session() as s:
            back = s.get(FindingRow, "find-2")
            assert back is not None
            if back.claimed_by is None:
                break
        page.wait_for_timeout(100)
    assert back is not None and back.claimed_by is None and back.status == "pending"
    page.close()


def test_mcn_opens_its_report_and_checks_a_script_but_cannot_decide(
    server: str, db: Database, browser: Any
) -> None:
    from livemod.frames import Finding
    from livemod.report import store_recording

    with db.session() as s:
        mcn = create_token(s, "mcn", "星光MCN", anchors=["小美"])[1]
        said = "这款茶喝了能降血糖"
        store_recording(
            s,
            room_id="rec-1",
            anchor="小美",
            title="训练第一场.mp4",
            duration_ms=600_000,
            findings=[
                Finding(
                    id="rec-1-f1",
                    room_id="rec-1",
                    seq=1,
                    start_ms=65_000,
                    end_ms=67_000,
                    category="false_advertising",
                    subtype="medical_claims",
                    severity="high",
                    text=said,
                    span=(said.index("降血糖"), said.index("降血糖") + 3),
                    matched="降血糖",
                    legal_basis="《广告法》第十七条",
                    rule="false_advertising.medical_claims:term:降血糖",
                    suggestion="不说治病功效",
                )
            ],
        )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server}/console/")
    page.fill("#token", mcn)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=查看报告 open report")
    assert "管理 Admin" not in page.inner_text("nav")
    page.click("text=查看报告 open report")
    frame = page.frame_locator("iframe.report")
    assert "训练第一场.mp4" in frame.locator("body").inner_text(timeout=10_000)
    assert frame.locator("mark", has_text="降血糖").count() >= 1
    assert frame.locator("svg.timeline circle").count() == 1

    page.click("text=话术检查 Script check")
    page.fill("#script", "家人们晚上好\n原价三百九十九今天只要六十九")
    page.click("text=检查 Check")
    page.wait_for_selector("text=1 行有问题 flagged")
    assert "fictitious_reference_price" not in page.inner_text("#out")  # titles, not codes
    assert "原价" in page.inner_text("#out mark")

    # The finding page has no decision panel for an agency, and the API refuses anyway.
    page.goto(f"{server}/console/#/finding/rec-1-f1")
    page.wait_for_selector("text=证据片段 Evidence clip")
    assert page.locator("button[data-act]").count() == 0
    status = page.evaluate(
        """async () => (await fetch('/v1/findings/rec-1-f1/decisions', {method: 'POST',
             headers: {'Content-Type': 'application/json', 'X-Livemod-Console': '1'},
             body: JSON.stringify({action: 'dismiss'})})).status"""
    )
    assert status == 403
    page.close()
