"""Wiring the stages together: source -> segments -> transcripts -> findings -> sink."""

from livemod.pipeline._runner import LiveOptions, Pipeline, PipelineStats, StreamClock

__all__ = ["LiveOptions", "Pipeline", "PipelineStats", "StreamClock"]
