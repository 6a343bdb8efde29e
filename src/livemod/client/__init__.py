"""HTTP clients of the review API: the worker's poster and the operators' event follower.

Kept apart from ``review`` (the server) so that a worker or a scan never
imports FastAPI and the app to talk to it.
"""

from livemod.client._events import ServerEvent, follow_events, parse_sse
from livemod.client._review import ReviewClient, ReviewError, ServerUnavailable

__all__ = ["ReviewClient", "ReviewError", "ServerEvent", "ServerUnavailable", "follow_events", "parse_sse"]
