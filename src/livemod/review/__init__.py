"""The review queue: HTTP API, auth and the client the worker posts with."""

from livemod.review._app import create_app
from livemod.review._auth import ROLES, create_token, hash_token, lookup_token, revoke_token
from livemod.review._client import ReviewClient, ReviewError

__all__ = [
    "ROLES",
    "ReviewClient",
    "ReviewError",
    "create_app",
    "create_token",
    "hash_token",
    "lookup_token",
    "revoke_token",
]
