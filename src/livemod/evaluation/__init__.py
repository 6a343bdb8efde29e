"""Measuring detection: the ``livemod eval`` runs on text and audio (the scoreboard is ``classify``'s)."""

from livemod.evaluation._run import evaluate_audio, evaluate_text

__all__ = ["evaluate_audio", "evaluate_text"]
