"""Text normalisation that remembers where every character came from.

The rules match on a canonical form of the utterance: Simplified characters,
half-width, lower case, no spaces or punctuation, and Chinese numerals turned
into digits where they count something ("原价三百九十九" -> "原价399",
"扣一" -> "扣1"). ``index[i]`` is the position in the original text of
canonical character ``i``, so a match is reported on what Whisper wrote.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_DIGIT_START = "零〇一二两三四五六七八九十"
_RUN = re.compile(f"[{_NUMERAL}]+")
_MAGNITUDE = set("十百千万亿")
# A lone numeral is a number only next to what counts or prices it; elsewhere
# "一" is part of a word (一定, 唯一, 一样) and must stay.
_UNIT_AFTER = set("块元毛角分天周月年个瓶单件盒斤次折倍号岁克支片粒袋箱套份人秒比")
_CUE_BEFORE = set("价要扣减第比块元毛只送卖")


@lru_cache(maxsize=1)
def _opencc() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def _canon_char(ch: str) -> str:
    """One character in canonical form, or '' when it carries no meaning for matching."""
    ch = unicodedata.normalize("NFKC", ch)
    if not ch:
        return ""
    if len(ch) == 1 and ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"):
        # Character by character, so the mapping back stays one to one.
        return str(_opencc().convert(ch))
    cat = unicodedata.category(ch[0])
    if cat[0] in "PZC" or (cat[0] == "S" and ch not in "%¥$+:"):
        return ""
    return ch.lower()


@lru_cache(maxsize=4096)
def _numeral(run: str) -> str | None:
    import cn2an

    try:
        value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str
    index: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that canonical ``text[start:end]`` came from."""
        if not self.index or start >= end:
            return (0, 0)
        return self.index[start], self.index[end - 1] + 1


# Whisper writes price words as same-sound characters (到手价 -> 刀手架, 划线价 ->
# 华先家, 原价 -> 原家; measured on read-aloud train lines, see
# scripts/asr_confusions.py). A run of characters that sounds like a price word
# (fuzzy pinyin, see .pinyin) and is followed by an amount or a verb is
# rewritten to it, one character for one, so offsets still map to the original.
_PRICE_WORDS = (
    "到手价", "券后价", "折后价", "专柜价", "划线价", "吊牌价", "秒杀价", "市场价", "日常价", "零售价",
    "官网价", "福利价", "宠粉价", "活动价", "门店价", "指导价", "原价", "特价", "到手",
)  # fmt: skip
_AFTER_PRICE_WORD = set("0123456789零一二两三四五六七八九十百千万是要只才就都")


@lru_cache(maxsize=1)
def _price_keys() -> tuple[tuple[str, tuple[str, ...]], ...]:
    from livemod.text.pinyin import fuzzy

    return tuple((w, tuple(fuzzy(c) for c in w)) for w in _PRICE_WORDS)


def _repair_asr(flat: str) -> str:
    from livemod.text.pinyin import fuzzy

    if not any("\u4e00" <= c <= "\u9fff" for c in flat):
        return flat
    sounds = [fuzzy(c) for c in flat]
    chars = list(flat)
    i = 0
    while i < len(chars):
        for word, key in _price_keys():
            n = len(word)
            end = i + n
            if (
                end < len(chars)
                and chars[end] in _AFTER_PRICE_WORD
                and tuple(sounds[i:end]) == key
                and "".join(chars[i:end]) != word
            ):
                chars[i:end] = word
                i = end - 1
                break
        i += 1
    return "".join(chars)


def _numeral_runs(flat: str, index: list[int]) -> list[tuple[int, int]]:
    """Spans of numerals that each read as one number.

    Dropping punctuation glues neighbouring numbers together ("一百零九，三号链接"
    -> 一百零九三号), and Whisper often writes none: a run is cut where a dropped
    character stood, and a run that still does not parse is cut after its
    longest prefix of two or more numerals that does.
    """
    spans: list[tuple[int, int]] = []
    for m in _RUN.finditer(flat):
        a, b = m.start(), m.end()
        cuts = [a, *(k for k in range(a + 1, b) if index[k] - index[k - 1] > 1), b]
        for x, y in itertools.pairwise(cuts):
            while x < y:
                end = y
                while end - x > 2 and _numeral(flat[x:end]) is None:
                    end -= 1
                if _numeral(flat[x:end]) is None or (end < y and not _MAGNITUDE & set(flat[x:end])):
                    # A range said loosely (两三百) stays as written: only a prefix with
                    # a magnitude (一百零九|三号) is a number of its own.
                    end = y
                spans.append((x, end))
                x = end
    return spans


def normalize(text: str) -> Normalized:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _canon_char(ch):
            chars.append(c)
            index.append(i)
    flat = _repair_asr("".join(chars))
    out: list[str] = []
    out_index: list[int] = []
    pos = 0
    for a, b in _numeral_runs(flat, index):
        run = flat[a:b]
        before = flat[a - 1] if a > 0 else ""
        after = flat[b] if b < len(flat) else ""
        digits: str | None = None
        if run[0] in _DIGIT_START and (len(run) >= 2 or after in _UNIT_AFTER or before in _CUE_BEFORE):
            digits = _numeral(run)
        if digits is None:
            continue
        if out and a == pos and out[-1].isdigit():
            # Two numbers that met when punctuation was dropped stay apart: 109,3号 not 1093号.
            out.append(",")
            out_index.append(index[a])
        out.extend(flat[pos:a])
        out_index.extend(index[pos:a])
        last = len(digits) - 1
        for k, d in enumerate(digits):
            # Spread the digits over the run so the first and last land on its ends.
            out.append(d)
            out_index.append(index[a + (k * (len(run) - 1) // last if last else 0)])
        pos = b
    out.extend(flat[pos:])
    out_index.extend(index[pos:])
    return Normalized(text, "".join(out), tuple(out_index))


__all__ = ["Normalized", "normalize"]
