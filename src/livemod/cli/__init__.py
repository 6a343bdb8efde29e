"""The ``livemod`` command line."""

from livemod.cli import _quality as _quality  # registers train and eval
from livemod.cli import _reports as _reports  # registers report and check-script
from livemod.cli._app import app, main

__all__ = ["app", "main"]
