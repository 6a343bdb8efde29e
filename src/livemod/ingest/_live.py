"""A network stream that survives drops: ffmpeg restarted with backoff, stream time kept.

Live rooms stall and come back (the anchor's uplink, a CDN edge, a server
restart). RTMP and HTTP-FLV readers cannot tell "the anchor stopped" from "the
connection fell over", so both are treated alike: reconnect with backoff; if
the stream is back within ``reconnect_window_s`` the room goes on, and stream
time continues from the last decoded sample (findings keep their time codes)
while the outage is recorded as a :class:`Gap`. If it does not come back, the
stream has ended and :meth:`LiveSource.chunks` returns normally. A source that
never delivers any audio within ``connect_window_s`` raises :class:`SourceError`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from livemod.frames import PcmChunk, samples_to_ms
from livemod.ingest._ffmpeg import FfmpegSource, SourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Gap:
    """An outage: audio stopped at stream time ``at_ms`` and resumed ``wall_ms`` later."""

    at_ms: int
    wall_ms: int
    reason: str


class LiveSource:
    def __init__(
        self,
        url: str,
        room_id: str,
        *,
        timeout_s: float = 15.0,
        connect_window_s: float = 30.0,
        reconnect_window_s: float = 60.0,
        stall_gap_s: float = 2.0,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
    ) -> None:
        self.url = url
        self.room_id = room_id
        self.timeout_s = timeout_s
        self.connect_window_s = connect_window_s
        self.reconnect_window_s = reconnect_window_s
        self.stall_gap_s = stall_gap_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.samples_read = 0
        self.gaps: list[Gap] = []
        self.reconnects = 0
        self.on_gap: Callable[[Gap], None] | None = None
        self.on_state: Callable[[str, str], None] | None = None
        self._current: FfmpegSource | None = None
        self._last_audio = time.monotonic()
        self._closed = threading.Event()

    @property
    def _is_hls(self) -> bool:
        return ".m3u8" in self.url.split("?", 1)[0].lower()

    def _watchdog(self) -> None:
        # An RTMP server keeps a player connected while no publisher sends, and
        # answers its pings, so ffmpeg's own I/O timeout never fires: silence on
        # the pipe itself is the sign the stream is gone.
        while not self._closed.wait(0.5):
            src = self._current
            if src is not None and time.monotonic() - self._last_audio > self.timeout_s:
                log.info("room %s: no audio for %.0f s; reconnecting", self.room_id, self.timeout_s)
                self._last_audio = time.monotonic()
                src.close()

    def chunks(self) -> Iterator[PcmChunk]:
        self._last_audio = time.monotonic()
        threading.Thread(target=self._watchdog, name=f"watchdog-{self.room_id}", daemon=True).start()
        try:
            yield from self._chunks()
        finally:
            self._closed.set()

    def _chunks(self) -> Iterator[PcmChunk]:
        started = time.monotonic()
        lost_at: float | None = None  # wall time the audio stopped, None while it flows
        lost_reason = ""
        last_error = ""
        delay = self.backoff_s
        while not self._closed.is_set():
            src = FfmpegSource(
                self.url,
                self.room_id,
                timeout_s=self.timeout_s,
                start_sample=self.samples_read,
            )
            self._current = src
            got = False
            last_chunk = self._last_audio = time.monotonic()
            try:
                for chunk in src.chunks():
                    now = time.monotonic()
                    if got and now - last_chunk >= self.stall_gap_s:
                        # The connection stayed up but no audio came (nginx-rtmp keeps
                        # a player waiting while the publisher is away).
                        self._record_gap(last_chunk, f"no audio for {now - last_chunk:.1f} s")
                    last_chunk = self._last_audio = now
                    if not got:
                        got = True
                        delay = self.backoff_s
                        if lost_at is not None:
                            self._record_gap(lost_at, lost_reason)
                            lost_at = None
                        elif self.samples_read == 0 and self.on_state:
                            self.on_state("live", "")
                    self.samples_read = src.samples_read
                    yield chunk
                last_error = "no audio" if src.closed_early else "the stream ended"
                if got and self._is_hls:
                    # ffmpeg reads an HLS playlist to its #EXT-X-ENDLIST and exits 0:
                    # the broadcast is over. Reconnecting would replay it from the start.
                    log.info("room %s: the HLS playlist has ended", self.room_id)
                    return
            except SourceError as exc:
                last_error = str(exc)
            self.samples_read = src.samples_read
            if self._closed.is_set():
                return
            now = time.monotonic()
            if got:
                lost_at = now
                lost_reason = last_error
                log.warning(
                    "room %s: stream lost at %s ms (%s); reconnecting",
                    self.room_id,
                    samples_to_ms(self.samples_read),
                    last_error,
                )
                if self.on_state:
                    self.on_state("reconnecting", last_error)
            if self.samples_read == 0:
                if now - started >= self.connect_window_s:
                    raise SourceError(
                        f"{self.url}: no audio within {self.connect_window_s:.0f} s "
                        f"({last_error or 'nothing received'})"
                    )
            elif lost_at is not None and now - lost_at >= self.reconnect_window_s:
                log.info(
                    "room %s: the stream did not come back within %.0f s; it has ended",
                    self.room_id,
                    self.reconnect_window_s,
                )
                return
            self.reconnects += 1
            log.info("room %s: reconnecting in %.1f s", self.room_id, delay)
            if self._closed.wait(delay):
                return
            delay = min(delay * 2, self.max_backoff_s)

    def _record_gap(self, lost_at: float, reason: str) -> None:
        gap = Gap(samples_to_ms(self.samples_read), round((time.monotonic() - lost_at) * 1000), reason)
        self.gaps.append(gap)
        log.warning(
            "room %s: stream back after %.1f s; stream time goes on from %d ms",
            self.room_id,
            gap.wall_ms / 1000,
            gap.at_ms,
        )
        if self.on_gap:
            self.on_gap(gap)
        if self.on_state:
            self.on_state("live", "")

    def close(self) -> None:
        self._closed.set()
        if self._current is not None:
            self._current.close()
