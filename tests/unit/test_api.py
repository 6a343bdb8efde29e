from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livemod.config import Settings
from tests.conftest import auth


def payload(i: int = 1, **kw: Any) -> dict[str, Any]:
    base = {
        "id": f"find-{i}",
        "room_id": "room-a",
        "seq": i,
        "start_ms": 1000 * i,
        "end_ms": 1000 * i + 800,
        "category": "unclear_pricing",
        "subtype": "fictitious_reference_price",
        "severity": "high",
        "text": "原价399今天只要69",
        "span": [0, 8],
        "matched": "原价399今天",
        "legal_basis": "《价格法》第十四条",
        "rule": "unclear_pricing.fictitious_reference_price:pattern:0",
        "suggestion": "只说真实成交价",
        "context": [{"start_ms": 0, "end_ms": 900, "text": "家人们晚上好"}],
    }
    base.update(kw)
    return base


def decide(api: TestClient, finding_id: str, action: str, headers: dict[str, str]) -> int:
    """The status code of one decision."""
    return api.post(
        f"/v1/findings/{finding_id}/decisions", json={"action": action}, headers=headers
    ).status_code


def test_auth_401_and_role_403(api: TestClient, tokens: dict[str, str]) -> None:
    assert api.get("/v1/findings").status_code == 401
    assert api.get("/v1/findings", headers=auth("lm_wrong")).status_code == 401
    assert api.get("/v1/findings", headers=auth(tokens["worker"])).status_code == 403
    r = api.post("/v1/findings", json={"findings": [payload()]}, headers=auth(tokens["moderator"]))
    assert r.status_code == 403
    assert api.get("/v1/findings", headers=auth(tokens["admin"])).status_code == 200


def test_post_is_idempotent_and_listing_filters(api: TestClient, tokens: dict[str, str]) -> None:
    w, m = auth(tokens["worker"]), auth(tokens["moderator"])
    r = api.post(
        "/v1/findings",
        json={"findings": [payload(1), payload(2, category="false_advertising", subtype="absolute_terms")]},
        headers=w,
    )
    assert r.json() == {"created": ["find-1", "find-2"], "existing": []}
    r = api.post("/v1/findings", json={"findings": [payload(1), payload(3, room_id="room-b")]}, headers=w)
    assert r.json() == {"created": ["find-3"], "existing": ["find-1"]}
    assert api.get("/v1/findings", headers=m).json()["total"] == 3
    assert api.get("/v1/findings", params={"room_id": "room-a"}, headers=m).json()["total"] == 2
    assert [
        x["id"]
        for x in api.get("/v1/findings", params={"category": "false_advertising"}, headers=m).json()["items"]
    ] == ["find-2"]
    page = api.get("/v1/findings", params={"from_ms": 1500, "to_ms": 3500, "limit": 1}, headers=m).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    rooms = {r["id"]: r for r in api.get("/v1/rooms", headers=m).json()}
    assert rooms["room-a"]["finding_count"] == 2 and rooms["room-b"]["pending_count"] == 1


def test_detail_clip_and_decision_audit_trail(api: TestClient, tokens: dict[str, str]) -> None:
    w, m = auth(tokens["worker"]), auth(tokens["moderator"])
    api.post("/v1/findings", json={"findings": [payload()]}, headers=w)
    assert api.get("/v1/findings/find-1/clip", headers=m).status_code == 404
    r = api.put(
        "/v1/findings/find-1/clip",
        content=b"OggS...",
        headers={**w, "Content-Type": "audio/ogg", "X-Clip-Start-Ms": "800"},
    )
    assert r.status_code == 204
    d = api.get("/v1/findings/find-1", headers=m).json()
    assert d["context"] == [{"start_ms": 0, "end_ms": 900, "text": "家人们晚上好"}]
    assert d["clip_url"].endswith("/v1/findings/find-1/clip") and d["clip_start_ms"] == 800
    clip = api.get("/v1/findings/find-1/clip", headers=m)
    assert clip.content == b"OggS..." and clip.headers["content-type"] == "audio/ogg"
    api.post("/v1/findings/find-1/decisions", json={"action": "escalate", "reason": "需要法务看"}, headers=m)
    d = api.post(
        "/v1/findings/find-1/decisions",
        json={"action": "confirm", "reason": "虚构原价", "reviewer": "王审核"},
        headers=m,
    ).json()
    assert d["status"] == "confirmed"
    assert [(x["action"], x["reviewer"]) for x in d["decisions"]] == [
        ("escalate", "test-moderator"),
        ("confirm", "王审核"),
    ]
    assert api.get("/v1/findings", params={"status": "confirmed"}, headers=m).json()["total"] == 1


def test_bad_input_gets_422_and_unknown_gets_404(api: TestClient, tokens: dict[str, str]) -> None:
    w, m = auth(tokens["worker"]), auth(tokens["moderator"])
    assert (
        api.post("/v1/findings", json={"findings": [payload(category="rude_words")]}, headers=w).status_code
        == 422
    )
    assert api.post("/v1/findings", json={"findings": [payload(end_ms=10)]}, headers=w).status_code == 422
    assert (
        api.post(
            "/v1/findings", content=b"not json", headers={**w, "Content-Type": "application/json"}
        ).status_code
        == 422
    )
    assert api.post("/v1/findings", json={"findings": []}, headers=w).status_code == 422
    assert api.get("/v1/findings/nope", headers=m).status_code == 404
    assert api.post("/v1/findings/nope/decisions", json={"action": "confirm"}, headers=m).status_code == 404
    assert api.post("/v1/findings/nope/decisions", json={"action": "approve"}, headers=m).status_code == 422
    assert api.get("/v1/rooms/nope", headers=m).status_code == 404
    assert api.get("/docs").status_code == 200


def test_room_ledger_records_claims_once_and_lists_contradictions(
    api: TestClient, tokens: dict[str, str]
) -> None:
    claims = [
        {
            "id": f"claim-{i}",
            "room_id": "room-a",
            "seq": i,
            "start_ms": ms,
            "end_ms": ms + 2000,
            "kind": kind,
            "label": label,
            "amount": amount,
            "text": text,
        }
        for i, (ms, kind, label, amount, text) in enumerate(
            [
                (180_000, "reference", "原价", 399.0, "原价三百九十九"),
                (2_400_000, "reference", "原价", 599.0, "原价五百九十九"),
                (2_401_000, "offer", "今天只要", 69.0, "今天只要六十九"),
            ]
        )
    ]
    w = auth(tokens["worker"])
    r = api.post("/v1/rooms/room-a/ledger", json={"claims": claims[:2]}, headers=w)
    assert r.status_code == 200 and sorted(r.json()["created"]) == ["claim-0", "claim-1"]
    r = api.post("/v1/rooms/room-a/ledger", json={"claims": claims}, headers=w)
    assert r.json() == {"created": ["claim-2"], "existing": ["claim-0", "claim-1"]}
    contradiction = payload(
        7,
        start_ms=2_400_000,
        end_ms=2_402_000,
        source="ledger",
        rule="ledger:two_reference_prices",
        related=[{"start_ms": 180_000, "end_ms": 182_000, "text": "原价三百九十九"}],
    )
    assert (
        api.post("/v1/findings", json={"findings": [contradiction, payload(8)]}, headers=w).status_code == 200
    )

    assert api.get("/v1/rooms/room-a/ledger", headers=w).status_code == 403
    led = api.get("/v1/rooms/room-a/ledger", headers=auth(tokens["moderator"])).json()
    assert [c["amount"] for c in led["claims"]] == [399.0, 599.0, 69.0]
    assert [f["id"] for f in led["contradictions"]] == ["find-7"]
    assert led["contradictions"][0]["related"][0]["start_ms"] == 180_000
    assert api.get("/v1/rooms/nope/ledger", headers=auth(tokens["moderator"])).status_code == 404
    bad = {"claims": [dict(claims[0], id="claim-x", room_id="room-b")]}
    assert api.post("/v1/rooms/room-a/ledger", json=bad, headers=w).status_code == 422


@pytest.mark.parametrize("start", ["-5", "abc", "1e9", "99999999999999999999", " 12"])
def test_a_clip_with_a_bad_start_time_is_refused_before_anything_is_written(
    api: TestClient, tokens: dict[str, str], settings: Settings, start: str
) -> None:
    w = auth(tokens["worker"])
    api.post("/v1/findings", json={"findings": [payload(1)]}, headers=w)
    put = api.put(
        "/v1/findings/find-1/clip",
        content=b"OggS...",
        headers={**w, "Content-Type": "audio/ogg", "X-Clip-Start-Ms": start},
    )
    assert put.status_code == 422 and "X-Clip-Start-Ms" in put.json()["detail"]
    assert not settings.clips_dir.exists() or not any(settings.clips_dir.rglob("*"))
    d = api.get("/v1/findings/find-1", headers=auth(tokens["moderator"])).json()
    assert d["clip_url"] is None


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_get_a_422_that_does_not_echo_the_input(
    api: TestClient, tokens: dict[str, str], literal: str
) -> None:
    # Python's JSON reader accepts these words; the reply must still be valid JSON, never a 500.
    opened = api.post(
        "/v1/session", content=f'{{"token": {literal}}}', headers={"Content-Type": "application/json"}
    )
    assert opened.status_code == 422 and literal not in opened.text
    w = auth(tokens["worker"])
    claim = {
        "id": "p1", "room_id": "room-1", "seq": 1, "start_ms": 0, "end_ms": 10, "kind": "reference",
        "label": "原价", "amount": 1.0, "item": None, "text": "原价", "span": [0, 2],
        "conditions_stated": False,
    }  # fmt: skip
    body = '{"claims": [' + json.dumps(claim).replace("1.0", literal) + "]}"
    stored = api.post(
        "/v1/rooms/room-1/ledger", content=body, headers={**w, "Content-Type": "application/json"}
    )
    assert stored.status_code == 422, stored.text
    assert stored.json()["detail"][0]["loc"][-1] == "amount"


def test_a_422_names_the_field_but_does_not_send_a_large_input_back(api: TestClient) -> None:
    big = "x" * 200_000
    r = api.post("/v1/session", json={"token": big})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "token"]
    assert len(r.content) < 1_000
