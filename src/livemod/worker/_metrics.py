"""Prometheus metrics of a worker, read from its rooms at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from livemod.ingest import LiveSource
from livemod.worker._worker import Worker


def _gauge(name: str, doc: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=["room"])


def _counter(name: str, doc: str) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, labels=["room"])


class WorkerCollector(Collector):
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def collect(self) -> Iterator[Metric]:
        w = self.worker
        lag = _gauge("livemod_room_lag_seconds", "Audio received but not yet transcribed.")
        depth = _gauge("livemod_room_queue_depth", "Speech segments waiting for ASR.")
        audio = _counter("livemod_room_audio_seconds", "Audio received.")
        skipped = CounterMetricFamily(
            "livemod_room_skipped_audio_seconds",
            "Speech dropped unheard: ASR fell behind.",
            labels=["room"],
        )
        early_skips = CounterMetricFamily(
            "livemod_room_early_windows_skipped",
            "Early windows not decoded because ASR was busy.",
            labels=["room"],
        )
        reconnects = _counter("livemod_room_reconnects", "Stream reconnect attempts.")
        findings = CounterMetricFamily(
            "livemod_findings", "Findings made, by room and category.", labels=["room", "category"]
        )
        spooled = _gauge("livemod_spool_items", "Items spooled for the server.")
        failures = _counter("livemod_post_failures", "Failed deliveries to the review server.")
        up = GaugeMetricFamily("livemod_room_up", "1 while the room is live.", labels=["room", "status"])
        for r in w.runners:
            room = r.room_id
            p = r.pipeline
            lag.add_metric([room], p.lag_ms / 1000)
            depth.add_metric([room], p.queue_depth)
            audio.add_metric([room], p.stats.audio_ms / 1000)
            skipped.add_metric([room], p.stats.skipped_ms / 1000)
            early_skips.add_metric([room], p.stats.early_windows_skipped)
            reconnects.add_metric([room], r.source.reconnects if isinstance(r.source, LiveSource) else 0)
            for cat, n in sorted(r.findings_by_category.items()):
                findings.add_metric([room, cat], n)
            spooled.add_metric([room], len(r.spool))
            failures.add_metric([room], r.sink.failures)
            up.add_metric([room, r.status], 1.0 if r.status == "live" else 0.0)
        yield from (lag, depth, audio, skipped, early_skips, reconnects, findings, spooled, failures, up)
        asr = w.transcriber.stats
        rtf = GaugeMetricFamily(
            "livemod_asr_real_time_factor", "Seconds of ASR compute per second of audio decoded (all rooms)."
        )
        rtf.add_metric([], asr.real_time_factor)
        yield rtf
        busy = CounterMetricFamily(
            "livemod_asr_busy_seconds", "Time the shared Whisper model spent decoding."
        )
        busy.add_metric([], asr.busy_s)
        yield busy


def worker_registry(worker: Worker) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=True)
    reg.register(WorkerCollector(worker))
    return reg


def serve_metrics(worker: Worker, port: int, host: str = "127.0.0.1") -> object:
    """Serve /metrics on ``host:port`` from a daemon thread; returns the server."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=worker_registry(worker))
    return server
