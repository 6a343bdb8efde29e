"""Classify utterances against the policy pack (``prompts/policy``), with rules and a learned model."""

from typing import Protocol

from livemod.classify._artifact import (
    ArtifactError,
    assemble,
    shipped_artifact_dir,
    update_meta,
    write_artifact,
)
from livemod.classify._corpus import CorpusError, Example, default_corpus_path, load_corpus, load_heard
from livemod.classify._encoder import EncoderError, build_base_encoder
from livemod.classify._factory import assemble_default, build_classifier, classifier_path
from livemod.classify._hybrid import HybridClassifier, combine
from livemod.classify._model import META_FILE, ModelClassifier, ModelLoadError, ModelMeta, ModelScores
from livemod.classify._policy import CATEGORIES, Policy, PolicyError, Subtype, default_policy_dir, load_policy
from livemod.classify._rules import Match, RuleEngine
from livemod.classify._scoreboard import Scoreboard
from livemod.classify._train import TrainOptions, TrainReport, recalibrate, train


class Classifier(Protocol):
    """What the pipeline needs of a detector: rules today, a learned model beside them later."""

    name: str
    policy: Policy  # legal basis and rewording for findings the pipeline makes itself (the ledger's)

    def classify(self, text: str) -> list[Match]: ...


__all__ = [
    "CATEGORIES",
    "META_FILE",
    "ArtifactError",
    "Classifier",
    "CorpusError",
    "EncoderError",
    "Example",
    "HybridClassifier",
    "Match",
    "ModelClassifier",
    "ModelLoadError",
    "ModelMeta",
    "ModelScores",
    "Policy",
    "PolicyError",
    "RuleEngine",
    "Scoreboard",
    "Subtype",
    "TrainOptions",
    "TrainReport",
    "assemble",
    "assemble_default",
    "build_base_encoder",
    "build_classifier",
    "classifier_path",
    "combine",
    "default_corpus_path",
    "default_policy_dir",
    "load_corpus",
    "load_heard",
    "load_policy",
    "recalibrate",
    "shipped_artifact_dir",
    "train",
    "update_meta",
    "write_artifact",
]
