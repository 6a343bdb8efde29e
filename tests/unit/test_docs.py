"""What the README promises a newcomer stays true of the code."""

from __future__ import annotations

import re

import pytest

from livemod.config import Settings, settings_table
from tests.conftest import ROOT


def test_readme_settings_table_is_the_one_settings_makes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:begin -->\n(.*?)<!-- settings:end -->", readme, re.S)
    assert block, "README.md lost its settings block"
    assert block.group(1) == settings_table(), "run `python scripts/settings_table.py`"


def test_every_setting_says_what_it_does() -> None:
    undocumented = [name for name, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []


def test_early_decoding_settings_of_old_releases_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEMOD_PARTIAL_STEP_MS", "500")
    monkeypatch.setenv("LIVEMOD_WINDOW_CONTEXT_MS", "8000")
    s = Settings()
    assert (s.early_step_ms, s.early_context_ms) == (500, 8000)
    monkeypatch.setenv("LIVEMOD_EARLY_STEP_MS", "900")  # the new name wins
    assert Settings().early_step_ms == 900
