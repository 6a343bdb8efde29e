"""Evidence clips: the segment's audio encoded small enough to keep for years."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from livemod.frames import SAMPLE_RATE, Audio
from livemod.ingest._ffmpeg import SourceError, ffmpeg_binary

_CODECS = {"opus": ("libopus", "32k", ".opus"), "mp3": ("libmp3lame", "48k", ".mp3")}


def clip_suffix(fmt: str) -> str:
    return _CODECS[fmt][2]


def write_clip(audio: Audio, path: Path, fmt: str = "opus") -> Path:
    """Encode mono 16 kHz float audio to ``path`` (Opus or MP3) and return it."""
    codec, bitrate, suffix = _CODECS[fmt]
    path = path.with_suffix(suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    tmp = path.with_name(path.name + ".part")
    proc = subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-c:a",
            codec,
            "-b:a",
            bitrate,
            "-f",
            "ogg" if fmt == "opus" else "mp3",
            str(tmp),
        ],
        input=pcm,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise SourceError(f"could not encode clip {path}: {proc.stderr.decode(errors='replace').strip()}")
    tmp.replace(path)  # atomic, so a crash never leaves half a clip under the real name
    return path
