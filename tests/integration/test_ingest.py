"""Real ffmpeg decoding and the streaming Silero VAD on the fixture."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from livemod.frames import SAMPLE_RATE
from livemod.ingest import FfmpegSource, Segmenter, VadOptions
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration


def segments(opts: VadOptions) -> tuple[list[Any], int]:
    src = FfmpegSource(str(FIXTURES / "room_demo.opus"), "r")
    seg = Segmenter("r", opts)
    out = []
    for chunk in src.chunks():
        assert len(chunk.audio) <= SAMPLE_RATE  # streamed in small pieces, never whole
        out += list(seg.push(chunk))
    out += list(seg.flush())
    return out, src.samples_read


def test_segments_follow_the_spoken_lines(manifest: dict[str, Any]) -> None:
    segs, samples = segments(VadOptions())
    assert abs(samples * 1000 // SAMPLE_RATE - manifest["duration_ms"]) < 100
    speech = [s for s in manifest["segments"] if s["kind"] == "speech"]
    quiet = [s for s in manifest["segments"] if s["kind"] != "speech"]
    assert [s.seq for s in segs] == list(range(len(segs)))
    for line in speech:  # every line is inside a segment
        inside = [
            s for s in segs if s.start_ms <= line["start_ms"] + 300 and line["end_ms"] - 300 <= s.end_ms
        ]
        assert inside, line
    for q in quiet:  # no segment lies inside music or silence
        assert not any(q["start_ms"] + 500 <= s.start_ms and s.end_ms <= q["end_ms"] - 500 for s in segs), q


def test_long_speech_is_cut_at_max_length() -> None:
    segs, _ = segments(VadOptions(max_segment_ms=2000, speech_pad_ms=0))
    assert max(s.duration_ms for s in segs) <= 2000 + 64
    # Cuts are contiguous: the audio of one long utterance is not lost between pieces.
    cut = [(a, b) for a, b in itertools.pairwise(segs) if a.end_ms == b.start_ms]
    assert cut
