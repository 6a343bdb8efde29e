"""Bearer tokens with roles. Only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from livemod.store import ApiToken

ROLES = ("worker", "operator", "moderator", "admin")
TOKEN_PREFIX = "lm_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, role: str, name: str = "", rooms: list[str] | tuple[str, ...] = ()
) -> tuple[ApiToken, str]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "operator" and not rooms:
        raise ValueError("an operator token needs the rooms it may see (--room ID, repeatable)")
    if role != "operator" and rooms:
        raise ValueError(f"only operator tokens are limited to rooms; a {role} token sees every room")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name or role,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:8],
        rooms=sorted(set(rooms)),
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
