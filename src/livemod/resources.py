"""Files livemod ships: found in a source checkout or, installed from a wheel, as package data.

A checkout keeps the policy pack, the corpus and the fixtures at the
repository root, where maintainers edit them; the wheel carries copies under
``livemod/_prompts``, ``livemod/_data`` and ``livemod/_fixtures``
(``pyproject.toml``). This module is the one place that knows both layouts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
# Checkout path -> the wheel's package-data path.
_PACKAGED = {
    "prompts": "_prompts",
    "data/corpus": "_data/corpus",
    "fixtures": "_fixtures",
}


def shipped_path(relative: str) -> Path:
    """``relative`` (a path under the checkout root, e.g. ``prompts/policy``), wherever it was installed.

    Returns the checkout's file when there is one, else the packaged copy;
    the result may not exist (a wheel carries only some fixtures), so callers
    say what is missing.
    """
    here = _CHECKOUT_ROOT / relative
    if here.exists() and (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return here
    for prefix, packaged in _PACKAGED.items():
        if relative == prefix or relative.startswith(prefix + "/"):
            return Path(str(resources.files("livemod"))) / (packaged + relative.removeprefix(prefix))
    return here


@contextmanager
def staged_dir(dest: Path) -> Iterator[Path]:
    """An empty folder beside ``dest`` to fill; it becomes ``dest`` whole when the block ends.

    A reader of ``dest`` (a model directory) never sees half of it: a crash or
    an error while writing leaves the old ``dest`` as it was and no staging folder.
    """
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


__all__ = ["sha256_file", "shipped_path", "staged_dir"]
