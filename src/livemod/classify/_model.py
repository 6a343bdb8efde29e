"""The learned classifier: a fine-tuned encoder with one sigmoid per category and subtype.

It reads what the rules cannot: the hundred other ways to say a claim, and
Whisper's homophones around a term. Loaded with
``AutoModelForSequenceClassification`` from a local directory or a hub id; a
``livemod.json`` beside the weights carries the label order and the thresholds
calibrated on the dev split by ``livemod train``.
"""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from livemod.classify._policy import CATEGORIES, Policy
from livemod.text import to_simplified

log = logging.getLogger(__name__)

META_FILE = "livemod.json"
QUERY_PREFIX = "query: "  # the e5 family was trained with this prefix


class ModelLoadError(RuntimeError):
    pass


def label_names(policy: Policy) -> list[str]:
    """Output order: the three categories, then every subtype key, sorted."""
    return [*CATEGORIES, *sorted(policy.subtypes)]


def prepare(text: str) -> str:
    """The model's input for an utterance."""
    # Same script and width as the rules see, but spaces and punctuation kept:
    # the encoder was pretrained on written text and English needs its spaces.
    return QUERY_PREFIX + " ".join(to_simplified(unicodedata.normalize("NFKC", text)).split())


@dataclass(frozen=True, slots=True)
class ModelScores:
    categories: dict[str, float]
    subtypes: dict[str, float]

    def best_subtype(self, category: str) -> tuple[str, float]:
        inside = {k: v for k, v in self.subtypes.items() if k.startswith(category + ".")}
        key = max(inside, key=lambda k: inside[k])
        return key.split(".", 1)[1], inside[key]


@dataclass(slots=True)
class ModelMeta:
    labels: list[str]
    # Calibrated on the int8 CPU path; ``thresholds_float`` on the unquantised
    # scores that CUDA (float16) and CPU with quantize=False give. The two
    # paths differ by up to 0.96 on one score (bench/classifier_cuda.py), so
    # one set of thresholds does not serve both.
    thresholds: dict[str, float]
    thresholds_float: dict[str, float] = field(default_factory=dict)
    max_length: int = 96
    base: str = ""
    name: str = "livemod-classifier"
    trained: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Path) -> ModelMeta:
        raw = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def write(self, directory: Path) -> None:
        text = json.dumps(asdict(self), indent=2, ensure_ascii=False)
        (directory / META_FILE).write_text(text, encoding="utf-8")


def quiet_transformers() -> None:
    """No third-party progress bars on a user's terminal: transformers draws one per model load."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class ModelClassifier:
    """Scores utterances in batches; thread-safe (one lock around the forward pass)."""

    def __init__(
        self,
        path: str | Path,
        *,
        device: str = "auto",
        batch_size: int = 16,
        quantize: bool = True,
        calibrating: bool = False,
    ) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(path)
        if not directory.is_dir():
            from huggingface_hub import snapshot_download

            try:
                directory = Path(snapshot_download(str(path)))
            except Exception as exc:
                raise ModelLoadError(
                    f"The classifier model {path!r} is neither a local directory nor a reachable hub id "
                    f"({exc.__class__.__name__}: {exc}). Build the default one with `livemod train`, "
                    "or set LIVEMOD_CLASSIFIER_MODEL to a directory that `livemod train` wrote."
                ) from exc
        if not (directory / META_FILE).is_file():
            raise ModelLoadError(
                f"{directory} has no {META_FILE}: it is not a model trained by `livemod train`, so its "
                "labels and thresholds are unknown. Train one with `livemod train --base DIR_OR_HUB_ID`."
            )
        self.meta = ModelMeta.read(directory)
        self.path = directory
        self.name = self.meta.name
        self.device = pick_device(device)
        self.quantized = self.device == "cpu" and quantize
        if not self.quantized:
            if self.meta.thresholds_float:
                self.meta = replace(self.meta, thresholds=self.meta.thresholds_float)
            elif not calibrating:
                log.warning(
                    "%s has thresholds for the int8 CPU path only; on %s its decisions drift from "
                    "what was calibrated. Run `livemod train --calibrate-only` to add float thresholds.",
                    directory,
                    self.device,
                )
        quiet_transformers()
        self._tok = AutoTokenizer.from_pretrained(directory)
        model = AutoModelForSequenceClassification.from_pretrained(directory)
        model.eval()
        if self.quantized:
            # int8 dynamic quantisation of the Linear layers: 2.5x the throughput
            # on CPU. Thresholds are calibrated through this same path.
            with warnings.catch_warnings():
                # torch 2.13 announces that torch.ao.quantization will move to
                # torchao; it works as documented here, and torchao is not on
                # the registries this project installs from.
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                warnings.filterwarnings("ignore", category=UserWarning, message=".*quantiz.*")
                # In place: a copy would hold the float weights twice at load.
                model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                    model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
                )
            # The 250k-row word-embedding table (384 MB) stays float32 and memory-
            # mapped: only the rows of characters actually seen are paged in.
            # Casting it to float16 was measured to add 560 MB of resident memory.
        elif self.device.startswith("cuda"):
            model = model.half()
        self._model = model.to(self.device)
        self._batch = batch_size
        self._lock = threading.Lock()

    @property
    def labels(self) -> list[str]:
        return self.meta.labels

    def scores(self, texts: Sequence[str]) -> list[ModelScores]:
        import torch

        out: list[ModelScores] = []
        prepared = [prepare(t) for t in texts]
        for i in range(0, len(prepared), self._batch):
            chunk = prepared[i : i + self._batch]
            # The fast tokenizer is not safe across threads either ("Already
            # borrowed"), and rooms share one classifier.
            with self._lock, torch.inference_mode():
                enc = self._tok(
                    chunk, padding=True, truncation=True, max_length=self.meta.max_length, return_tensors="pt"
                ).to(self.device)
                logits = self._model(**enc).logits.float()
            probs = torch.sigmoid(logits).cpu().tolist()
            for row in probs:
                cats = {k: p for k, p in zip(self.labels, row, strict=True) if "." not in k}
                subs = {k: p for k, p in zip(self.labels, row, strict=True) if "." in k}
                out.append(ModelScores(cats, subs))
        return out


__all__ = ["ModelClassifier", "ModelLoadError", "ModelMeta", "ModelScores", "label_names", "prepare"]
