"""Classify utterances against the policy pack (``prompts/policy``), with rules and a learned model."""

from typing import TYPE_CHECKING, Protocol

from livemod.classify._corpus import CorpusError, Example, default_corpus_path, load_corpus, load_heard
from livemod.classify._hybrid import HybridClassifier, combine
from livemod.classify._model import ModelClassifier, ModelLoadError, ModelMeta, ModelScores
from livemod.classify._normalize import Normalized, normalize
from livemod.classify._policy import CATEGORIES, Policy, PolicyError, Subtype, default_policy_dir, load_policy
from livemod.classify._rules import Match, RuleEngine

if TYPE_CHECKING:
    from livemod.config import Settings


class Classifier(Protocol):
    """What the pipeline needs of a detector: rules today, a learned model beside them later."""

    name: str
    policy: Policy  # legal basis and rewording for findings the pipeline makes itself (the ledger's)

    def classify(self, text: str) -> list[Match]: ...


def build_classifier(settings: "Settings", *, require_model: bool = False) -> HybridClassifier:
    """The classifier settings ask for (imports the model code only when called)."""
    from livemod.classify._factory import build_classifier as build

    return build(settings, require_model=require_model)


__all__ = [
    "CATEGORIES",
    "Classifier",
    "CorpusError",
    "Example",
    "HybridClassifier",
    "Match",
    "ModelClassifier",
    "ModelLoadError",
    "ModelMeta",
    "ModelScores",
    "Normalized",
    "Policy",
    "PolicyError",
    "RuleEngine",
    "Subtype",
    "build_classifier",
    "combine",
    "default_corpus_path",
    "default_policy_dir",
    "load_corpus",
    "load_heard",
    "load_policy",
    "normalize",
]
