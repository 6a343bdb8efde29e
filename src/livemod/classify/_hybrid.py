"""Rules and model together.

The decision per category is: a rule fired, or the model's probability reached
the category's threshold (calibrated on the dev split). A model-only finding
names the most probable subtype inside its category, and carries that
subtype's legal basis and suggested rewording.

The model never overrules a rule, not even one that fired on sound alone. It
once could (a "veto" below 0.02), but on real Whisper output the model is
confidently wrong: it gave 0.0011 to 刀手指需69 (到手只需69) and 0.0047 for
false advertising to 能制脱发 (能治脱发), and vetoing such hits cost recall on
recorded transcripts while saving no false positive on text (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from livemod.classify._model import ModelClassifier, ModelMeta, ModelScores
from livemod.classify._policy import CATEGORIES, Policy
from livemod.classify._rules import Match, RuleEngine
from livemod.vocab import FindingSource


def combine(
    text: str,
    rule_matches: Sequence[Match],
    scores: ModelScores | None,
    meta: ModelMeta | None,
    policy: Policy,
) -> list[Match]:
    if scores is None or meta is None:
        return list(rule_matches)
    out: list[Match] = []
    for m in rule_matches:
        p = scores.categories[m.category]
        out.append(replace(m, model=meta.name, model_score=round(p, 4), source=FindingSource.RULES_MODEL))
    covered = {m.category for m in out}
    for category in CATEGORIES:
        p = scores.categories[category]
        if category in covered or p < meta.thresholds.get(category, 1.01):
            continue
        name, _ = scores.best_subtype(category)
        st = policy.subtype(category, name)
        out.append(
            Match(
                category=category,
                subtype=name,
                start=0,
                end=len(text),
                matched=text.strip(),
                rule=f"model:{meta.name}",
                severity=st.severity,
                legal_basis=st.legal_basis,
                suggestion=st.suggestion,
                score=round(p, 4),
                source=FindingSource.MODEL,
                model=meta.name,
                model_score=round(p, 4),
            )
        )
    out.sort(key=lambda m: (m.start, m.category, m.subtype))
    return out


class HybridClassifier:
    """The pipeline's classifier: :class:`RuleEngine` plus an optional :class:`ModelClassifier`."""

    def __init__(self, rules: RuleEngine, model: ModelClassifier | None = None) -> None:
        self.rules = rules
        self.model = model
        self.name = f"rules+{model.name}" if model else "rules"
        self.policy = rules.policy

    def classify(self, text: str) -> list[Match]:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[list[Match]]:
        rule_out = [self.rules.classify(t) for t in texts]
        if self.model is None:
            return rule_out
        scores = self.model.scores(texts)
        return [
            combine(t, r, s, self.model.meta, self.rules.policy)
            for t, r, s in zip(texts, rule_out, scores, strict=True)
        ]


__all__ = ["HybridClassifier", "combine"]
