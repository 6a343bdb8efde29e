"""The whole path with real parts: ffmpeg, Silero, Whisper base, the rules, a uvicorn server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LIVEMOD = str(ROOT / ".venv" / "bin" / "livemod")
TOLERANCE_MS = 1000


def env_for(data: Path) -> dict[str, str]:
    return {**os.environ, "LIVEMOD_DATA_DIR": str(data), "COLUMNS": "200"}


def check_against_manifest(findings: list[dict[str, Any]], manifest: dict[str, Any]) -> None:
    speech = [s for s in manifest["segments"] if s["kind"] == "speech"]
    quiet = [s for s in manifest["segments"] if s["kind"] != "speech"]
    for f in findings:
        label = f"{f['category']}/{f['subtype']}"
        # Nothing is flagged in music or silence ...
        for q in quiet:
            assert not (q["start_ms"] + TOLERANCE_MS <= f["start_ms"] <= q["end_ms"] - TOLERANCE_MS), (
                label,
                q,
            )
        # ... and every finding sits on a spoken line that should have it, within 1 s.
        homes = [
            s
            for s in speech
            if s["start_ms"] - TOLERANCE_MS <= f["start_ms"] and f["end_ms"] <= s["end_ms"] + TOLERANCE_MS
        ]
        assert homes, f"{label} at {f['start_ms']}-{f['end_ms']} ms lies on no spoken line"
        assert any(label in s["expect"] for s in homes), f"false alarm {label} on {homes[0]['text']!r}"
    for s in speech:
        for label in s["expect"]:
            hit = [
                f
                for f in findings
                if f"{f['category']}/{f['subtype']}" == label
                and abs(f["start_ms"] - s["start_ms"]) <= s["end_ms"] - s["start_ms"] + TOLERANCE_MS
                and f["start_ms"] >= s["start_ms"] - TOLERANCE_MS
                and f["end_ms"] <= s["end_ms"] + TOLERANCE_MS
            ]
            assert hit, f"missed {label} in {s['text']!r} ({s['start_ms']}-{s['end_ms']} ms)"


def test_scan_json_finds_the_manifest(tmp_path: Path, manifest: dict[str, Any]) -> None:
    proc = subprocess.run(
        [LIVEMOD, "scan", "--json", str(FIXTURES / "room_demo.opus")],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    findings = [json.loads(line) for line in proc.stdout.splitlines()]
    for f in findings:
        assert {
            "start_ms",
            "end_ms",
            "category",
            "subtype",
            "text",
            "severity",
            "legal_basis",
            "rule",
        } <= set(f)
        assert Path(f["clip"]).is_file() and Path(f["clip"]).is_relative_to(tmp_path)
    check_against_manifest(findings, manifest)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "server"
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [LIVEMOD, "serve", "--port", str(port)], env=env_for(data), stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)
    yield base, data
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def make_token(data: Path, role: str) -> str:
    out = subprocess.run(
        [LIVEMOD, "tokens", "create", "--role", role],
        capture_output=True,
        text=True,
        env=env_for(data),
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def test_watch_posts_findings_to_the_review_api(
    server: tuple[str, Path], tmp_path: Path, manifest: dict[str, Any]
) -> None:
    base, data = server
    worker, moderator = make_token(data, "worker"), make_token(data, "moderator")
    proc = subprocess.run(
        [
            LIVEMOD,
            "watch",
            str(FIXTURES / "room_demo.opus"),
            "--room",
            "room-1",
            "--server",
            base,
            "--token",
            worker,
        ],
        capture_output=True,
        text=True,
        env=env_for(tmp_path / "worker"),
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert not list((tmp_path / "worker" / "spool" / "room-1").glob("*.json")), "everything was acknowledged"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {moderator}"}) as api:
        check_review_queue(api, manifest)


def check_review_queue(api: httpx.Client, manifest: dict[str, Any]) -> None:
    page = api.get("/v1/findings", params={"room_id": "room-1", "limit": 500}).json()
    findings = page["items"]
    assert page["total"] == len(findings) > 0
    check_against_manifest(findings, manifest)
    room = api.get("/v1/rooms/room-1").json()
    assert room["status"] == "ended" and room["finding_count"] == len(findings)
    # A moderator can listen, read the context, and decide.
    later = max(findings, key=lambda f: f["start_ms"])
    detail = api.get(f"/v1/findings/{later['id']}").json()
    assert detail["context"] and all(c["end_ms"] <= later["start_ms"] for c in detail["context"])
    clip = api.get(detail["clip_url"])
    assert clip.status_code == 200 and clip.content[:4] == b"OggS"
    decided = api.post(
        f"/v1/findings/{later['id']}/decisions", json={"action": "confirm", "reason": "属实"}
    ).json()
    assert decided["status"] == "confirmed"
    # Every spoken price is in the room's ledger, in stream order, with its amount.
    ledger = api.get("/v1/rooms/room-1/ledger").json()
    claims = [(c["kind"], c["amount"]) for c in ledger["claims"]]
    assert ("reference", 399.0) in claims and ("offer", 69.0) in claims
    assert [c["start_ms"] for c in ledger["claims"]] == sorted(c["start_ms"] for c in ledger["claims"])
    # What produced each finding is on it.
    for f in findings:
        assert f["source"] in {"rules", "rules+model", "model", "ledger"}
        assert (f["model_score"] is not None) == (f["source"] in {"rules+model", "model"})


def test_watch_with_a_wrong_token_says_so(server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = server
    proc = subprocess.run(
        [
            LIVEMOD,
            "watch",
            str(FIXTURES / "room_demo.opus"),
            "--room",
            "r",
            "--server",
            base,
            "--token",
            "lm_not_a_token",
        ],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "refused the token" in proc.stderr and "Traceback" not in proc.stderr
