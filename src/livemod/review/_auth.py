"""Bearer tokens with roles. Only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from livemod.review._schemas import ANCHOR_PATTERN
from livemod.store import Anchor, ApiToken
from livemod.vocab import Role

ROLES: tuple[str, ...] = tuple(r.value for r in Role)
TOKEN_PREFIX = "lm_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_anchor_names(names: list[str] | tuple[str, ...]) -> None:
    """ValueError naming every anchor name that is not 1-64 letters, digits, spaces and _ . : -."""
    bad = [a for a in names if not re.fullmatch(ANCHOR_PATTERN, a)]
    if bad:
        raise ValueError(f"bad anchor name(s) {bad}: use 1-64 letters, digits, spaces and _ . : -")


def create_token(
    session: Session,
    role: str,
    name: str = "",
    rooms: list[str] | tuple[str, ...] = (),
    anchors: list[str] | tuple[str, ...] = (),
) -> tuple[ApiToken, str]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "operator" and not rooms:
        raise ValueError("an operator token needs the rooms it may see (--room ID, repeatable)")
    if role != "operator" and rooms:
        raise ValueError(f"only operator tokens are limited to rooms; a {role} token cannot take --room")
    if role == "mcn" and not anchors:
        raise ValueError("an mcn token needs the anchors it represents (--anchor NAME, repeatable)")
    if role != "mcn" and anchors:
        raise ValueError(f"only mcn tokens are limited to anchors; a {role} token cannot take --anchor")
    check_anchor_names(anchors)
    for a in set(anchors):
        # An MCN signs its anchors up before their first session is scanned.
        if session.get(Anchor, a) is None:
            session.add(Anchor(name=a, display_name=a))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name or role,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:8],
        rooms=sorted(set(rooms)),
        anchors=sorted(set(anchors)),
    )
    session.add(row)
    session.commit()
    return row, secret


def lookup_token(session: Session, secret: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.commit()
    return True
