from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from livemod.asr import Transcriber
from livemod.classify import Classifier
from livemod.frames import ContextLine, Finding, SpeechSegment, Transcript, samples_to_ms
from livemod.ingest import FfmpegSource, Segmenter, SourceError, VadOptions, write_clip
from livemod.ingest._clips import clip_suffix
from livemod.ledger import Contradiction, PriceClaim, PriceLedger

log = logging.getLogger(__name__)

_END = object()


@dataclass
class PipelineStats:
    audio_ms: int = 0
    segments: int = 0
    transcripts: int = 0
    findings: int = 0


class Pipeline:
    """Run one room: decode, segment, transcribe, classify, and keep evidence clips.

    Decoding and segmentation run on their own thread so that a slow model never
    stops the reading of a live stream; segments wait in a bounded queue.
    """

    def __init__(
        self,
        transcriber: Transcriber,
        classifier: Classifier,
        *,
        room_id: str,
        clips_dir: Path | None,
        clip_format: str = "opus",
        vad: VadOptions | None = None,
        context_ms: int = 20_000,
        queue_size: int = 256,
    ) -> None:
        self.transcriber = transcriber
        self.classifier = classifier
        self.room_id = room_id
        self.clips_dir = clips_dir
        self.clip_format = clip_format
        self.vad = vad or VadOptions()
        self.context_ms = context_ms
        self.stats = PipelineStats()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._recent: deque[Transcript] = deque()
        self._stop = threading.Event()
        self.ledger = PriceLedger(room_id)
        # Called with every price claim the ledger records (the worker posts them).
        self.on_price: Callable[[PriceClaim], None] | None = None

    def stop(self) -> None:
        self._stop.set()

    def run(
        self, source: FfmpegSource, on_progress: Callable[[int], None] | None = None
    ) -> Iterator[Finding]:
        """Yield findings as they are found. A source error is raised only after every
        segment decoded before it has been processed, so nothing found is lost."""
        self.transcriber.load()
        reader = threading.Thread(
            target=self._read, args=(source, on_progress), name=f"ingest-{self.room_id}", daemon=True
        )
        reader.start()
        error: BaseException | None = None
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    error = item
                    break
                assert isinstance(item, SpeechSegment)
                yield from self.process(item)
            # The session is over (or its source failed): prices whose
            # conditions were never said are reported now.
            for c in self.ledger.close():
                self.stats.findings += 1
                yield self._ledger_finding(c, None, None)
            if error is not None:
                raise error
        finally:
            self._stop.set()
            source.close()
            reader.join(timeout=5)

    def _read(self, source: FfmpegSource, on_progress: Callable[[int], None] | None) -> None:
        segmenter = Segmenter(self.room_id, self.vad)
        try:
            for chunk in source.chunks():
                if self._stop.is_set():
                    break
                self.stats.audio_ms = samples_to_ms(chunk.end_sample)
                for seg in segmenter.push(chunk):
                    self._queue.put(seg)
                if on_progress:
                    on_progress(self.stats.audio_ms)
            for seg in segmenter.flush():
                self._queue.put(seg)
        except SourceError as exc:
            for seg in segmenter.flush():
                self._queue.put(seg)
            self._queue.put(exc)
        except Exception as exc:  # surfaced on the consuming thread, not lost in this one
            log.exception("ingest failed")
            self._queue.put(exc)
        self._queue.put(_END)

    def process(self, segment: SpeechSegment) -> list[Finding]:
        self.stats.segments += 1
        transcript = self.transcriber.transcribe(segment)
        if transcript is None:
            return []
        self.stats.transcripts += 1
        log.info(
            "room %s %s-%s ms: %s", self.room_id, transcript.start_ms, transcript.end_ms, transcript.text
        )
        context = self._context_before(transcript)
        self._remember(transcript)
        matches = self.classifier.classify(transcript.text)
        claims, contradictions = self.ledger.observe(
            segment.seq,
            transcript.start_ms,
            transcript.end_ms,
            transcript.text,
            already_flagged=frozenset(m.subtype for m in matches),
        )
        for claim in claims:
            if self.on_price is not None:
                self.on_price(claim)
        if not matches and not contradictions:
            return []
        clip = self._clip(segment)
        findings = [self._ledger_finding(c, transcript, clip, segment, context) for c in contradictions]
        for m in matches:
            start_ms, end_ms = transcript.span_ms(m.start, m.end)
            findings.append(
                Finding(
                    id=uuid.uuid4().hex,
                    room_id=self.room_id,
                    seq=segment.seq,
                    start_ms=start_ms,
                    end_ms=end_ms,
                    category=m.category,
                    subtype=m.subtype,
                    severity=m.severity,
                    text=transcript.text,
                    span=(m.start, m.end),
                    matched=m.matched,
                    legal_basis=m.legal_basis,
                    rule=m.rule,
                    suggestion=m.suggestion,
                    source=m.source,
                    score=m.score,
                    segment_start_ms=segment.start_ms,
                    segment_end_ms=segment.end_ms,
                    context=context,
                    clip_path=clip,
                    model=m.model,
                    model_score=m.model_score,
                )
            )
        self.stats.findings += len(findings)
        return findings

    def _ledger_finding(
        self,
        c: Contradiction,
        transcript: Transcript | None,
        clip: str | None,
        segment: SpeechSegment | None = None,
        context: tuple[ContextLine, ...] = (),
    ) -> Finding:
        sub = self.classifier.policy.subtype("unclear_pricing", c.subtype)
        claim = c.claim
        if transcript is not None and transcript.text == claim.text:
            start_ms, end_ms = transcript.span_ms(*claim.span)
        else:
            start_ms, end_ms = claim.start_ms, claim.end_ms
        e = c.earlier
        related = (ContextLine(e.start_ms, e.end_ms, e.text),) if e is not None else ()
        return Finding(
            id=uuid.uuid4().hex,
            room_id=self.room_id,
            seq=claim.seq,
            start_ms=start_ms,
            end_ms=end_ms,
            category="unclear_pricing",
            subtype=c.subtype,
            severity=sub.severity,
            text=claim.text,
            span=claim.span,
            matched=c.explanation,
            legal_basis=sub.legal_basis,
            rule=c.rule,
            suggestion=sub.suggestion,
            source="ledger",
            score=1.0,
            segment_start_ms=segment.start_ms if segment else claim.start_ms,
            segment_end_ms=segment.end_ms if segment else claim.end_ms,
            context=context,
            clip_path=clip,
            related=related,
        )

    def _context_before(self, t: Transcript) -> tuple[ContextLine, ...]:
        lo = t.start_ms - self.context_ms
        return tuple(ContextLine(x.start_ms, x.end_ms, x.text) for x in self._recent if x.end_ms >= lo)

    def _remember(self, t: Transcript) -> None:
        self._recent.append(t)
        while self._recent and self._recent[0].end_ms < t.end_ms - self.context_ms:
            self._recent.popleft()

    def _clip(self, segment: SpeechSegment) -> str | None:
        if self.clips_dir is None:
            return None
        name = f"{segment.start_ms:010d}-{segment.seq}-{uuid.uuid4().hex[:8]}{clip_suffix(self.clip_format)}"
        try:
            return str(write_clip(segment.audio, self.clips_dir / self.room_id / name, self.clip_format))
        except SourceError as exc:
            log.error("room %s: evidence clip not written: %s", self.room_id, exc)
            return None
