"""Build the classifier that settings ask for."""

from __future__ import annotations

import logging
from pathlib import Path

from livemod.classify._artifact import ArtifactError, assemble, shipped_artifact_dir
from livemod.classify._hybrid import HybridClassifier
from livemod.classify._model import ModelClassifier, ModelLoadError
from livemod.classify._rules import RuleEngine
from livemod.config import Settings

log = logging.getLogger(__name__)


def assemble_default(settings: Settings) -> Path:
    """The shipped default classifier, assembled into the cache directory once (seconds)."""
    return assemble(shipped_artifact_dir(), settings.default_classifier_dir, settings.cache_dir)


def classifier_path(settings: Settings) -> str | Path | None:
    """Where the configured model is: None for the rules alone; the default is assembled on first use."""
    name = settings.classifier_model.strip()
    if name.lower() == "none":
        return None
    if name == "default":
        try:
            return assemble_default(settings)
        except ArtifactError as exc:
            raise ModelLoadError(str(exc)) from exc
    return name


def build_classifier(settings: Settings, *, require_model: bool = False) -> HybridClassifier:
    """Rules plus the configured model; rules alone, with a warning, when the default cannot be assembled."""
    rules = RuleEngine()
    try:
        where = classifier_path(settings)
    except ModelLoadError as exc:
        if require_model or settings.classifier_model.strip() != "default":
            raise
        log.warning("%s Classifying with the rules only.", exc)
        return HybridClassifier(rules)
    if where is None:
        return HybridClassifier(rules)
    model = ModelClassifier(where, device=settings.classifier_device, batch_size=settings.classifier_batch)
    log.info("classifier: rules + %s on %s", model.name, model.device)
    return HybridClassifier(rules, model)
