"""Wiring the stages together: source -> segments -> transcripts -> findings -> sink."""

from livemod.pipeline._runner import LiveOptions, Pipeline, PipelineStats, StreamClock
from livemod.pipeline._sink import ReviewSink

__all__ = ["LiveOptions", "Pipeline", "PipelineStats", "ReviewSink", "StreamClock"]
