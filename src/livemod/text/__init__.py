"""Text helpers every layer uses: normalisation for matching, Chinese script, time codes."""

from livemod.text._normalize import Normalized, normalize
from livemod.text._script import fmt_ms, to_simplified

__all__ = ["Normalized", "fmt_ms", "normalize", "to_simplified"]
