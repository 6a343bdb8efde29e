"""Real-time factor and peak memory of `livemod scan` on the bundled fixture.

Runs the real CLI (model load included) a few times with Whisper base int8 on
the CPU, and reports wall time, audio length / wall time, and peak RSS of the
process tree (from the kernel's accounting of waited-for children).

    .venv/bin/python bench/scan_rtf.py [--runs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--source", default=str(ROOT / "fixtures" / "room_demo.opus"))
    args = ap.parse_args()
    duration_s = json.loads((ROOT / "fixtures" / "room_demo.json").read_text())["duration_ms"] / 1000
    walls = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "LIVEMOD_DATA_DIR": tmp, "LIVEMOD_CPU_THREADS": str(args.threads)}
            t0 = time.perf_counter()
            subprocess.run(
                [str(ROOT / ".venv/bin/livemod"), "scan", "--json", args.source],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            walls.append(time.perf_counter() - t0)
        sys.stderr.write(f"run {i + 1}: {walls[-1]:.2f} s\n")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    wall = statistics.median(walls)
    sys.stdout.write(
        json.dumps(
            {
                "audio_s": round(duration_s, 1),
                "runs": args.runs,
                "threads": args.threads,
                "wall_s_median": round(wall, 2),
                "wall_s_all": [round(w, 2) for w in walls],
                "x_real_time": round(duration_s / wall, 1),
                "peak_rss_mb": round(peak_mb),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
