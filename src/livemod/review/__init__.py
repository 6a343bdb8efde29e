"""The review queue: HTTP API, auth and the client the worker posts with."""

from livemod.review._app import create_app
from livemod.review._auth import (
    ROLES,
    check_anchor_names,
    create_token,
    hash_token,
    lookup_token,
    revoke_token,
)

__all__ = [
    "ROLES",
    "check_anchor_names",
    "create_app",
    "create_token",
    "hash_token",
    "lookup_token",
    "revoke_token",
]
