"""A room's risk score: recent findings weighed by severity, fading with a half-life.

0 is a clean room, 100 one that needs a moderator now. One high-severity
finding just said scores 55; three in a few minutes pass 90; each fades to
half its weight in ``HALF_LIFE_MS`` of stream (or wall) time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from livemod.vocab import FindingStatus

HALF_LIFE_MS = 5 * 60_000
WEIGHTS = {"high": 0.8, "medium": 0.4, "low": 0.15}
# A moderator's confirmation makes a finding count more; a dismissal removes it.
STATUS_FACTOR: dict[str, float] = {FindingStatus.CONFIRMED: 1.5, FindingStatus.DISMISSED: 0.0}


def weight(severity: str, status: str) -> float:
    return WEIGHTS.get(severity, 0.4) * STATUS_FACTOR.get(status, 1.0)


def risk_at(at_ms: int, events: Iterable[tuple[int, float]], half_life_ms: int = HALF_LIFE_MS) -> int:
    """The score at ``at_ms`` from ``(time_ms, weight)`` events; later events do not count yet."""
    load = sum(w * 0.5 ** ((at_ms - t) / half_life_ms) for t, w in events if t <= at_ms)
    return round(100 * (1 - math.exp(-load)))


def risk_series(
    events: Sequence[tuple[int, float]], until_ms: int, points: int = 120, half_life_ms: int = HALF_LIFE_MS
) -> list[tuple[int, int]]:
    """The score sampled evenly from 0 to ``until_ms``, and just after each event so peaks show."""
    if until_ms <= 0:
        return [(0, risk_at(0, events, half_life_ms))]
    times = {round(until_ms * i / (points - 1)) for i in range(points)}
    times |= {t for t, _ in events if t <= until_ms}
    return [(t, risk_at(t, events, half_life_ms)) for t in sorted(times)]
