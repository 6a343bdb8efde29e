"""The ``livemod`` command line: one module per group of commands, registered on import."""

# isort: off
# The order of these imports is the order of the panels in `livemod --help`.
from livemod.cli import _setup as _setup  # setup
from livemod.cli import _serve as _serve  # serve, demo
from livemod.cli import _tokens as _tokens  # tokens create|list|revoke
from livemod.cli import _live as _live  # watch, worker, events
from livemod.cli import _scan as _scan  # scan, classify
from livemod.cli import _reports as _reports  # report, check-script
from livemod.cli import _quality as _quality  # train, eval
from livemod.cli._app import app, main

# isort: on

__all__ = ["app", "main"]
