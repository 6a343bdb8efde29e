"""livemod: real-time compliance moderation for live-stream commerce.

The pipeline, one folder a stage: ``ingest`` (ffmpeg decoding and speech
segmentation) -> ``asr`` (faster-whisper) -> ``classify`` (policy pack rules)
-> ``review`` (the FastAPI review queue) over ``store`` (SQLAlchemy).
"""

from livemod._version import __version__
from livemod.config import Settings, get_settings
from livemod.frames import Finding, PcmChunk, SpeechSegment, Transcript, Word

__all__ = [
    "Finding",
    "PcmChunk",
    "Settings",
    "SpeechSegment",
    "Transcript",
    "Word",
    "__version__",
    "get_settings",
]
