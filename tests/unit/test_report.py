"""The training report's content, the risk score, and the script check (rules only: no model)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from livemod.classify import HybridClassifier, RuleEngine
from livemod.config import Settings
from livemod.report import ReportFinding, ReportSession, check_script, recurring_phrases, render_report
from livemod.review import create_app
from livemod.review._risk import risk_at, risk_series
from livemod.store import Database
from tests.conftest import auth


def _f(i: int, at_s: int, cat: str, sub: str, matched: str, text: str | None = None) -> ReportFinding:
    text = text or f"家人们{matched}真的"
    a = text.index(matched)
    return ReportFinding(
        id=f"f{i}",
        start_ms=at_s * 1000,
        end_ms=at_s * 1000 + 1500,
        category=cat,
        subtype=sub,
        severity="high",
        text=text,
        span=(a, a + len(matched)),
        matched=matched,
        legal_basis="《广告法》第九条",
        suggestion="去掉绝对化用语",
    )


def _session(n: int, findings: list[ReportFinding], minutes: int = 30) -> ReportSession:
    return ReportSession(
        id=f"rec-{n}",
        title=f"训练{n}.mp4",
        anchor="小美",
        duration_ms=minutes * 60_000,
        recorded_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=n),
        findings=findings,
    )


def test_report_has_counts_timeline_quotes_recurring_phrases_and_a_trend() -> None:
    s1 = _session(
        1,
        [
            _f(1, 60, "false_advertising", "absolute_terms", "全网最低"),
            _f(2, 600, "false_advertising", "absolute_terms", "全网 最低！"),
            _f(3, 900, "unclear_pricing", "price_not_stated", "扣1"),
        ],
    )
    s2 = _session(2, [_f(4, 120, "false_advertising", "absolute_terms", "全网最低")], minutes=60)
    titles = {"false_advertising.absolute_terms": "绝对化用语 / absolute terms"}
    html = render_report("小美", [s2, s1], titles)
    # Same phrase despite spacing and punctuation; counted across both sessions.
    rec = recurring_phrases([s1, s2])
    assert [(r.phrase, r.count, r.sessions) for r in rec] == [("全网最低", 3, 2)]
    assert "绝对化用语 / absolute terms" in html and "price_not_stated" in html
    assert "<mark>全网最低</mark>" in html and "《广告法》第九条" in html and "去掉绝对化用语" in html
    assert html.count('class="timeline"') == 2 and 'class="trend"' in html
    assert "10:00" in html  # the second finding's time code
    # Trend rows are oldest first, with findings per hour: 3 in 30 min = 6.0/h, 1 in 60 min = 1.0/h.
    rows = re.findall(r"<tr><td>(训练\d\.mp4)</td>.*?<td>([\d.]+)</td></tr>", html)
    assert rows == [("训练1.mp4", "6.0"), ("训练2.mp4", "1.0")]
    one = render_report("小美", [s1], titles)
    assert 'class="trend"' not in one and "Phrases that recur" in one


def test_risk_rises_with_findings_and_fades_with_time() -> None:
    assert risk_at(0, []) == 0
    one = risk_at(1000, [(1000, 0.8)])
    three = risk_at(3000, [(1000, 0.8), (2000, 0.8), (3000, 0.8)])
    assert one == 55 and three > 90
    assert risk_at(1000 + 5 * 60_000, [(1000, 0.8)]) < one  # half the weight after a half-life
    assert risk_at(0, [(1000, 0.8)]) == 0  # nothing counts before it is said
    series = risk_series([(60_000, 0.8)], 600_000)
    assert series[0] == (0, 0) and (60_000, 55) in series and series[-1][0] == 600_000


def test_script_check_flags_lines_with_offsets_into_the_line() -> None:
    rules = RuleEngine()
    lines = check_script("家人们晚上好\n\n这款茶叶口感很好。这是全网最低价！\n想要的扣1私你价格\n", rules)
    assert [ln.line for ln in lines] == [1, 3, 4]
    assert lines[0].matches == []
    hit = lines[1]
    m = next(m for m in hit.matches if m.category == "false_advertising" or m.category == "unclear_pricing")
    assert hit.text[m.start : m.end] == m.matched and m.start > len("这款茶叶口感很好。") - 1
    assert any(m.subtype == "price_not_stated" for m in lines[2].matches)


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_script_check_endpoint(settings: Settings, db: Database, tokens: dict[str, str], role: str) -> None:
    with TestClient(create_app(settings, db, classifier=HybridClassifier(RuleEngine()))) as api:
        _check_endpoint(api, tokens, role)


def _check_endpoint(api: TestClient, tokens: dict[str, str], role: str) -> None:
    r = api.post(
        "/v1/check-script",
        json={"text": "家人们好\n原价三百九十九今天只要六十九"},
        headers=auth(tokens[role]),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["lines"] == 2 and [x["line"] for x in body["flagged"]] == [2]
    assert body["flagged"][0]["matches"][0]["suggestion"] and body["counts"]["unclear_pricing"] >= 1
    assert api.post("/v1/check-script", json={"text": ""}, headers=auth(tokens[role])).status_code == 422
