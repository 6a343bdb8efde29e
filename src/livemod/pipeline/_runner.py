from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from livemod.asr import Transcriber
from livemod.classify import Classifier, Match
from livemod.frames import ContextLine, Finding, SpeechSegment, Transcript, ms_to_samples, samples_to_ms
from livemod.ingest import AudioSource, Segmenter, SourceError, VadOptions, clip_suffix, write_clip
from livemod.ledger import Contradiction, PriceClaim, PriceLedger
from livemod.vocab import FindingSource

log = logging.getLogger(__name__)


@dataclass
class PipelineStats:
    audio_ms: int = 0
    segments: int = 0
    transcripts: int = 0
    findings: int = 0
    early_windows: int = 0
    early_windows_skipped: int = 0
    early_findings: int = 0
    skipped_ms: int = 0


# What the ingest thread hands the decoding one: a complete segment or an early
# window (both a SpeechSegment, told apart by ``early``), then one _Ended.
@dataclass(frozen=True, slots=True)
class _Ended:
    """The source is done; ``error`` is why it stopped early (raised after what came before it)."""

    error: BaseException | None = None


_Item = SpeechSegment | _Ended


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """How a room keeps up with live speech.

    Long speech is decoded early in overlapping windows (every ``early_step_ms``
    of new speech, the last ``early_window_ms`` of it) and a finding is sent as
    soon as its words end ``stable_margin_ms`` before the window does; the
    complete segment later adds only what the windows did not already report.
    ``early_step_ms=0`` turns this off (scanning a file does not need it).

    Falling behind: windows are skipped first, whenever the queue holds a
    complete segment (its decode supersedes them). A room whose unprocessed
    audio exceeds ``max_lag_ms`` drops its oldest segments, each logged with its
    stream times and counted in ``PipelineStats.skipped_ms``, because a warning
    minutes late is useless live; the recording can be scanned afterwards.
    """

    early_step_ms: int = 0
    early_window_ms: int = 6_000
    early_min_ms: int = 1_500
    stable_margin_ms: int = 500
    max_lag_ms: int = 0  # 0: never drop (files)
    # Phrases starting this close to the start of a window that cut into
    # speech wait: the words before them (a guard such as "平台有" before 价保)
    # fell outside it. An earlier window or the complete segment heard them whole.
    clipped_edge_ms: int = 1_000
    # How far apart a window's and the complete segment's timestamps for the
    # same words may be. 1.5 s used to hide a second claim said just after one
    # already sent; 500 ms gave no duplicates in bench/live_latency.py.
    dedupe_slack_ms: int = 500


class EarlyWindows:
    """The bookkeeping of early decoding for one room, shared by its two threads.

    - Complete segments queued and not yet decoded: while one waits, no window
      is offered, because a window decoded after it warns no sooner (and the
      wait is the room's lag).
    - At most one window queued at a time.
    - What windows already reported, so that the complete segment adds only
      what they missed; settled once that segment is judged.
    """

    def __init__(self, live: LiveOptions, stats: PipelineStats) -> None:
        self.live = live
        self.stats = stats
        self._waiting: deque[int] = deque()  # stream end (ms) of each queued complete segment
        self._lock = threading.Lock()
        self._window_queued = threading.Event()
        self._sent: list[tuple[str, str, int, int]] = []  # (category, subtype, start_ms, end_ms)

    # The ingest thread's side.
    def segment_queued(self, seg: SpeechSegment) -> None:
        with self._lock:
            self._waiting.append(seg.end_ms)

    def may_offer(self) -> bool:
        """Whether a new window may be queued now; counts the ones given up."""
        with self._lock:
            behind = bool(self._waiting)
        if behind or self._window_queued.is_set():
            self.stats.early_windows_skipped += 1
            return False
        return True

    def window_queued(self) -> None:
        self._window_queued.set()

    # The decoding thread's side.
    def segment_taken(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft()

    def window_taken(self) -> None:
        self._window_queued.clear()

    def oldest_waiting_ms(self) -> int | None:
        with self._lock:
            return self._waiting[0] if self._waiting else None

    def sent(self, findings: list[Finding]) -> None:
        self._sent += [(f.category, f.subtype, f.start_ms, f.end_ms) for f in findings]

    def already_sent(self, category: str, subtype: str, start_ms: int, end_ms: int) -> bool:
        slack = self.live.dedupe_slack_ms
        return any(
            c == category and s == subtype and start_ms <= e + slack and end_ms >= b - slack
            for c, s, b, e in self._sent
        )

    def settle(self, upto_ms: int) -> None:
        """The complete segment up to ``upto_ms`` is judged: its windows' findings are settled."""
        self._sent = [x for x in self._sent if x[3] > upto_ms]


class StreamClock:
    """Maps stream time to the wall clock at which that audio reached us."""

    def __init__(self, keep: int = 20_000) -> None:
        self._samples: deque[int] = deque(maxlen=keep)
        self._walls: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def mark(self, end_sample: int, wall: float) -> None:
        with self._lock:
            self._samples.append(end_sample)
            self._walls.append(wall)

    def wall_at(self, ms: int) -> float | None:
        sample = ms_to_samples(ms)
        with self._lock:
            if not self._samples:
                return None
            # Marks arrive in stream order, so the deque is sorted already.
            i = bisect.bisect_left(self._samples, sample)
            return self._walls[min(i, len(self._samples) - 1)]


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
        live: LiveOptions | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.classifier = classifier
        self.room_id = room_id
        self.clips_dir = clips_dir
        self.clip_format = clip_format
        self.vad = vad or VadOptions()
        self.context_ms = context_ms
        self.stats = PipelineStats()
        self.live = live or LiveOptions()
        self.clock = StreamClock()
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=queue_size)
        self.early = EarlyWindows(self.live, self.stats)
        self._recent: deque[Transcript] = deque()
        self._stop = threading.Event()
        self.ledger = PriceLedger(room_id)
        # Called with every price claim the ledger records (the worker posts them).
        self.on_price: Callable[[PriceClaim], None] | None = None
        # Called with every final transcript (eval uses it to show what Whisper heard).
        self.on_transcript: Callable[[Transcript], None] | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def lag_ms(self) -> int:
        """How long the oldest complete segment has waited for ASR, in stream ms (0: keeping up)."""
        oldest = self.early.oldest_waiting_ms()
        return max(0, self.stats.audio_ms - oldest) if oldest is not None else 0

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    def run(self, source: AudioSource, on_progress: Callable[[int], None] | None = None) -> Iterator[Finding]:
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
                item = self._next()
                if item is None:
                    continue
                if isinstance(item, _Ended):
                    error = item.error
                    break
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

    def _read(self, source: AudioSource, on_progress: Callable[[int], None] | None) -> None:
        segmenter = Segmenter(self.room_id, self.vad)
        step = self.live.early_step_ms
        last_window = 0  # open-speech length at the last window
        ended = _Ended()
        try:
            for chunk in source.chunks():
                if self._stop.is_set():
                    break
                self.clock.mark(chunk.end_sample, time.time())
                self.stats.audio_ms = samples_to_ms(chunk.end_sample)
                for seg in segmenter.push(chunk):
                    self._enqueue(seg)
                    last_window = 0
                if step:
                    open_ms = segmenter.open_speech_ms()
                    if open_ms < last_window:
                        last_window = 0
                    if open_ms >= self.live.early_min_ms and open_ms - last_window >= step:
                        last_window = open_ms
                        self._offer_window(segmenter)
                if on_progress:
                    on_progress(self.stats.audio_ms)
            for seg in segmenter.flush():
                self._enqueue(seg)
        except SourceError as exc:
            for seg in segmenter.flush():
                self._enqueue(seg)
            ended = _Ended(exc)
        except Exception as exc:  # surfaced on the consuming thread, not lost in this one
            log.exception("ingest failed")
            ended = _Ended(exc)
        self._queue.put(ended)

    def _enqueue(self, seg: SpeechSegment) -> None:
        self.early.segment_queued(seg)
        self._queue.put(seg)

    def _offer_window(self, segmenter: Segmenter) -> None:
        if not self.early.may_offer():
            return
        window = segmenter.open_speech(self.live.early_window_ms)
        if window is None:
            return
        self.early.window_queued()
        self._queue.put(window)

    def _next(self) -> _Item | None:
        """The next item to decode; None for a complete segment dropped as too far behind live."""
        item = self._queue.get()
        if isinstance(item, SpeechSegment) and not item.early:
            self.early.segment_taken()
            limit = self.live.max_lag_ms
            if limit and self.stats.audio_ms - item.end_ms > limit:
                self.stats.skipped_ms += item.duration_ms
                log.warning(
                    "room %s: ASR is %.0f s behind live (limit %.0f s); skipped %d-%d ms unheard",
                    self.room_id,
                    (self.stats.audio_ms - item.end_ms) / 1000,
                    limit / 1000,
                    item.start_ms,
                    item.end_ms,
                )
                return None
        return item

    def process(self, segment: SpeechSegment) -> list[Finding]:
        if segment.early:
            self.early.window_taken()
            return self._process_window(segment)
        self.stats.segments += 1
        transcript = self.transcriber.transcribe(segment)
        if transcript is None:
            self.early.settle(segment.end_ms)
            return []
        self.stats.transcripts += 1
        log.info(
            "room %s %s-%s ms: %s", self.room_id, transcript.start_ms, transcript.end_ms, transcript.text
        )
        if self.on_transcript is not None:
            self.on_transcript(transcript)
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
        matches = [u for m in matches if (u := self._unsent(m, transcript)) is not None]
        spans = [transcript.span_ms(m.start, m.end) for m in matches]
        self.early.settle(segment.end_ms)
        if not matches and not contradictions:
            return []
        clip = self._clip(segment)
        findings = [self._ledger_finding(c, transcript, clip, segment, context) for c in contradictions]
        findings += self._findings(matches, spans, transcript, segment, context, clip)
        self.stats.findings += len(findings)
        return findings

    def _findings(
        self,
        matches: list[Match],
        spans: list[tuple[int, int]],
        transcript: Transcript,
        segment: SpeechSegment,
        context: tuple[ContextLine, ...],
        clip: str | None,
    ) -> list[Finding]:
        findings = []
        for m, (start_ms, end_ms) in zip(matches, spans, strict=True):
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
                    heard_at=self.clock.wall_at(end_ms),
                )
            )
        return findings

    def _process_window(self, window: SpeechSegment) -> list[Finding]:
        """Findings whose words are complete in a window of speech still going on."""
        self.stats.early_windows += 1
        transcript = self.transcriber.transcribe(window)
        if transcript is None:
            return []
        matches = self.classifier.classify(transcript.text)
        stable_end = window.end_ms - self.live.stable_margin_ms
        heard_from = window.start_ms + self.live.clipped_edge_ms if window.clipped else None
        picked: list[Match] = []
        spans: list[tuple[int, int]] = []
        for m in matches:
            # Words at the window's end may still change as the anchor goes on;
            # they are judged by the next window or the complete segment.
            u = self._unsent(m, transcript, stable_until_ms=stable_end, heard_from_ms=heard_from)
            if u is None:
                continue
            picked.append(u)
            spans.append(transcript.span_ms(u.start, u.end))
        if not picked:
            return []
        log.info(
            "room %s %s-%s ms (early): %s", self.room_id, window.start_ms, window.end_ms, transcript.text
        )
        clip = self._clip(window)
        findings = self._findings(picked, spans, transcript, window, self._context_before(transcript), clip)
        self.early.sent(findings)
        self.stats.findings += len(findings)
        self.stats.early_findings += len(findings)
        return findings

    def _unsent(
        self,
        m: Match,
        t: Transcript,
        stable_until_ms: int | None = None,
        heard_from_ms: int | None = None,
    ) -> Match | None:
        """What of ``m`` has not been sent from a window yet: the match itself, the
        phrases of it that are new (a merged match can hold a phrase the windows
        missed beside one they sent), or None. In a window, phrases ending after
        ``stable_until_ms`` or starting before ``heard_from_ms`` wait too."""
        parts = m.parts or ((m.start, m.end),)
        left = []
        for p in parts:
            b, e = t.span_ms(*p)
            if stable_until_ms is not None and e > stable_until_ms:
                continue
            if heard_from_ms is not None and b < heard_from_ms:
                continue
            if not self.early.already_sent(m.category, m.subtype, b, e):
                left.append(p)
        if not left:
            return None
        if len(left) == len(parts):
            return m
        matched = " … ".join(t.text[b:e] for b, e in left)
        return replace(m, start=left[0][0], end=left[-1][1], matched=matched, parts=tuple(left))

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
            source=FindingSource.LEDGER,
            score=1.0,
            segment_start_ms=segment.start_ms if segment else claim.start_ms,
            segment_end_ms=segment.end_ms if segment else claim.end_ms,
            context=context,
            clip_path=clip,
            related=related,
            heard_at=self.clock.wall_at(end_ms),
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
