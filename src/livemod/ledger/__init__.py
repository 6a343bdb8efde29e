"""The per-room price ledger: every spoken price, and the contradictions across a session."""

from livemod.ledger._extract import CONDITIONS, PriceMention, extract
from livemod.ledger._ledger import Contradiction, PriceClaim, PriceLedger

__all__ = ["CONDITIONS", "Contradiction", "PriceClaim", "PriceLedger", "PriceMention", "extract"]
