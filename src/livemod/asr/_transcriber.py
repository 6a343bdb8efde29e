"""faster-whisper over :class:`SpeechSegment` s.

The public :meth:`Transcriber.transcribe` adds what every caller needs around
the private model call: Simplified Chinese, stream-time word timestamps, and
dropping segments that are silence, music or a known hallucination.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livemod.asr._hallucination import is_hallucination
from livemod.asr._model import resolve_model
from livemod.config import default_cache_dir
from livemod.frames import SpeechSegment, Transcript, Word
from livemod.text import to_simplified

log = logging.getLogger(__name__)


def cuda_available() -> bool:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count()) > 0
    except Exception:  # no CUDA runtime at all is the common case on CPU machines
        return False


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    model: str = "base"
    cache_dir: Path = field(default_factory=default_cache_dir)
    device: str = "auto"
    compute_type: str = "auto"
    cpu_threads: int = 0
    language: str = "zh"
    beam_size: int = 1
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    # No prompt by default: a Simplified-Chinese prompt made Whisper base about
    # four times slower on the fixtures (34.8 s vs 8.9 s) through extra fallback
    # decodes; OpenCC turns Traditional output into Simplified instead.
    initial_prompt: str | None = None
    hotwords: str | None = None
    # Whisper's encoder always sees 30 s, padded with silence; for a 5 s early
    # window that is most of the cost. Early windows are encoded
    # with this much context instead (never less than the window plus 1 s):
    # 10 s cut a window's decode from 0.58 to 0.32 s on 2 CPU cores with the
    # same detections (docs/benchmarks.md). 0 keeps the full 30 s.
    early_context_ms: int = 10_000
    # The same for complete segments, the transcript of record: off (30 s) by
    # default. 10 s scanned the audio fixtures 2.2x faster at the same macro F1
    # (0.867 vs 0.876 and 0.799 vs 0.792, within a line or two).
    segment_context_ms: int = 0


@dataclass
class AsrStats:
    segments: int = 0
    dropped: int = 0
    audio_ms: int = 0
    busy_s: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.busy_s / (self.audio_ms / 1000) if self.audio_ms else 0.0


_FRAMES_PER_S = 100  # Whisper's log-mel: one frame per 10 ms
_FULL_FRAMES = 3000


@functools.cache
def _whisper_class() -> type[Any]:
    """faster-whisper's model with a settable encoder context (imported on first use)."""
    from faster_whisper import WhisperModel

    class ContextWhisperModel(WhisperModel):  # type: ignore[misc]
        # Set under the transcriber's lock for one call; None: the full 30 s.
        context_frames: int | None = None

        def encode(self, features: Any) -> Any:
            # faster-whisper pads every chunk's features to 30 s; CTranslate2's
            # encoder takes any length up to that, and its cost grows with it.
            if self.context_frames is not None:
                features = features[..., : self.context_frames]
            return super().encode(features)

    return ContextWhisperModel


def context_frames(duration_ms: int, context_ms: int) -> int | None:
    """Encoder frames for a window of ``duration_ms``; None for the full 30 s."""
    if context_ms <= 0:
        return None
    frames = max(context_ms, duration_ms + 1_000) * _FRAMES_PER_S // 1000
    return frames if frames < _FULL_FRAMES else None


class Transcriber:
    def __init__(self, options: TranscriberOptions | None = None) -> None:
        self.opts = options or TranscriberOptions()
        self.stats = AsrStats()
        self._lock = threading.Lock()  # one CTranslate2 model, many rooms: serialise calls
        self._model: Any = None
        self.device = self.opts.device
        if self.device == "auto":
            self.device = "cuda" if cuda_available() else "cpu"
        self.compute_type = self.opts.compute_type
        if self.compute_type == "auto":
            self.compute_type = "float16" if self.device == "cuda" else "int8"

    def load(self) -> None:
        if self._model is not None:
            return
        path = resolve_model(self.opts.model, self.opts.cache_dir)
        threads = self.opts.cpu_threads or (os.cpu_count() or 1)
        t0 = time.perf_counter()
        self._model = _whisper_class()(
            path, device=self.device, compute_type=self.compute_type, cpu_threads=threads
        )
        log.info(
            "loaded Whisper %s on %s (%s) in %.1f s",
            self.opts.model,
            self.device,
            self.compute_type,
            time.perf_counter() - t0,
        )

    def transcribe(self, segment: SpeechSegment) -> Transcript | None:
        """The segment's transcript, or None when it holds no usable speech."""
        self.load()
        t0 = time.perf_counter()
        context_ms = self.opts.early_context_ms if segment.early else self.opts.segment_context_ms
        frames = context_frames(segment.duration_ms, context_ms)
        with self._lock:
            self._model.context_frames = frames
            try:
                raw = self._decode(segment)
            finally:
                self._model.context_frames = None
        self.stats.busy_s += time.perf_counter() - t0
        self.stats.audio_ms += segment.duration_ms
        self.stats.segments += 1
        if raw is None:
            self.stats.dropped += 1
        return raw

    def _decode(self, segment: SpeechSegment) -> Transcript | None:
        language = None if self.opts.language == "auto" else self.opts.language
        segments, info = self._model.transcribe(
            segment.audio,
            language=language,
            task="transcribe",
            beam_size=self.opts.beam_size,
            word_timestamps=True,
            vad_filter=False,  # our own VAD already cut the speech
            condition_on_previous_text=False,
            initial_prompt=self.opts.initial_prompt,
            hotwords=self.opts.hotwords,
            # Bounded fallback: one retry at a higher temperature, never a long
            # chain of re-decodes of a repetitive window.
            temperature=(0.0, 0.4),
            compression_ratio_threshold=self.opts.compression_ratio_threshold,
            log_prob_threshold=self.opts.log_prob_threshold,
            no_speech_threshold=self.opts.no_speech_threshold,
            without_timestamps=False,
        )
        words: list[Word] = []
        nsp: list[float] = []
        lps: list[float] = []
        # faster-whisper itself drops a segment whose no-speech probability and
        # log-prob both say silence (the two thresholds above); a repetitive one
        # it only retries hotter, so that is dropped here.
        for s in segments:
            if s.compression_ratio > self.opts.compression_ratio_threshold:
                log.debug("room %s seg %d: dropped as repetitive: %r", segment.room_id, segment.seq, s.text)
                continue
            if is_hallucination(s.text):
                log.info(
                    "room %s seg %d: dropped a Whisper hallucination: %r",
                    segment.room_id,
                    segment.seq,
                    s.text,
                )
                continue
            nsp.append(s.no_speech_prob)
            lps.append(s.avg_logprob)
            for w in s.words or ():
                text = to_simplified(w.word)
                if not text:
                    continue
                start = segment.start_ms + round(w.start * 1000)
                end = segment.start_ms + round(w.end * 1000)
                words.append(Word(text, start, max(start, end), float(w.probability)))
        if not words:
            return None
        text = "".join(w.text for w in words)
        if is_hallucination(text):
            return None
        return Transcript(
            room_id=segment.room_id,
            seq=segment.seq,
            start_ms=segment.start_ms,
            end_ms=segment.end_ms,
            text=text,
            words=tuple(words),
            language=str(info.language),
            no_speech_prob=max(nsp),
            avg_logprob=sum(lps) / len(lps),
        )
