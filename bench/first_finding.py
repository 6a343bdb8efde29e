"""How long a fresh clone takes from `make demo` to its first finding on the terminal.

Usage: python bench/first_finding.py CLONE [--cache DIR] [--data DIR]

Runs `make demo` in CLONE (a fresh `git clone`, so `.venv` is made and the models are
assembled), timestamps each line it prints, stops it at the first finding and prints
when set-up, the demo and the first finding began. Give an empty --cache to measure
the models' assembly too.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clone")
    ap.add_argument("--cache", default=tempfile.mkdtemp(prefix="livemod-cache-"))
    ap.add_argument("--data", default=tempfile.mkdtemp(prefix="livemod-data-"))
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    env = {**os.environ, "LIVEMOD_CACHE_DIR": args.cache, "LIVEMOD_DATA_DIR": args.data}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        ["make", "demo"], cwd=args.clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip()
        at = round(time.monotonic() - t0, 1)
        sys.stderr.write(f"{at:7.1f}s {line}\n")
        if "livemod setup" in line:
            marks.setdefault("setup_started_s", at)
        if "livemod demo" in line:
            marks.setdefault("demo_started_s", at)
        if "legal basis:" in line:
            marks["first_finding_s"] = at
            break
        if at > args.timeout:
            break
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    sys.stdout.write(json.dumps(marks) + "\n")
    if "first_finding_s" not in marks:
        sys.exit("no finding was printed")


if __name__ == "__main__":
    main()
