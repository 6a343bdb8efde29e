from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from livemod.config import Settings
from livemod.review import create_app, create_token
from livemod.store import Database

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The model cache is shared between tests: assembling it is done once per machine.
    return Settings(data_dir=tmp_path / "data", database_url="")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    d = Database(settings.database_url)
    yield d
    d.dispose()


@pytest.fixture
def tokens(db: Database) -> dict[str, str]:
    out = {}
    with db.session() as s:
        for role in ("worker", "moderator", "admin"):
            out[role] = create_token(s, role, f"test-{role}")[1]
    return out


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "room_demo.json").read_text(encoding="utf-8"))
    return data
