"""Measuring detection: metrics and the ``livemod eval`` runs."""

from livemod.evaluation._metrics import Counts, Scoreboard
from livemod.evaluation._run import evaluate_audio, evaluate_text

__all__ = ["Counts", "Scoreboard", "evaluate_audio", "evaluate_text"]
