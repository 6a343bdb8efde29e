"""Demo latency: from the end of a violating phrase to its finding in the review queue.

Starts `livemod serve`, then `livemod watch --realtime` on the fixture (ffmpeg -re
paces it as live). A phrase's end in stream time maps to the wall clock as
watch start + end_ms; the finding's arrival is the server's created_at.

    .venv/bin/python bench/demo_latency.py
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIVEMOD = str(ROOT / ".venv/bin/livemod")


def main() -> None:
    manifest = json.loads((ROOT / "fixtures" / "room_demo.json").read_text())
    lines = [s for s in manifest["segments"] if s["kind"] == "speech" and s["expect"]]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIVEMOD_DATA_DIR": tmp}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([LIVEMOD, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    httpx.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)

            def token(role: str) -> str:
                out = subprocess.run(
                    [LIVEMOD, "tokens", "create", "--role", role],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                return out.strip().splitlines()[-1]

            worker, moderator = token("worker"), token("moderator")
            t0 = time.time()
            subprocess.run(
                [
                    LIVEMOD,
                    "watch",
                    str(ROOT / "fixtures" / "room_demo.opus"),
                    "--room",
                    "bench",
                    "--server",
                    base,
                    "--token",
                    worker,
                    "--realtime",
                ],
                env=env,
                check=True,
                stderr=subprocess.DEVNULL,
            )
            items = httpx.get(
                f"{base}/v1/findings", params={"limit": 500}, headers={"Authorization": f"Bearer {moderator}"}
            ).json()["items"]
        finally:
            server.terminate()
            server.wait()
    delays = []
    for f in items:
        home = next((s for s in lines if s["start_ms"] - 1000 <= f["start_ms"] <= s["end_ms"] + 1000), None)
        if home is None:
            continue
        arrived = datetime.fromisoformat(f["created_at"]).timestamp()
        delays.append(arrived - (t0 + home["end_ms"] / 1000))
    delays.sort()
    sys.stdout.write(
        json.dumps(
            {
                "findings": len(items),
                "measured": len(delays),
                "p50_s": round(statistics.median(delays), 2),
                "p95_s": round(delays[min(len(delays) - 1, int(0.95 * len(delays)))], 2),
                "max_s": round(max(delays), 2),
                "all_s": [round(d, 2) for d in delays],
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
