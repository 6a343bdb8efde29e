"""One live room inside a worker: source -> pipeline -> spool -> review server."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from livemod.asr import Transcriber
from livemod.classify import Classifier
from livemod.client import ReviewClient, ReviewError, ServerUnavailable
from livemod.config import Settings
from livemod.frames import Finding
from livemod.ingest import AudioSource, FfmpegSource, Gap, LiveSource, SourceError, VadOptions, is_network
from livemod.pipeline import LiveOptions, Pipeline
from livemod.worker._sink import ReviewSink
from livemod.worker._spool import Spool

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoomSpec:
    room_id: str
    source: str
    # Pace a file as if it were live (a rehearsal, the demo, the benchmarks).
    realtime: bool = False


@dataclass
class RoomResult:
    room_id: str
    status: str  # ended, error, stopped
    detail: str
    exit_code: int
    spooled: int


def vad_options(settings: Settings) -> VadOptions:
    return VadOptions(
        threshold=settings.vad_threshold,
        min_silence_ms=settings.min_silence_ms,
        max_segment_ms=settings.max_segment_ms,
        min_speech_ms=settings.min_speech_ms,
        speech_pad_ms=settings.speech_pad_ms,
    )


def live_options(settings: Settings) -> LiveOptions:
    return LiveOptions(
        early_step_ms=settings.early_step_ms,
        early_window_ms=settings.early_window_ms,
        stable_margin_ms=settings.stable_margin_ms,
        max_lag_ms=settings.max_lag_ms,
    )


class RoomRunner:
    """Runs one room to its end on the calling thread; :meth:`stop` ends it from any thread.

    Room status changes (live, reconnecting, ended, error) and stream gaps are
    sent to the server on a thread of their own, so a slow server never holds up
    the reading of the stream.
    """

    def __init__(
        self,
        spec: RoomSpec,
        settings: Settings,
        transcriber: Transcriber,
        classifier: Classifier,
        client: ReviewClient,
        *,
        on_delivered: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.client = client
        # Called with each finding as it is spooled (the live-latency benchmark listens here).
        self.on_finding: Callable[[Finding], None] | None = None
        self.spool = Spool(settings.spool_dir / spec.room_id)
        self.sink = ReviewSink(client, self.spool)
        if on_delivered is not None:
            self.sink.on_delivered = on_delivered
        self.pipeline = Pipeline(
            transcriber,
            classifier,
            room_id=spec.room_id,
            clips_dir=settings.clips_dir,
            clip_format=settings.clip_format,
            vad=vad_options(settings),
            context_ms=settings.context_ms,
            # A file read as fast as it decodes is not live: nothing to warn early
            # about, and "behind live" would mean everything past the first minute.
            live=live_options(settings) if spec.realtime or is_network(spec.source) else LiveOptions(),
        )
        self.pipeline.on_price = self.sink.submit_price
        self.source: AudioSource | None = None
        self.status = "starting"
        self.findings_by_category: dict[str, int] = {}
        self._stopped = threading.Event()
        self._updates = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"room-{spec.room_id}")

    @property
    def room_id(self) -> str:
        return self.spec.room_id

    def stop(self) -> None:
        self._stopped.set()
        self.pipeline.stop()
        if self.source is not None:
            self.source.close()

    def _make_source(self) -> AudioSource:
        s = self.settings
        if is_network(self.spec.source):
            live = LiveSource(
                self.spec.source,
                self.room_id,
                timeout_s=s.stream_timeout_s,
                connect_window_s=s.connect_window_s,
                reconnect_window_s=s.reconnect_window_s,
            )
            live.on_state = lambda st, detail: self._update(status=st, status_detail=detail)
            live.on_gap = self._gap
            return live
        return FfmpegSource(
            self.spec.source, self.room_id, realtime=self.spec.realtime, timeout_s=s.stream_timeout_s
        )

    def _gap(self, gap: Gap) -> None:
        assert isinstance(self.source, LiveSource)
        self._update(gaps=[asdict(g) for g in self.source.gaps])

    def _update(self, **fields: Any) -> None:
        if "status" in fields:
            self.status = fields["status"]

        def send() -> None:
            try:
                self.client.put_room(self.room_id, **fields)
            except (ReviewError, ServerUnavailable) as exc:
                log.warning("room %s: status not sent to the review server: %s", self.room_id, exc)

        with contextlib.suppress(RuntimeError):  # the executor is shut down when the room ends
            self._updates.submit(send)

    def run(self) -> RoomResult:
        if len(self.spool):
            log.info(
                "room %s: %d item(s) left from an earlier run are sent first", self.room_id, len(self.spool)
            )
        self.sink.start()
        try:
            self.source = self._make_source()
        except SourceError as exc:
            return self._finish("error", str(exc), 1)
        fields: dict[str, Any] = {"source": self.spec.source, "status_detail": ""}
        if not isinstance(self.source, LiveSource):  # a LiveSource says "live" once audio flows
            fields["status"] = "live"
        self._update(**fields)
        try:
            for f in self.pipeline.run(self.source):
                log.info(
                    "room %s: finding %s/%s at %d ms: %s",
                    self.room_id,
                    f.category,
                    f.subtype,
                    f.start_ms,
                    f.matched,
                )
                self.sink.submit(f)
                self.findings_by_category[f.category] = self.findings_by_category.get(f.category, 0) + 1
                if self.on_finding is not None:
                    self.on_finding(f)
                if self.sink.fatal is not None:
                    break
        except SourceError as exc:
            return self._finish("error", str(exc), 1)
        if self.sink.fatal is not None:
            return self._finish("error", str(self.sink.fatal), 2)
        if self._stopped.is_set():
            return self._finish("ended", "stopped by the worker", 0)
        return self._finish("ended", "", 0)

    def _finish(self, status: str, detail: str, code: int) -> RoomResult:
        left = self.sink.close(timeout_s=30)
        self._updates.shutdown(wait=True)
        self.status = status
        with contextlib.suppress(ReviewError, ServerUnavailable):
            self.client.put_room(self.room_id, status=status, status_detail=detail)
        if detail and code:
            log.error("room %s: %s", self.room_id, detail)
        return RoomResult(self.room_id, status, detail, code, left)
