"""Delivering findings to the review server without ever losing one.

Every finding goes to the on-disk spool first, then a background thread posts
it; only the server's acknowledgement removes it from the spool. A server that
is down only delays delivery, and a restarted worker sends what is left.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from livemod.client import ReviewClient, ReviewError, ServerUnavailable
from livemod.frames import Finding
from livemod.ledger import PriceClaim
from livemod.worker._spool import Spool, SpooledFinding

log = logging.getLogger(__name__)

# Price claims share the findings' spool (one directory, one delivery loop,
# the same crash safety); this key tells them apart.
_KIND = "_livemod_kind"
_PRICE = "price_claim"


class ReviewSink:
    def __init__(
        self,
        client: ReviewClient,
        spool: Spool,
        *,
        batch_size: int = 50,
        idle_retry_s: float = 2.0,
        max_retry_s: float = 30.0,
    ) -> None:
        self.client = client
        self.spool = spool
        self.batch_size = batch_size
        self.idle_retry_s = idle_retry_s
        self.max_retry_s = max_retry_s
        self.delivered = 0
        self.failures = 0
        self.fatal: ReviewError | None = None
        self.on_delivered: Callable[[str, dict[str, Any]], None] | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="review-sink", daemon=True)

    def start(self) -> ReviewSink:
        self._thread.start()
        return self

    def submit(self, finding: Finding) -> None:
        self.spool.put(finding.id, finding.to_dict(), Path(finding.clip_path) if finding.clip_path else None)
        self._idle.clear()
        self._wake.set()

    def submit_price(self, claim: PriceClaim) -> None:
        """Spool a price claim for the room's ledger; delivered like findings, acknowledged by id."""
        self.spool.put(claim.id, {**claim.to_dict(), _KIND: _PRICE}, None)
        self._idle.clear()
        self._wake.set()

    def close(self, timeout_s: float = 30.0) -> int:
        """Try to deliver what is spooled for up to ``timeout_s``; return how many remain."""
        self._wake.set()
        self._idle.wait(timeout_s)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=self.client.max_backoff_s + 5)
        left = len(self.spool)
        if left:
            log.warning(
                "%d finding(s) not yet acknowledged stay in the spool at %s; "
                "they are sent when the worker next runs",
                left,
                self.spool.dir,
            )
        return left

    def _loop(self) -> None:
        delay = self.idle_retry_s
        while not self._stopping.is_set():
            pending = self.spool.pending()
            if not pending:
                self._idle.set()
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                self._deliver(pending[: self.batch_size])
                delay = self.idle_retry_s
            except ServerUnavailable as exc:
                self.failures += 1
                log.warning(
                    "review server unavailable, %d finding(s) spooled; retrying in %.0f s (%s)",
                    len(pending),
                    delay,
                    exc,
                )
                self._wake.wait(delay)
                self._wake.clear()
                delay = min(delay * 2, self.max_retry_s)
            except ReviewError as exc:
                self.failures += 1
                self.fatal = exc
                log.error("review server refused findings: %s; they stay spooled in %s", exc, self.spool.dir)
                self._idle.set()
                return

    def _deliver(self, batch: list[SpooledFinding]) -> None:
        prices = [item for item in batch if item.payload.get(_KIND) == _PRICE]
        if prices:
            by_room: dict[str, list[SpooledFinding]] = {}
            for item in prices:
                by_room.setdefault(str(item.payload["room_id"]), []).append(item)
            for room_id, items in by_room.items():
                claims = [{k: v for k, v in i.payload.items() if k != _KIND} for i in items]
                res = self.client.post_ledger(room_id, claims)
                acked = set(res.get("created", [])) | set(res.get("existing", []))
                for i in items:
                    if i.id in acked:
                        self.spool.ack(i.id)
        batch = [item for item in batch if item.payload.get(_KIND) != _PRICE]
        if not batch:
            return
        result = self.client.post_findings([item.payload for item in batch])
        acked = set(result.get("created", [])) | set(result.get("existing", []))
        for item in batch:
            if item.id not in acked:
                continue
            if item.clip is not None and item.clip.is_file():
                self.client.put_clip(item.id, item.clip, int(item.payload.get("segment_start_ms", 0)))
            self.spool.ack(item.id)
            self.delivered += 1
            log.info(
                "delivered finding %s (%s/%s)", item.id, item.payload["category"], item.payload["subtype"]
            )
            if self.on_delivered is not None:
                self.on_delivered(item.id, item.payload)
