"""What each role may not do, in the API (the console asks the same API)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from livemod.config import Settings
from livemod.review import create_app, create_token
from livemod.store import Database
from tests.conftest import auth
from tests.unit.test_api import decide, payload


@pytest.fixture
def world(api: TestClient, tokens: dict[str, str], db: Database) -> dict[str, Any]:
    """Two live rooms (one run by 小美's room), and 小美's agency, with a token each."""
    with db.session() as s:
        tokens["operator"] = create_token(s, "operator", "运营", rooms=["room-a"])[1]
        tokens["mcn"] = create_token(s, "mcn", "星光MCN", anchors=["小美"])[1]
        create_token(s, "mcn", "别家MCN", anchors=["老王"])
    a = auth(tokens["admin"])
    assert api.put("/v1/rooms/room-a", json={"anchor": "小美"}, headers=a).status_code == 200
    assert api.put("/v1/rooms/room-b", json={"anchor": "老王"}, headers=a).status_code == 200
    w = auth(tokens["worker"])
    api.post("/v1/findings", json={"findings": [payload(1), payload(2, room_id="room-b")]}, headers=w)
    return {k: auth(v) for k, v in tokens.items()}


def test_operator_sees_only_its_room_and_cannot_decide_or_administer(
    api: TestClient, world: dict[str, Any]
) -> None:
    op = world["operator"]
    assert [x["id"] for x in api.get("/v1/findings", headers=op).json()["items"]] == ["find-1"]
    assert api.get("/v1/findings/find-2", headers=op).status_code == 403
    assert api.get("/v1/rooms/room-b/timeline", headers=op).status_code == 403
    assert decide(api, "find-1", "dismiss", op) == 403
    assert api.post("/v1/findings/find-1/claim", headers=op).status_code == 403
    assert api.post("/v1/queue/next", headers=op).status_code == 403
    assert api.get("/v1/tokens", headers=op).status_code == 403
    assert api.get("/v1/anchors/小美/report", headers=op).status_code == 403
    assert api.put("/v1/rooms/room-a", json={"anchor": "老王"}, headers=op).status_code == 403


def test_mcn_sees_only_its_anchors_and_cannot_decide_or_administer(
    api: TestClient, world: dict[str, Any]
) -> None:
    mcn = world["mcn"]
    assert [x["id"] for x in api.get("/v1/findings", headers=mcn).json()["items"]] == ["find-1"]
    assert [r["id"] for r in api.get("/v1/rooms", headers=mcn).json()] == ["room-a"]
    assert api.get("/v1/findings/find-2", headers=mcn).status_code == 403
    assert api.get("/v1/findings/find-2/clip", headers=mcn).status_code == 403
    assert [a["name"] for a in api.get("/v1/anchors", headers=mcn).json()] == ["小美"]
    assert api.get("/v1/anchors/老王/report", headers=mcn).status_code == 403
    assert decide(api, "find-1", "confirm", mcn) == 403
    assert api.post("/v1/queue/next", headers=mcn).status_code == 403
    assert api.post("/v1/tokens", json={"role": "admin"}, headers=mcn).status_code == 403
    assert api.put("/v1/anchors/老王", json={"agency": "x"}, headers=mcn).status_code == 403
    assert api.post("/v1/findings", json={"findings": [payload(9)]}, headers=mcn).status_code == 403


def test_moderator_decides_but_does_not_administer(api: TestClient, world: dict[str, Any]) -> None:
    m = world["moderator"]
    assert api.get("/v1/findings", headers=m).json()["total"] == 2
    assert api.get("/v1/tokens", headers=m).status_code == 403
    assert api.post("/v1/tokens", json={"role": "moderator"}, headers=m).status_code == 403
    assert api.delete("/v1/tokens/1", headers=m).status_code == 403
    assert api.put("/v1/anchors/新人", json={}, headers=m).status_code == 403
    assert api.put("/v1/rooms/room-a", json={"anchor": "老王"}, headers=m).status_code == 403
    assert api.post("/v1/findings", json={"findings": [payload(9)]}, headers=m).status_code == 403


def test_worker_posts_but_reads_nothing_and_cannot_sign_in(api: TestClient, world: dict[str, Any]) -> None:
    w = world["worker"]
    assert api.get("/v1/findings", headers=w).status_code == 403
    assert api.get("/v1/findings/find-1", headers=w).status_code == 403
    assert decide(api, "find-1", "confirm", w) == 403
    assert api.get("/v1/anchors", headers=w).status_code == 403
    assert api.post("/v1/check-script", json={"text": "全网最低价"}, headers=w).status_code == 403
    secret = w["Authorization"].split()[1]
    assert api.post("/v1/session", json={"token": secret}).status_code == 403


def test_admin_manages_tokens_anchors_and_rooms(api: TestClient, world: dict[str, Any]) -> None:
    a = world["admin"]
    made = api.post("/v1/tokens", json={"role": "mcn", "name": "新机构", "anchors": ["新人"]}, headers=a)
    assert made.status_code == 201 and made.json()["token"].startswith("lm_")
    new = auth(made.json()["token"])
    assert [x["name"] for x in api.get("/v1/anchors", headers=new).json()] == ["新人"]
    bad = api.post("/v1/tokens", json={"role": "operator", "name": "x"}, headers=a)
    assert bad.status_code == 422 and "--room" in bad.json()["detail"]
    assert api.delete(f"/v1/tokens/{made.json()['id']}", headers=a).status_code == 204
    assert api.get("/v1/anchors", headers=new).status_code == 401
    assert api.put("/v1/anchors/a%2Fb", json={}, headers=a).status_code in (404, 422)
    assert api.put("/v1/rooms/room-a", json={"anchor": "nobody"}, headers=a).status_code == 422
    assert api.put("/v1/anchors/老王", json={"agency": "别家"}, headers=a).json()["agency"] == "别家"


def test_cookie_session_needs_the_console_header_for_changes(
    settings: Settings, db: Database, tokens: dict[str, str]
) -> None:
    w = auth(tokens["worker"])
    with TestClient(create_app(settings, db)) as c:
        c.post("/v1/findings", json={"findings": [payload(1)]}, headers=w)
        assert c.post("/v1/session", json={"token": "lm_nope"}).status_code == 401
        r = c.post("/v1/session", json={"token": tokens["moderator"]})
        assert r.status_code == 200 and r.json()["role"] == "moderator"
        assert (
            "httponly" in r.headers["set-cookie"].lower()
            and "samesite=strict" in r.headers["set-cookie"].lower()
        )
        assert c.get("/v1/findings").json()["total"] == 1  # the cookie alone reads
        forged = c.post("/v1/findings/find-1/decisions", json={"action": "confirm"})
        assert forged.status_code == 403 and "x-livemod-console" in forged.json()["detail"]
        ok = c.post(
            "/v1/findings/find-1/decisions", json={"action": "confirm"}, headers={"X-Livemod-Console": "1"}
        )
        assert ok.status_code == 200
        assert c.delete("/v1/session").status_code == 204
        assert c.get("/v1/findings").status_code == 401
        page = c.get("/")
        assert page.status_code == 200 and "livemod" in page.text and "app.js" in page.text


def test_only_an_admin_gives_a_room_to_an_anchor_and_null_takes_it_back(
    api: TestClient, world: dict[str, Any]
) -> None:
    w, a, mcn = world["worker"], world["admin"], world["mcn"]
    # A worker reports a room's status, but cannot hand the room to another agency.
    refused = api.put("/v1/rooms/room-a", json={"anchor": "老王"}, headers=w)
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert api.put("/v1/rooms/room-a", json={"status": "live"}, headers=w).status_code == 200
    assert api.get("/v1/rooms/room-a", headers=a).json()["anchor"] == "小美"
    assert "room-a" in {r["id"] for r in api.get("/v1/rooms", headers=mcn).json()}
    # The admin takes it back with an explicit null; the status the worker set stays.
    cleared = api.put("/v1/rooms/room-a", json={"anchor": None}, headers=a).json()
    assert cleared["anchor"] is None and cleared["status"] == "live"
    assert "room-a" not in {r["id"] for r in api.get("/v1/rooms", headers=mcn).json()}


@pytest.mark.parametrize("room_id", ["..", ".", "...", "a" * 65, "bad\u202eroom", "a b"])
def test_ids_that_are_not_plain_names_are_refused(
    api: TestClient, world: dict[str, Any], room_id: str
) -> None:
    # ".." as a room would put its clips beside the database, not in a folder of their own.
    posted = api.post(
        "/v1/findings", json={"findings": [payload(9, room_id=room_id)]}, headers=world["worker"]
    )
    assert posted.status_code == 422
    # (a client may normalise "." and ".." away before sending: then no room is named at all)
    put = api.put(f"/v1/rooms/{room_id}", json={"status": "live"}, headers=world["worker"])
    assert put.status_code in (404, 405, 422)
    assert room_id not in {r["id"] for r in api.get("/v1/rooms", headers=world["admin"]).json()}
