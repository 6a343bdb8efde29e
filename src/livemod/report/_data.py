"""What a report is made of: sessions (one per recording) and their findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReportFinding:
    id: str
    start_ms: int
    end_ms: int
    category: str
    subtype: str
    severity: str
    text: str
    span: tuple[int, int]
    matched: str
    legal_basis: str
    suggestion: str
    source: str = "rules"
    score: float = 1.0
    status: str = "pending"


@dataclass(slots=True)
class ReportSession:
    """One recorded session of an anchor (one room of kind ``recording``)."""

    id: str
    title: str
    anchor: str
    duration_ms: int
    recorded_at: datetime
    findings: list[ReportFinding] = field(default_factory=list)

    def per_hour(self) -> float:
        """Findings per hour of talk, the measure that compares sessions of different length."""
        hours = self.duration_ms / 3_600_000
        return len(self.findings) / hours if hours > 0 else 0.0
