"""The labeled corpus (data/corpus/corpus.jsonl): loading and label vectors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from livemod.resources import shipped_path

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    group: str
    split: str
    text: str
    lang: str
    categories: tuple[str, ...]
    subtypes: tuple[str, ...]  # "category.subtype" keys
    hard_negative: bool
    related_subtype: str | None
    variant: str


class CorpusError(ValueError):
    pass


def default_corpus_path() -> Path:
    return shipped_path("data/corpus/corpus.jsonl")


def _records(path: Path, what: str, build: Callable[[dict[str, Any]], T]) -> Iterator[tuple[int, T]]:
    """``build`` applied to each JSON line of ``path``, with its line number; a bad line names itself."""
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield n, build(json.loads(line))
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{path}:{n}: not a {what} ({exc})") from exc


def _example(r: dict[str, Any]) -> Example:
    return Example(
        id=r["id"],
        group=r["group"],
        split=r["split"],
        text=r["text"],
        lang=r.get("lang", "zh"),
        categories=tuple(r["categories"]),
        subtypes=tuple(r["subtypes"]),
        hard_negative=bool(r.get("hard_negative")),
        related_subtype=r.get("related_subtype"),
        variant=r.get("variant", "original"),
    )


def load_corpus(path: Path | None = None, split: str | None = None) -> list[Example]:
    path = path or default_corpus_path()
    if not path.is_file():
        raise CorpusError(f"{path}: no corpus there; build it with `python scripts/build_corpus.py`.")
    examples = (ex for _, ex in _records(path, "corpus record", _example))
    return [ex for ex in examples if split is None or ex.split == split]


def load_heard(path: Path, examples: list[Example]) -> list[Example]:
    """Corpus examples with their text replaced by what Whisper heard when they were read aloud.

    ``path`` is JSONL of ``{"text": corpus line, "heard": transcript}``
    (``scripts/asr_confusions.py`` writes it). Scoring these measures how the
    classifier copes with real ASR errors without running Whisper again.
    """
    by_text = {ex.text: ex for ex in examples}
    out: list[Example] = []
    pairs = _records(path, "{text, heard} record", lambda r: (str(r["text"]), str(r["heard"])))
    for n, (text, heard) in pairs:
        ex = by_text.get(text)
        if ex is None:
            raise CorpusError(f"{path}:{n}: {text!r} is not a line of the corpus")
        out.append(replace(ex, text=heard, variant="whisper"))
    return out
