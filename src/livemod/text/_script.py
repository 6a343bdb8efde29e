"""Chinese script and time codes as people read them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Whisper base often writes Traditional characters; everything downstream wants Simplified."""
    return str(_t2s().convert(text))


def fmt_ms(ms: int, *, tenths: bool = False) -> str:
    """Stream time as ``mm:ss`` (``h:mm:ss`` past an hour), with ``.t`` tenths when asked."""
    s, milli = divmod(ms, 1000)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    out = f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    return f"{out}.{milli // 100}" if tenths else out
