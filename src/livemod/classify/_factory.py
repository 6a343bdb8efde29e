"""Build the classifier that settings ask for."""

from __future__ import annotations

import logging
from pathlib import Path

from livemod.classify._hybrid import HybridClassifier
from livemod.classify._model import META_FILE, ModelClassifier, ModelLoadError
from livemod.classify._rules import RuleEngine
from livemod.config import Settings

log = logging.getLogger(__name__)


def classifier_path(settings: Settings) -> str | Path | None:
    name = settings.classifier_model.strip()
    if name.lower() == "none":
        return None
    if name == "default":
        return settings.default_classifier_dir
    return name


def build_classifier(settings: Settings, *, require_model: bool = False) -> HybridClassifier:
    """Rules plus the configured model; rules alone, with a warning, when the default is not built yet."""
    rules = RuleEngine()
    where = classifier_path(settings)
    if where is None:
        return HybridClassifier(rules)
    if where == settings.default_classifier_dir and not (Path(where) / META_FILE).is_file():
        msg = (
            f"the default classifier is not built yet ({where}); run `livemod train` "
            "(make demo does it once) or set LIVEMOD_CLASSIFIER_MODEL=none to run the rules alone"
        )
        if require_model:
            raise ModelLoadError(msg[0].upper() + msg[1:] + ".")
        log.warning("%s; classifying with the rules only", msg)
        return HybridClassifier(rules)
    model = ModelClassifier(where, device=settings.classifier_device, batch_size=settings.classifier_batch)
    log.info("classifier: rules + %s on %s", model.name, model.device)
    return HybridClassifier(rules, model)
