"""The contracts between pipeline stages.

Time is always integer milliseconds from the start of the stream, derived from
the number of samples decoded, never from the wall clock: a stream paced by the
network and the same recording read from disk give the same time codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from livemod.vocab import FindingSource

SAMPLE_RATE = 16_000

Audio = npt.NDArray[np.float32]


def samples_to_ms(samples: int, rate: int = SAMPLE_RATE) -> int:
    return samples * 1000 // rate


def ms_to_samples(ms: int, rate: int = SAMPLE_RATE) -> int:
    return ms * rate // 1000


@dataclass(frozen=True, slots=True)
class PcmChunk:
    """Decoded mono float32 audio at 16 kHz, as it arrived from ffmpeg."""

    room_id: str
    start_sample: int
    audio: Audio

    @property
    def start_ms(self) -> int:
        return samples_to_ms(self.start_sample)

    @property
    def end_sample(self) -> int:
        return self.start_sample + len(self.audio)


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """One stretch of speech cut by the VAD, at most about ``max_segment_ms`` long."""

    room_id: str
    seq: int
    start_sample: int
    audio: Audio
    # A window of speech that is still going on, decoded early for a live
    # warning; the complete segment with the same seq follows later.
    early: bool = False
    # A window that begins after its speech did: its first words are heard
    # without what was said before them (a "不是" or "平台有" that excuses them).
    clipped: bool = False

    @property
    def start_ms(self) -> int:
        return samples_to_ms(self.start_sample)

    @property
    def end_ms(self) -> int:
        return samples_to_ms(self.start_sample + len(self.audio))

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start_ms: int
    end_ms: int
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Transcript:
    """What the anchor said in one segment, in Simplified Chinese.

    ``text`` is exactly the concatenation of the words' texts, so a character
    offset into it maps back to the words (and their times) that hold it.
    """

    room_id: str
    seq: int
    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    language: str = "zh"
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0

    def span_ms(self, start: int, end: int) -> tuple[int, int]:
        """Stream time covered by characters ``text[start:end]``."""
        if not self.words:
            return self.start_ms, self.end_ms
        pos = 0
        first: Word | None = None
        last: Word | None = None
        for word in self.words:
            w_end = pos + len(word.text)
            if w_end > start and pos < end:
                first = first or word
                last = word
            pos = w_end
        if first is None or last is None:
            return self.start_ms, self.end_ms
        return first.start_ms, max(last.end_ms, first.start_ms)


@dataclass(frozen=True, slots=True)
class ContextLine:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A suspected violation in one utterance, ready for the review queue."""

    id: str
    room_id: str
    seq: int
    start_ms: int
    end_ms: int
    category: str
    subtype: str
    severity: str
    text: str
    span: tuple[int, int]
    matched: str
    legal_basis: str
    rule: str
    suggestion: str = ""
    source: FindingSource = FindingSource.RULES
    score: float = 1.0
    segment_start_ms: int = 0
    segment_end_ms: int = 0
    context: tuple[ContextLine, ...] = field(default_factory=tuple)
    clip_path: str | None = None
    model: str | None = None
    model_score: float | None = None
    # Other moments of the session this finding rests on (the price ledger's
    # contradictions point at both the earlier claim and this one).
    related: tuple[ContextLine, ...] = field(default_factory=tuple)
    # Wall clock (Unix seconds) when the worker received the audio at end_ms:
    # metadata for measuring live latency, never used as stream time.
    heard_at: float | None = None

    def to_dict(self) -> dict[str, object]:
        """The finding as the review API's ``FindingCreate`` (and ``scan --json``) spell it."""
        return {
            "id": self.id,
            "room_id": self.room_id,
            "seq": self.seq,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "category": self.category,
            "subtype": self.subtype,
            "severity": self.severity,
            "text": self.text,
            "span": list(self.span),
            "matched": self.matched,
            "legal_basis": self.legal_basis,
            "rule": self.rule,
            "suggestion": self.suggestion,
            "source": self.source,
            "score": self.score,
            "segment_start_ms": self.segment_start_ms,
            "segment_end_ms": self.segment_end_ms,
            "context": [{"start_ms": c.start_ms, "end_ms": c.end_ms, "text": c.text} for c in self.context],
            "model": self.model,
            "model_score": self.model_score,
            "related": [{"start_ms": c.start_ms, "end_ms": c.end_ms, "text": c.text} for c in self.related],
            "spoken_at": (
                datetime.fromtimestamp(self.heard_at, UTC).isoformat() if self.heard_at is not None else None
            ),
        }
