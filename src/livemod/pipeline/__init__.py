"""Wiring the stages together: source -> segments -> transcripts -> findings -> sink."""

from livemod.pipeline._runner import Pipeline, PipelineStats
from livemod.pipeline._sink import ReviewSink

__all__ = ["Pipeline", "PipelineStats", "ReviewSink"]
