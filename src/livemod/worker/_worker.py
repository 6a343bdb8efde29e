"""Many live rooms in one process over one shared Whisper model and one classifier."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from livemod.asr import Transcriber, TranscriberOptions
from livemod.classify import Classifier
from livemod.client import ReviewClient, ServerUnavailable
from livemod.config import Settings
from livemod.worker._room import RoomResult, RoomRunner, RoomSpec

log = logging.getLogger(__name__)


def transcriber_for(settings: Settings) -> Transcriber:
    return Transcriber(
        TranscriberOptions(
            model=settings.model,
            cache_dir=settings.cache_dir,
            device=settings.device,
            compute_type=settings.compute_type,
            cpu_threads=settings.cpu_threads,
            language=settings.language,
            beam_size=settings.beam_size,
            no_speech_threshold=settings.no_speech_threshold,
            log_prob_threshold=settings.log_prob_threshold,
            compression_ratio_threshold=settings.compression_ratio_threshold,
            initial_prompt=settings.asr_prompt or None,
            hotwords=settings.asr_hotwords or None,
            early_context_ms=settings.early_context_ms,
            segment_context_ms=settings.segment_context_ms,
        )
    )


class Worker:
    """Runs rooms on threads of their own; Whisper and the classifier are shared.

    The one Whisper model serves the rooms in turn (its calls are serialised),
    so rooms compete for ASR time: each room's lag (``Pipeline.lag_ms``) is
    exported, and a room past ``max_lag_ms`` sheds its oldest speech (see
    :class:`livemod.pipeline.LiveOptions`) instead of falling further behind.
    """

    def __init__(
        self,
        settings: Settings,
        server: str,
        token: str,
        rooms: Sequence[RoomSpec],
        *,
        classifier: Classifier,
        transcriber: Transcriber | None = None,
        on_delivered: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        if not rooms:
            raise ValueError("a worker needs at least one room")
        ids = [r.room_id for r in rooms]
        if len(set(ids)) != len(ids):
            raise ValueError(f"room ids must be unique, got {ids}")
        self.settings = settings
        self.transcriber = transcriber or transcriber_for(settings)
        self.classifier = classifier
        self.client = ReviewClient(server, token, retries=settings.post_retries)
        self.runners = [
            RoomRunner(spec, settings, self.transcriber, classifier, self.client, on_delivered=on_delivered)
            for spec in rooms
        ]
        self.results: dict[str, RoomResult] = {}
        self._stopping = threading.Event()

    def stop(self) -> None:
        """End every room: stop reading, finish what was heard, deliver the spool, mark rooms ended."""
        if not self._stopping.is_set():
            log.info("stopping %d room(s)", len(self.runners))
        self._stopping.set()
        for r in self.runners:
            r.stop()

    def preflight(self) -> None:
        """Register the rooms; a refused token fails here, before any stream is opened.

        A server that is down is no reason to wait: findings are spooled until it is back.
        """
        for r in self.runners:
            try:
                self.client.put_room(r.room_id, status="idle", source=r.spec.source)
            except ServerUnavailable as exc:
                log.warning("review server not reachable yet (%s); findings are spooled until it is", exc)
                return

    def run(self) -> list[RoomResult]:
        self.transcriber.load()
        threads = []
        for runner in self.runners:
            t = threading.Thread(
                target=self._run_room, args=(runner,), name=f"room-{runner.room_id}", daemon=True
            )
            t.start()
            threads.append(t)
        log.info("worker running %d room(s) on one %s model", len(self.runners), self.settings.model)
        for t in threads:
            t.join()
        self.client.close()
        return [self.results[r.room_id] for r in self.runners]

    def _run_room(self, runner: RoomRunner) -> None:
        try:
            self.results[runner.room_id] = runner.run()
        except Exception as exc:  # one broken room must not take the others down
            log.exception("room %s failed", runner.room_id)
            self.results[runner.room_id] = RoomResult(runner.room_id, "error", str(exc), 1, len(runner.spool))

    def exit_code(self) -> int:
        codes = [r.exit_code for r in self.results.values()]
        return max(codes, default=0)


def parse_room_specs(values: Iterable[str], realtime: bool = False) -> Iterator[RoomSpec]:
    """``ROOM=URL`` pairs (a file's lines may also be ``ROOM URL``); # starts a comment."""
    for raw in values:
        # A comment starts at a "#" that begins a word; a URL's #fragment stays.
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if "=" in line.split()[0]:
            room, _, source = line.partition("=")
        else:
            room, _, source = line.partition(" ")
        room, source = room.strip(), source.strip()
        if not room or not source:
            raise ValueError(f"a room is ROOM=URL (or 'ROOM URL' in a file), got {raw!r}")
        yield RoomSpec(room, source, realtime)
