"""Streaming speech segmentation with the Silero VAD that ships inside faster-whisper.

faster-whisper's own ``get_speech_timestamps`` wants the whole recording; a
live room never ends, so this keeps Silero's recurrent state across chunks and
runs a small state machine over its per-frame speech probabilities.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livemod.frames import SAMPLE_RATE, Audio, PcmChunk, SpeechSegment, ms_to_samples

log = logging.getLogger(__name__)

FRAME = 512  # Silero v6 at 16 kHz: 32 ms frames
CONTEXT = 64


@dataclass(frozen=True, slots=True)
class VadOptions:
    threshold: float = 0.5
    min_silence_ms: int = 500
    max_segment_ms: int = 15_000
    min_speech_ms: int = 250
    speech_pad_ms: int = 200


def silero_model_path() -> Path:
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


class SileroStream:
    """Silero VAD over a stream: feed any number of samples, get one probability per frame."""

    def __init__(self) -> None:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        path = silero_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"Silero VAD model not found at {path}; reinstall faster-whisper")
        self._session = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"], sess_options=opts
        )
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._rest = np.zeros(0, dtype=np.float32)

    def __call__(self, audio: Audio) -> Audio:
        buf = np.concatenate([self._rest, audio])
        n = len(buf) // FRAME
        self._rest = buf[n * FRAME :]
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        frames = buf[: n * FRAME].reshape(n, FRAME)
        # Each frame is preceded by the last 64 samples of the frame before it,
        # as Silero was trained; the first one by the tail of the previous call.
        prev = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT:]], axis=0)
        batch = np.concatenate([prev, frames], axis=1).astype(np.float32)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = frames[-1, -CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)


class Segmenter:
    """Cut a PCM stream into :class:`SpeechSegment` s at pauses.

    A segment ends at a pause of ``min_silence_ms``, or, in speech that never
    pauses, at the quietest frame of its last few seconds once it reaches
    ``max_segment_ms``. Times come from sample counts.
    """

    def __init__(
        self,
        room_id: str,
        options: VadOptions | None = None,
        *,
        vad: SileroStream | None = None,
        first_seq: int = 0,
    ) -> None:
        self.room_id = room_id
        self.opts = options or VadOptions()
        self._vad = vad or SileroStream()
        self._seq = first_seq
        self._buf = np.zeros(0, dtype=np.float32)  # audio kept since _buf_start
        self._buf_start = 0
        self._probs: list[float] = []  # per frame since _frames_start
        self._frames_start = 0  # sample of the first frame in _probs
        self._speech_start: int | None = None
        self._silence_frames = 0
        self._neg_threshold = max(self.opts.threshold - 0.15, 0.01)

    def push(self, chunk: PcmChunk) -> Iterator[SpeechSegment]:
        if not len(self._buf):
            self._buf_start = chunk.start_sample
            if not self._probs:
                self._frames_start = chunk.start_sample
        self._buf = np.concatenate([self._buf, chunk.audio])
        for p in self._vad(chunk.audio):
            yield from self._step(float(p))
        self._trim()

    def open_speech(self, window_ms: int) -> SpeechSegment | None:
        """The last ``window_ms`` of speech that has not ended yet, as an early window.

        It carries the seq the complete segment will have. None when nobody is speaking.
        """
        if self._speech_start is None:
            return None
        end = self._buf_start + len(self._buf)
        first = max(self._buf_start, self._speech_start - ms_to_samples(self.opts.speech_pad_ms))
        lo = max(first, end - ms_to_samples(window_ms))
        if end - lo < ms_to_samples(self.opts.min_speech_ms):
            return None
        audio = self._buf[lo - self._buf_start : end - self._buf_start].copy()
        return SpeechSegment(self.room_id, self._seq, lo, audio, early=True, clipped=lo > first)

    def open_speech_ms(self) -> int:
        """How long the current speech has gone on without a segment ending; 0 in silence."""
        if self._speech_start is None:
            return 0
        return (self._buf_start + len(self._buf) - self._speech_start) * 1000 // SAMPLE_RATE

    def flush(self) -> Iterator[SpeechSegment]:
        if self._speech_start is not None:
            end = self._frames_start + len(self._probs) * FRAME
            seg = self._emit(self._speech_start, end)
            if seg is not None:
                yield seg
        self._speech_start = None

    def _step(self, p: float) -> Iterator[SpeechSegment]:
        idx = len(self._probs)
        self._probs.append(p)
        frame_start = self._frames_start + idx * FRAME
        min_silence = ms_to_samples(self.opts.min_silence_ms) // FRAME
        if self._speech_start is None:
            if p >= self.opts.threshold:
                self._speech_start = frame_start
                self._silence_frames = 0
            return
        if p < self._neg_threshold:
            self._silence_frames += 1
        else:
            self._silence_frames = 0
        if self._silence_frames >= min_silence:
            end = frame_start + FRAME - self._silence_frames * FRAME
            seg = self._emit(self._speech_start, end)
            self._speech_start = None
            self._silence_frames = 0
            if seg is not None:
                yield seg
            return
        if frame_start + FRAME - self._speech_start >= ms_to_samples(self.opts.max_segment_ms):
            cut = self._quietest(self._speech_start, frame_start + FRAME)
            seg = self._emit(self._speech_start, cut, pad_end=False)
            self._speech_start = cut
            if seg is not None:
                yield seg

    def _quietest(self, start: int, end: int) -> int:
        """Where to cut speech that will not pause: the least speech-like frame of its last third."""
        lo = max(start + (end - start) * 2 // 3, start + FRAME)
        i0 = (lo - self._frames_start) // FRAME
        i1 = (end - self._frames_start) // FRAME
        window = self._probs[i0:i1]
        if not window:
            return end
        return self._frames_start + (i0 + int(np.argmin(window))) * FRAME

    def _emit(self, start: int, end: int, *, pad_end: bool = True) -> SpeechSegment | None:
        if end - start < ms_to_samples(self.opts.min_speech_ms):
            return None
        pad = ms_to_samples(self.opts.speech_pad_ms)
        lo = max(self._buf_start, start - pad)
        hi = min(self._buf_start + len(self._buf), end + (pad if pad_end else 0))
        audio = self._buf[lo - self._buf_start : hi - self._buf_start].copy()
        seg = SpeechSegment(self.room_id, self._seq, lo, audio)
        self._seq += 1
        log.debug("segment %d: %d-%d ms", seg.seq, seg.start_ms, seg.end_ms)
        return seg

    def _trim(self) -> None:
        # Keep audio from the open segment (or the last pad's worth) and drop the rest,
        # so memory stays bounded however long the stream runs.
        pad = ms_to_samples(self.opts.speech_pad_ms)
        keep_from = (
            self._speech_start - pad
            if self._speech_start is not None
            else self._buf_start + len(self._buf) - pad - FRAME
        )
        drop = max(0, keep_from - self._buf_start)
        if drop:
            self._buf = self._buf[drop:]
            self._buf_start += drop
        # Probabilities are only needed for the open segment's cut point.
        keep_frames_from = (
            self._speech_start
            if self._speech_start is not None
            else self._frames_start + len(self._probs) * FRAME
        )
        fdrop = max(0, (keep_frames_from - self._frames_start) // FRAME)
        if fdrop:
            del self._probs[:fdrop]
            self._frames_start += fdrop * FRAME


__all__ = ["SAMPLE_RATE", "Segmenter", "SileroStream", "VadOptions"]
