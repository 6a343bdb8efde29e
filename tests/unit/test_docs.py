"""What the README promises a newcomer stays true of the code."""

from __future__ import annotations

import re

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
