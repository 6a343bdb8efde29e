"""Rewrite the README's settings table from livemod.config.Settings (tests/unit/test_docs.py checks it)."""

from __future__ import annotations

import re
from pathlib import Path

from livemod.config import settings_table

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- settings:begin -->\n).*?(<!-- settings:end -->)", re.S)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    README.write_text(BLOCK.sub(lambda m: m.group(1) + settings_table() + m.group(2), text), encoding="utf-8")


if __name__ == "__main__":
    main()
