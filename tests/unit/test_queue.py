"""Claims with a lease, the next-item queue, decisions and appeals, and the audit trail they leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from livemod.review import create_token
from livemod.store import Database, FindingRow
from tests.conftest import auth
from tests.unit.test_api import decide, payload


def _second_moderator(db: Database) -> str:
    with db.session() as s:
        return create_token(s, "moderator", "李审核")[1]


def test_two_moderators_never_hold_one_finding_and_a_lapsed_claim_returns(
    api: TestClient, tokens: dict[str, str], db: Database
) -> None:
    w, m1, m2 = auth(tokens["worker"]), auth(tokens["moderator"]), auth(_second_moderator(db))
    api.post("/v1/findings", json={"findings": [payload(1)]}, headers=w)
    c = api.post("/v1/findings/find-1/claim", headers=m1)
    assert c.status_code == 200 and c.json()["claimed_by"] == "test-moderator"
    taken = api.post("/v1/findings/find-1/claim", headers=m2)
    assert taken.status_code == 409 and "test-moderator" in taken.json()["detail"]
    assert decide(api, "find-1", "dismiss", m2) == 409
    assert api.post("/v1/queue/next", headers=m2).status_code == 204  # nothing else is free
    # The first moderator walks away: once the lease has run out the finding is free again.
    with db.session() as s:
        s.execute(update(FindingRow).values(claim_until=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    nxt = api.post("/v1/queue/next", headers=m2)
    assert nxt.status_code == 200 and nxt.json()["id"] == "find-1" and nxt.json()["claimed_by"] == "李审核"
    assert decide(api, "find-1", "confirm", m1) == 409
    d = api.post("/v1/findings/find-1/decisions", json={"action": "confirm", "reason": "属实"}, headers=m2)
    assert d.status_code == 200 and d.json()["status"] == "confirmed" and d.json()["claimed_by"] is None
    steps = [(h["action"], h["reviewer"]) for h in d.json()["history"]]
    assert steps == [("claim", "test-moderator"), ("claim", "李审核"), ("confirm", "李审核")]
    # A renewal by the holder is not a new step in the trail.
    api.post("/v1/findings", json={"findings": [payload(2)]}, headers=w)
    api.post("/v1/findings/find-2/claim", headers=m1)
    api.post("/v1/findings/find-2/claim", headers=m1)
    api.delete("/v1/findings/find-2/claim", headers=m1)
    trail = api.get("/v1/findings/find-2", headers=m1).json()["history"]
    assert [h["action"] for h in trail] == ["claim", "release"]


def test_next_serves_high_severity_first_and_skips_what_it_is_told(
    api: TestClient, tokens: dict[str, str]
) -> None:
    w, m = auth(tokens["worker"]), auth(tokens["moderator"])
    api.post(
        "/v1/findings",
        json={
            "findings": [payload(1, severity="low"), payload(2, severity="high"), payload(3, severity="high")]
        },
        headers=w,
    )
    first = api.post("/v1/queue/next", headers=m).json()
    assert first["id"] == "find-2"
    # The moderator's own claim does not hide the item from them; skipping does.
    assert api.post("/v1/queue/next", params={"exclude": ["find-2"]}, headers=m).json()["id"] == "find-3"
    low = api.post("/v1/queue/next", params={"severity": "low"}, headers=m).json()
    assert low["id"] == "find-1"
    api.post("/v1/findings/find-1/decisions", json={"action": "escalate"}, headers=m)
    api.post("/v1/findings/find-2/decisions", json={"action": "dismiss"}, headers=m)
    still_open = api.get("/v1/findings", params={"status": "open"}, headers=m).json()["items"]
    assert sorted(x["id"] for x in still_open) == ["find-1", "find-3"]


def test_appeal_goes_to_a_different_moderator_and_history_keeps_every_step(
    api: TestClient, tokens: dict[str, str], db: Database
) -> None:
    w, m1, m2 = auth(tokens["worker"]), auth(tokens["moderator"]), auth(_second_moderator(db))
    with db.session() as s:
        op = auth(create_token(s, "operator", "运营小王", rooms=["room-a"])[1])
    api.post("/v1/findings", json={"findings": [payload(1)]}, headers=w)
    # Nothing to appeal before a decision.
    assert (
        api.post("/v1/findings/find-1/appeals", json={"reason": "没有说原价"}, headers=op).status_code == 409
    )
    api.post("/v1/findings/find-1/decisions", json={"action": "confirm", "reason": "虚构原价"}, headers=m1)
    assert api.post("/v1/findings/find-1/appeals", json={"reason": ""}, headers=op).status_code == 422
    r = api.post("/v1/findings/find-1/appeals", json={"reason": "原价有成交记录"}, headers=op)
    assert r.status_code == 200 and r.json()["status"] == "appealed"
    # The moderator who decided may not judge the appeal, in the queue or directly.
    assert api.post("/v1/queue/next", headers=m1).status_code == 204
    assert api.post("/v1/findings/find-1/claim", headers=m1).status_code == 403
    assert decide(api, "find-1", "confirm", m1) == 403
    nxt = api.post("/v1/queue/next", headers=m2).json()
    assert nxt["id"] == "find-1" and nxt["status"] == "appealed"
    d = api.post(
        "/v1/findings/find-1/decisions", json={"action": "dismiss", "reason": "有成交记录"}, headers=m2
    ).json()
    assert d["status"] == "dismissed"
    steps = [(h["action"], h["reviewer"], h["from_status"], h["to_status"]) for h in d["history"]]
    assert steps == [
        ("claim", "test-moderator", "pending", "pending"),
        ("confirm", "test-moderator", "pending", "confirmed"),
        ("appeal", "运营小王", "confirmed", "appealed"),
        ("claim", "李审核", "appealed", "appealed"),
        ("dismiss", "李审核", "appealed", "dismissed"),
    ]
    assert [x["action"] for x in d["decisions"]] == ["confirm", "dismiss"]
    # A decided finding is not decided again without an appeal.
    assert decide(api, "find-1", "confirm", m2) == 409
