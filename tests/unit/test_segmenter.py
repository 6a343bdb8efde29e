"""Windows over speech that has not ended: which part of it they hold."""

from __future__ import annotations

import numpy as np

from livemod.frames import PcmChunk, ms_to_samples
from livemod.ingest import Segmenter, VadOptions
from livemod.ingest._vad import FRAME


class AlwaysSpeech:
    """Stands in for Silero: every frame is speech."""

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        return np.ones(len(audio) // FRAME, dtype=np.float32)


def test_a_window_says_whether_it_cut_into_the_speech() -> None:
    seg = Segmenter("r", VadOptions(speech_pad_ms=0), vad=AlwaysSpeech())  # type: ignore[arg-type]
    audio = np.zeros(ms_to_samples(7_168), dtype=np.float32)  # a whole number of frames
    assert list(seg.push(PcmChunk("r", 0, audio))) == []
    short = seg.open_speech(5_000)
    assert short is not None and short.early and short.clipped
    assert (short.start_ms, short.end_ms) == (2_168, 7_168)
    whole = seg.open_speech(10_000)
    assert whole is not None and not whole.clipped
    assert whole.start_ms == 0
