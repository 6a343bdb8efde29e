from __future__ import annotations

import logging
import os

from rich.console import Console
from rich.logging import RichHandler

stderr = Console(stderr=True)


def setup_logging(verbose: int = 0, quiet: bool = False) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    if verbose == 0 and not quiet:
        level = logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="%H:%M:%S",
        handlers=[RichHandler(console=stderr, show_path=verbose > 1, rich_tracebacks=False, markup=False)],
        force=True,
    )
    # Libraries that chat at INFO: keep them out of an operator's log unless asked.
    for noisy in ("httpx", "httpcore", "faster_whisper", "jieba", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    os.environ.setdefault("ORT_LOGGING_LEVEL", "3")
