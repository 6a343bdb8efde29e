"""Ingest: decode any source ffmpeg reads into 16 kHz mono PCM, cut it into speech."""

from livemod.ingest._clips import clip_suffix, write_clip
from livemod.ingest._ffmpeg import FfmpegSource, SourceError, ffmpeg_binary, is_network, probe_duration_ms
from livemod.ingest._live import Gap, LiveSource
from livemod.ingest._vad import Segmenter, VadOptions

AudioSource = FfmpegSource | LiveSource

__all__ = [
    "AudioSource",
    "FfmpegSource",
    "Gap",
    "LiveSource",
    "Segmenter",
    "SourceError",
    "VadOptions",
    "clip_suffix",
    "ffmpeg_binary",
    "is_network",
    "probe_duration_ms",
    "write_clip",
]
