"""The ``livemod`` command line."""

from livemod.cli._app import app, main

__all__ = ["app", "main"]
