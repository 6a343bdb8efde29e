"""Live latency and room capacity: from spoken words to the operator's SSE event.

An anchor who never stops talking is built from the read-aloud test lines
(fixtures/eval_test.opus): the lines one after another with 150-250 ms pauses,
shorter than the VAD's 500 ms, so speech runs on like a real room's. Each room
of one `Worker` (one shared Whisper base int8 and classifier) reads it paced as
live (ffmpeg -re); a real uvicorn review server stores findings; an SSE client
per room records when each event arrives.

Latency = event arrival - wall time at which the finding's last word was heard
(stream time mapped through the worker's StreamClock). Rooms start together and
run ``--seconds`` of audio; N grows until p95 passes ``--max-p95``.

    .venv/bin/python bench/live_latency.py --rooms 1 2 3 --seconds 120
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import resource
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from livemod.classify import build_classifier
from livemod.client import follow_events
from livemod.config import Settings
from livemod.frames import SAMPLE_RATE, Finding
from livemod.ingest import FfmpegSource
from livemod.review import create_app, create_token
from livemod.store import Database
from livemod.worker import RoomSpec, Worker, transcriber_for

ROOT = Path(__file__).resolve().parents[1]


Line = tuple[int, int, frozenset[str]]  # start_ms, end_ms, categories expected


def build_anchor(out: Path, seconds: int) -> tuple[float, list[Line]]:
    manifest = json.loads((ROOT / "fixtures" / "eval_test.json").read_text(encoding="utf-8"))
    audio = np.concatenate(
        list(c.audio for c in FfmpegSource(str(ROOT / "fixtures" / "eval_test.opus")).chunks())
    )
    rng = np.random.default_rng(7)
    parts: list[np.ndarray] = []
    lines: list[Line] = []
    total = 0
    for seg in manifest["segments"]:
        if seg["kind"] != "speech":
            continue
        a = audio[seg["start_ms"] * 16 : seg["end_ms"] * 16]
        pause = np.zeros(int(rng.integers(150, 250)) * 16, dtype=np.float32)
        cats = frozenset(label.split("/")[0] for label in seg["expect"])
        lines.append((total // 16, (total + len(a)) // 16, cats))
        parts += [a, pause]
        total += len(a) + len(pause)
        if total >= seconds * SAMPLE_RATE:
            break
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return len(pcm) / SAMPLE_RATE, lines


SLACK_MS = 1000


def near(f: tuple[str, int, int], line: Line) -> bool:
    return f[1] <= line[1] + SLACK_MS and f[2] >= line[0] - SLACK_MS


def is_violation(f: tuple[str, int, int], lines: list[Line]) -> bool:
    """The finding lies on a line that should raise its category (not a false alarm)."""
    return any(f[0] in line[2] and near(f, line) for line in lines)


def score(found: list[tuple[str, int, int]], lines: list[Line]) -> tuple[float, float]:
    """Category-level recall over the lines and precision over the findings of one room."""
    wanted = [(cat, line) for line in lines for cat in line[2]]
    hits = sum(1 for cat, line in wanted if any(f[0] == cat and near(f, line) for f in found))
    right = sum(1 for f in found if is_violation(f, lines))
    return hits / max(len(wanted), 1), right / max(len(found), 1)


def percentiles(xs: list[float]) -> tuple[float | None, float | None, float | None]:
    xs = sorted(xs)
    if not xs:
        return None, None, None
    p95 = xs[min(len(xs) - 1, int(0.95 * len(xs)))]
    return round(statistics.median(xs), 2), round(p95, 2), round(xs[-1], 2)


def run(
    n_rooms: int, media: Path, lines: list[Line], settings: Settings, engines: tuple[Any, Any]
) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.live_server import serve

    db = Database(settings.database_url)
    with db.session() as s:
        worker_token = create_token(s, "worker")[1]
        viewer = create_token(s, "moderator")[1]
    rooms = [f"bench-{n_rooms}-{i}" for i in range(n_rooms)]
    arrivals: queue.Queue[tuple[str, float]] = queue.Queue()
    with serve(create_app(settings, db)) as base:

        def listen() -> None:
            for ev in follow_events(base, viewer):
                arrivals.put((ev.json()["finding_id"], time.time()))

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(1.0)
        transcriber, classifier = engines
        transcriber.stats.busy_s = transcriber.stats.audio_ms = 0  # type: ignore[assignment]
        w = Worker(
            settings,
            base,
            worker_token,
            [RoomSpec(r, str(media), realtime=True) for r in rooms],
            classifier=classifier,
            transcriber=transcriber,
        )
        made: dict[str, tuple[str, float, float | None]] = {}
        rows: dict[str, dict[str, Any]] = {}

        def on_finding(f: Finding) -> None:
            made[f.id] = (f.room_id, time.time(), f.heard_at)
            rows[f.id] = {
                "room": f.room_id,
                "category": f.category,
                "subtype": f.subtype,
                "start_ms": f.start_ms,
                "end_ms": f.end_ms,
                "segment_ms": [f.segment_start_ms, f.segment_end_ms],
                "matched": f.matched,
            }

        for runner in w.runners:
            runner.on_finding = on_finding
        max_lag = 0.0
        stop = threading.Event()

        def watch_lag() -> None:
            nonlocal max_lag
            while not stop.wait(0.5):
                max_lag = max([max_lag] + [r.pipeline.lag_ms / 1000 for r in w.runners])

        threading.Thread(target=watch_lag, daemon=True).start()
        cpu0, wall0 = time.process_time(), time.monotonic()
        w.run()
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        stop.set()
        time.sleep(2.0)
    got: dict[str, float] = {}
    while not arrivals.empty():
        fid, t = arrivals.get()
        got[fid] = t
    lat, detect, lat_violations = [], [], []
    for fid, (_room, found_at, heard) in made.items():
        if fid in got and heard is not None:
            lat.append(got[fid] - heard)
            detect.append(found_at - heard)
            row = rows[fid]
            row["latency_s"] = round(got[fid] - heard, 2)
            row["detect_s"] = round(found_at - heard, 2)
            row["violation"] = is_violation((row["category"], row["start_ms"], row["end_ms"]), lines)
            if row["violation"]:
                lat_violations.append(got[fid] - heard)
    p50, p95, top = percentiles(lat)
    v50, v95, vtop = percentiles(lat_violations)
    stats = [r.pipeline.stats for r in w.runners]
    quality = [
        score([(x["category"], x["start_ms"], x["end_ms"]) for x in rows.values() if x["room"] == r], lines)
        for r in rooms
    ]
    # A phrase reported twice (by a window and again by its complete segment)
    # costs a moderator a second look: same room and subtype, spans sharing
    # more than half of the shorter one (neighbouring phrases touch at the edges).
    ordered = sorted(rows.values(), key=lambda r: (r["room"], r["subtype"], r["start_ms"]))
    duplicates = sum(
        1
        for a, b in itertools.pairwise(ordered)
        if (a["room"], a["subtype"]) == (b["room"], b["subtype"])
        and min(a["end_ms"], b["end_ms"]) - b["start_ms"]
        > min(a["end_ms"] - a["start_ms"], b["end_ms"] - b["start_ms"]) / 2
    )
    db.dispose()
    return {
        "rooms": n_rooms,
        "findings": len(made),
        "events_received": sum(1 for f in made if f in got),
        "latency_p50_s": p50,
        "latency_p95_s": p95,
        "latency_max_s": top,
        # The same over findings on lines that should raise them: how soon an
        # operator hears of a real violation (false alarms have no spoken words).
        "violation_latency_p50_s": v50,
        "violation_latency_p95_s": v95,
        "violation_latency_max_s": vtop,
        # The part of it spent before the finding left the pipeline (ASR, classifier).
        "detect_p50_s": round(statistics.median(detect), 2) if detect else None,
        # Is the speed bought with misses? Category-level, findings within 1 s of a line.
        "recall": round(statistics.mean(q[0] for q in quality), 3),
        "precision": round(statistics.mean(q[1] for q in quality), 3),
        "duplicates": duplicates,
        "early_findings": sum(s.early_findings for s in stats),
        "early_windows": sum(s.early_windows for s in stats),
        "early_windows_skipped": sum(s.early_windows_skipped for s in stats),
        "skipped_audio_s": round(sum(s.skipped_ms for s in stats) / 1000, 1),
        "max_lag_s": round(max_lag, 1),
        "cpu_cores_busy": round(cpu / wall, 2),
        "asr_rtf": round(transcriber.stats.real_time_factor, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # One row per finding, for finding where the slow ones come from (--out).
        "findings_detail": sorted(rows.values(), key=lambda r: (r["room"], r["start_ms"])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--seconds", type=int, default=120, help="audio per room")
    ap.add_argument("--max-p95", type=float, default=5.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        media = Path(tmp) / "anchor.wav"
        dur, lines = build_anchor(media, args.seconds)
        settings = Settings(data_dir=Path(tmp) / "data", database_url="")
        transcriber = transcriber_for(settings)
        transcriber.load()
        engines = (transcriber, build_classifier(settings))
        results = []
        for n in args.rooms:
            r = run(n, media, lines, settings, engines)
            r["audio_s_per_room"] = round(dur, 1)
            results.append(r)
            print(json.dumps({k: v for k, v in r.items() if k != "findings_detail"}), flush=True)  # noqa: T201 - a benchmark's report
            if r["latency_p95_s"] is None or r["latency_p95_s"] > args.max_p95:
                break
        if args.out:
            args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
