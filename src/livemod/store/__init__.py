"""Persistence: the review database (SQLAlchemy 2.0)."""

from livemod.store._db import Database
from livemod.store._models import (
    Anchor,
    ApiToken,
    Base,
    Decision,
    EventRow,
    FindingRow,
    PriceClaimRow,
    Room,
    as_utc,
    get_or_create,
)

__all__ = [
    "Anchor",
    "ApiToken",
    "Base",
    "Database",
    "Decision",
    "EventRow",
    "FindingRow",
    "PriceClaimRow",
    "Room",
    "as_utc",
    "get_or_create",
]
