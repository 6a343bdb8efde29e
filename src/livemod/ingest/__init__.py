"""Ingest: decode any source ffmpeg reads into 16 kHz mono PCM, cut it into speech."""

from livemod.ingest._clips import write_clip
from livemod.ingest._ffmpeg import FfmpegSource, SourceError, ffmpeg_binary, probe_duration_ms
from livemod.ingest._vad import Segmenter, VadOptions

__all__ = [
    "FfmpegSource",
    "Segmenter",
    "SourceError",
    "VadOptions",
    "ffmpeg_binary",
    "probe_duration_ms",
    "write_clip",
]
