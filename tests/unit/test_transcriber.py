"""The transcriber's encoder context: short for early windows, the full 30 s for the record."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from livemod.asr import Transcriber, TranscriberOptions
from livemod.asr._transcriber import context_frames
from livemod.frames import SpeechSegment, ms_to_samples


def test_context_covers_the_window_and_never_exceeds_whisper_s_30_s() -> None:
    assert context_frames(5_000, 10_000) == 1_000
    assert context_frames(9_600, 10_000) == 1_060  # the window plus 1 s
    assert context_frames(5_000, 0) is None  # turned off: 30 s
    assert context_frames(29_500, 10_000) is None


class RecordingModel:
    """Stands in for faster-whisper: records the encoder context of each call."""

    def __init__(self) -> None:
        self.context_frames: int | None = None
        self.seen: list[int | None] = []

    def transcribe(self, audio: Any, **kwargs: Any) -> tuple[list[Any], Any]:
        self.seen.append(self.context_frames)
        return [], SimpleNamespace(language="zh")


def test_only_early_windows_get_the_short_context() -> None:
    t = Transcriber(TranscriberOptions(device="cpu", early_context_ms=10_000))
    model = RecordingModel()
    t._model = model
    audio = np.zeros(ms_to_samples(5_000), dtype=np.float32)
    t.transcribe(SpeechSegment("r", 0, 0, audio, early=True))
    t.transcribe(SpeechSegment("r", 0, 0, audio, early=False))
    assert model.seen == [1_000, None]
    assert model.context_frames is None  # nothing left set for the next caller


def test_complete_segments_can_be_given_a_short_context_too() -> None:
    t = Transcriber(TranscriberOptions(device="cpu", segment_context_ms=10_000))
    model = RecordingModel()
    t._model = model
    t.transcribe(SpeechSegment("r", 0, 0, np.zeros(ms_to_samples(12_000), dtype=np.float32)))
    assert model.seen == [1_300]
