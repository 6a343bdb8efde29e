"""Check a written sales script before going live, line by line, with the live policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from livemod.classify import Classifier, Match

# The classifier was trained on spoken utterances, so a line holding several
# sentences is checked a sentence at a time and the offsets mapped back.
_SENTENCE_END = re.compile(r"[^。！？!?；;…]+[。！？!?；;…]*")


@dataclass(frozen=True, slots=True)
class ScriptLine:
    line: int  # 1-based
    text: str
    matches: list[Match] = field(default_factory=list)


def _sentences(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _SENTENCE_END.finditer(text) if m.group().strip()]


def check_script(text: str, classifier: Classifier) -> list[ScriptLine]:
    """Every non-blank line of ``text`` with what the classifier flags in it (offsets into the line)."""
    lines = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    pieces: list[tuple[int, int, str]] = []  # (index into lines, offset in line, sentence)
    for k, (_, ln) in enumerate(lines):
        pieces += [(k, off, s) for off, s in _sentences(ln)]
    many = getattr(classifier, "classify_many", None)
    texts = [p[2] for p in pieces]
    results: list[list[Match]] = many(texts) if many else [classifier.classify(t) for t in texts]
    found: list[list[Match]] = [[] for _ in lines]
    for (k, off, _), matches in zip(pieces, results, strict=True):
        found[k] += [replace(m, start=m.start + off, end=m.end + off) for m in matches]
    return [ScriptLine(n, ln, found[k]) for k, (n, ln) in enumerate(lines)]
