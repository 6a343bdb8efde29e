"""The worker's on-disk spool: a finding stays here until the server acknowledges it.

One JSON file per finding, written atomically, so a crash or a server that is
down loses nothing, and a restart resends exactly what was not acknowledged.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SpooledFinding:
    id: str
    payload: dict[str, Any]
    clip: Path | None


class Spool:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)

    def put(self, finding_id: str, payload: dict[str, Any], clip: Path | None) -> None:
        doc = {"id": finding_id, "payload": payload, "clip": str(clip) if clip else None}
        tmp = self.dir / f".{finding_id}.json.tmp"
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.dir / f"{finding_id}.json")

    def pending(self) -> list[SpooledFinding]:
        out = []
        for path in sorted(self.dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                log.warning("spool: skipping unreadable %s: %s", path, exc)
                continue
            clip = Path(doc["clip"]) if doc.get("clip") else None
            out.append(SpooledFinding(doc["id"], doc["payload"], clip))
        return out

    def ack(self, finding_id: str) -> None:
        (self.dir / f"{finding_id}.json").unlink(missing_ok=True)

    def __len__(self) -> int:
        return sum(1 for _ in self.dir.glob("*.json"))
