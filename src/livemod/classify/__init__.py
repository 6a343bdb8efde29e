"""Classify utterances against the policy pack (``prompts/policy``)."""

from typing import Protocol

from livemod.classify._normalize import Normalized, normalize
from livemod.classify._policy import CATEGORIES, Policy, PolicyError, Subtype, default_policy_dir, load_policy
from livemod.classify._rules import Match, RuleEngine


class Classifier(Protocol):
    """What the pipeline needs of a detector: rules today, a learned model beside them later."""

    name: str

    def classify(self, text: str) -> list[Match]: ...


__all__ = [
    "CATEGORIES",
    "Classifier",
    "Match",
    "Normalized",
    "Policy",
    "PolicyError",
    "RuleEngine",
    "Subtype",
    "default_policy_dir",
    "load_policy",
    "normalize",
]
