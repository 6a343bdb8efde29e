"""Pinyin views of canonical text, so sound-alikes match lexicon terms.

Whisper writes what it hears: 高仿 comes out 高訪, 象牙 as 巷牙. Anchors do the
same on purpose. Two views are kept, one token per canonical character:

- ``toned``: exact syllable and tone (xiang4 ya2). Used for short terms, where
  toneless matching would collide with everyday words (象牙 vs 想呀).
- ``fuzzy``: toneless, with the initials and finals speakers and Whisper
  confuse merged (zh/z, ch/c, sh/s, -ng/-n). Used for terms of 3+ syllables.
"""

from __future__ import annotations

from functools import lru_cache

SEP = "|"


@lru_cache(maxsize=16384)
def toned(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    if not ("\u3400" <= ch <= "\u9fff"):
        return ch
    return str(lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)[0])


@lru_cache(maxsize=16384)
def fuzzy(ch: str) -> str:
    syl = toned(ch)
    if syl == ch:
        return ch
    syl = syl.rstrip("012345")
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syl.startswith(a):
            syl = b + syl[2:]
            break
    if syl.endswith("ng") and len(syl) > 2:
        syl = syl[:-1]
    return syl


def key(text: str, style: str) -> str:
    """``|a|b|c|`` for the characters of ``text``: token boundaries are explicit."""
    f = toned if style == "toned" else fuzzy
    return SEP + SEP.join(f(c) for c in text) + SEP


def char_starts(text: str, style: str) -> list[int]:
    """For each character, the offset of its token in :func:`key` (after the separator)."""
    f = toned if style == "toned" else fuzzy
    starts = []
    pos = 1
    for c in text:
        starts.append(pos)
        pos += len(f(c)) + 1
    return starts


__all__ = ["char_starts", "fuzzy", "key", "toned"]
