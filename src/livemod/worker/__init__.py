"""The live worker: many rooms, one shared model, findings spooled until acknowledged."""

from livemod.worker._metrics import serve_metrics, worker_registry
from livemod.worker._room import RoomResult, RoomRunner, RoomSpec, live_options, vad_options
from livemod.worker._sink import ReviewSink
from livemod.worker._spool import Spool, SpooledFinding
from livemod.worker._worker import Worker, parse_room_specs, transcriber_for

__all__ = [
    "ReviewSink",
    "RoomResult",
    "RoomRunner",
    "RoomSpec",
    "Spool",
    "SpooledFinding",
    "Worker",
    "live_options",
    "parse_room_specs",
    "serve_metrics",
    "transcriber_for",
    "vad_options",
    "worker_registry",
]
