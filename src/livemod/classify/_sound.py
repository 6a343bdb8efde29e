"""The policy's regular expressions, matched on how an utterance sounds.

Whisper base writes 改价 as 改架, 私发价格 as 司法家个, 倒计时 as 到即时, and a
pattern written in the right characters misses all three. So the text is also
read as sound (:class:`SoundText`): every Han character becomes three
characters, a code for its fuzzy syllable (toneless; zh/z, ch/c, sh/s and
-ng/-n merged), a code for its plain toneless syllable, and the character
itself. :func:`compile_sound` rewrites a pattern over that alphabet, and how
close each Han literal must be depends on how much of a word it belongs to:

- a single character (an alternative like ``(补|另付)``, or a class ``[好佳]``)
  must be the very character: one syllable has too many homophones (补 and 不,
  喝 and 和);
- a run of two characters must agree in plain syllables (包装 is not 包赚);
- a run of three or more may differ in the fuzzy merges too.

Because the closeness is part of the expression, the regex engine backtracks
through alternatives as usual: "(价|价格)" tries 价 exactly, fails on 家个, and
goes on to match it as 价格.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from livemod.text import pinyin as _pinyin

_FUZZY_BASE = 0xE000  # codes for fuzzy syllables: U+E000..U+EFFF
_PLAIN_BASE = 0xF000  # codes for plain toneless syllables: U+F000..U+F8FF
# One table of syllable -> code per base; a new syllable takes the next code.
_codes: dict[int, dict[str, str]] = {_FUZZY_BASE: {}, _PLAIN_BASE: {}}
_codes_lock = threading.Lock()

# One unit of the sound text: a Han triple, or any other single character.
_UNIT = "(?:[\ue000-\uefff][\uf000-\uf8ff].|[^\ue000-\uf8ff\u3400-\u9fff])"
# Escapes that would match part of a triple or step across one.
_UNSAFE = re.compile(r"\\[wWDSB]|\[\^")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def _code(base: int, syllable: str) -> str:
    with _codes_lock:
        table = _codes[base]
        code = table.get(syllable)
        if code is None:
            code = table[syllable] = chr(base + len(table))
    return code


@lru_cache(maxsize=32768)
def _triple(ch: str) -> str:
    fuzzy = _code(_FUZZY_BASE, _pinyin.fuzzy(ch))
    plain = _code(_PLAIN_BASE, _pinyin.toned(ch).rstrip("012345"))
    return fuzzy + plain + ch


@dataclass(frozen=True, slots=True)
class SoundText:
    """``text`` as sound, with the way back from its offsets to the text's."""

    text: str
    sound: str
    starts: tuple[int, ...]  # sound offset where each text character begins

    @classmethod
    def of(cls, text: str) -> SoundText:
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        for ch in text:
            starts.append(pos)
            if _is_han(ch):
                piece = _triple(ch)
            elif "\ue000" <= ch <= "\uf8ff":
                # A private-use character in the input would read as one of our codes.
                piece = "\ufffd"
            else:
                piece = ch
            parts.append(piece)
            pos += len(piece)
        return cls(text, "".join(parts), tuple(starts))

    def to_text(self, offset: int) -> int:
        """The text offset of a sound offset on a unit boundary (or the end)."""
        if offset >= len(self.sound):
            return len(self.text)
        return bisect.bisect_right(self.starts, offset) - 1

    def to_sound(self, offset: int) -> int:
        return self.starts[offset] if offset < len(self.starts) else len(self.sound)

    def finditer(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """Spans (text offsets) of the non-empty matches of a compiled sound pattern."""
        out = []
        for m in pattern.finditer(self.sound):
            if m.end() > m.start():
                out.append((self.to_text(m.start()), self.to_text(m.end())))
        return out


def _class_end(src: str, i: int) -> int:
    """Index just past the character class that opens at ``src[i] == '['``."""
    j = i + 1
    if j < len(src) and src[j] == "]":
        j += 1
    while j < len(src) and src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def _literal(ch: str, run: int) -> str:
    # A group of its own, so that a quantifier after it ("包装?") still applies to all of it.
    t = _triple(ch)
    if run >= 3:
        return f"(?:{re.escape(t[0])}..)"
    if run == 2:
        return f"(?:{re.escape(t[:2])}.)"
    return f"(?:{re.escape(t)})"


def _class(body: str) -> str:
    """A class like ``[好佳0-9]`` as units: each Han member exactly, the rest as written."""
    han = [c for c in body[1:-1] if _is_han(c)]
    rest = "".join(c for c in body[1:-1] if not _is_han(c))
    alts = [re.escape(_triple(c)) for c in han]
    if rest:
        alts.append(f"[{rest}]")
    return "(?:" + "|".join(alts) + ")"


def compile_sound(pattern: re.Pattern[str], *, loose: bool = False) -> re.Pattern[str] | None:
    """``pattern`` over :attr:`SoundText.sound`; None where sound adds nothing or cannot be had.

    ``loose`` treats every Han literal as part of a long run (fuzzy sound is
    enough): for guards (negations, exceptions), where hearing more only
    excuses more. A pattern with no Han character, or with a construct that
    would split a Han triple (``\\w``, ``\\D``, a negated class), has no sound form.
    """
    src = pattern.pattern
    if _UNSAFE.search(src) or not any(_is_han(c) for c in src):
        return None
    out: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        n = 3 if loose else len(run)
        out.extend(_literal(c, n) for c in run)
        run.clear()

    i = 0
    while i < len(src):
        c = src[i]
        if _is_han(c):
            run.append(c)
            i += 1
            continue
        close_run()
        if c == "\\":
            out.append(src[i : i + 2])
            i += 2
        elif c == "[":
            j = _class_end(src, i)
            out.append(_class(src[i:j]))
            i = j
        elif c == ".":
            out.append(_UNIT)
            i += 1
        else:
            out.append(c)
            i += 1
    close_run()
    try:
        return re.compile("".join(out), pattern.flags)
    except re.error:
        return None


__all__ = ["SoundText", "compile_sound"]
