"""Precision, recall and F1 over labeled utterances, per category and per subtype."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from livemod.classify._policy import CATEGORIES


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(slots=True)
class Scoreboard:
    """Accumulates gold and predicted label sets, one utterance at a time."""

    categories: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    subtypes: dict[str, Counts] = field(default_factory=dict)
    n: int = 0
    hard_negatives: int = 0
    hard_negative_flagged: int = 0
    negatives: int = 0
    negative_flagged: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)

    def add(
        self,
        gold_cats: Iterable[str],
        gold_subs: Iterable[str],
        pred_cats: Iterable[str],
        pred_subs: Iterable[str],
        *,
        hard_negative: bool = False,
        text: str = "",
        heard: str | None = None,
    ) -> None:
        gc, gs, pc, ps = set(gold_cats), set(gold_subs), set(pred_cats), set(pred_subs)
        self.n += 1
        for c in CATEGORIES:
            cnt = self.categories[c]
            cnt.tp += c in gc and c in pc
            cnt.fp += c not in gc and c in pc
            cnt.fn += c in gc and c not in pc
        for s in gs | ps:
            cnt = self.subtypes.setdefault(s, Counts())
            cnt.tp += s in gs and s in ps
            cnt.fp += s not in gs and s in ps
            cnt.fn += s in gs and s not in ps
        if not gc:
            self.negatives += 1
            self.negative_flagged += bool(pc)
        if hard_negative:
            self.hard_negatives += 1
            self.hard_negative_flagged += bool(pc)
        if gc != pc and len(self.errors) < 500:
            err: dict[str, object] = {"text": text, "gold": sorted(gs or gc), "predicted": sorted(ps or pc)}
            if heard is not None:
                err["heard"] = heard
            self.errors.append(err)

    @property
    def macro_f1(self) -> float:
        return sum(c.f1 for c in self.categories.values()) / len(self.categories)

    @property
    def subtype_macro_f1(self) -> float:
        seen = [c for c in self.subtypes.values() if c.support]
        return sum(c.f1 for c in seen) / len(seen) if seen else 0.0

    @property
    def hard_negative_fpr(self) -> float:
        return self.hard_negative_flagged / self.hard_negatives if self.hard_negatives else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "utterances": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "subtype_macro_f1": round(self.subtype_macro_f1, 4),
            "hard_negatives": self.hard_negatives,
            "hard_negative_fpr": round(self.hard_negative_fpr, 4),
            "negatives": self.negatives,
            "negative_fpr": round(self.negative_flagged / self.negatives, 4) if self.negatives else 0.0,
            "categories": {k: v.as_dict() for k, v in self.categories.items()},
            "subtypes": {k: v.as_dict() for k, v in sorted(self.subtypes.items())},
        }
