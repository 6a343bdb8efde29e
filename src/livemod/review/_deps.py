"""FastAPI dependencies shared by the review routers: the session, the caller's token, its role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from livemod.config import Settings
from livemod.review._auth import lookup_token
from livemod.review._events import EventHub
from livemod.review._metrics import ApiMetrics
from livemod.review._schemas import TokenInfo
from livemod.store import ApiToken, Database, FindingRow, Room

SESSION_COOKIE = "livemod_session"
# Console requests carry this header; a cross-site form cannot add it, so a
# cookie without it is not trusted for changes (CSRF).
CONSOLE_HEADER = "x-livemod-console"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_bearer = HTTPBearer(auto_error=False, description="A token from `livemod tokens create --role ROLE`.")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _from_state(name: str) -> Callable[[Request], Any]:
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return get


# What create_app() put in app.state for every router.
SettingsDep = Annotated[Settings, Depends(_from_state("settings"))]
HubDep = Annotated[EventHub, Depends(_from_state("events"))]
MetricsDep = Annotated[ApiMetrics, Depends(_from_state("metrics"))]


def get_session(db: Annotated[Database, Depends(_db)]) -> Iterator[Session]:
    with db.session() as s:
        yield s


SessionDep = Annotated[Session, Depends(get_session)]


def current_token(
    request: Request,
    session: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenInfo:
    secret: str | None = None
    if creds is not None and creds.scheme.lower() == "bearer":
        secret = creds.credentials
    elif cookie := request.cookies.get(SESSION_COOKIE):
        if request.method not in _SAFE_METHODS and request.headers.get(CONSOLE_HEADER) != "1":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"a request signed in by cookie must send the {CONSOLE_HEADER} header",
            )
        secret = cookie
    if secret is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    row = lookup_token(session, secret)
    # End the read transaction now: an event stream holds this request's
    # session for hours, and an open SQLite snapshot stops WAL checkpoints.
    session.rollback()
    if row is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return token_info(row)


def token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id, name=row.name, role=row.role, rooms=list(row.rooms or []), anchors=list(row.anchors or [])
    )


def require(*roles: str) -> Any:
    allowed = set(roles) | {"admin"}

    def check(token: Annotated[TokenInfo, Depends(current_token)]) -> TokenInfo:
        if token.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {token.role!r} may not do this; needs one of {sorted(allowed)}",
            )
        return token

    return Depends(check)


Worker = Annotated[TokenInfo, require("worker")]
Moderator = Annotated[TokenInfo, require("moderator")]
Admin = Annotated[TokenInfo, require()]
# Reads that operators (their rooms) and MCNs (their anchors' rooms) may make too.
Viewer = Annotated[TokenInfo, require("moderator", "operator", "mcn")]
# Who may appeal a decision: the room's operator, the anchor's MCN, a moderator.
Appellant = Viewer
# Reports are for agencies and the moderators who support them.
Reader = Annotated[TokenInfo, require("moderator", "mcn")]
# Anybody signed in, workers too (the console asks who it is talking to).
AnyRole = Annotated[TokenInfo, Depends(current_token)]


def check_room(session: Session, token: TokenInfo, room_id: str) -> None:
    """403 unless the token may see the room (404 is for rooms that do not exist)."""
    if token.role == "operator" and not token.sees(room_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this operator token is not for room {room_id!r}")
    if token.role == "mcn":
        anchor = session.scalar(select(Room.anchor).where(Room.id == room_id))
        if not token.sees(room_id, anchor):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"room {room_id!r} is not one of this mcn token's anchors"
            )


def check_anchor(token: TokenInfo, anchor: str) -> None:
    if token.role == "mcn" and anchor not in token.anchors:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"anchor {anchor!r} is not one of this mcn token's")


def visible_rooms(token: TokenInfo) -> ColumnElement[bool] | None:
    """A filter on FindingRow.room_id for the rooms the token sees; None when it sees all."""
    if token.role == "operator":
        return FindingRow.room_id.in_(token.rooms)
    if token.role == "mcn":
        return FindingRow.room_id.in_(select(Room.id).where(Room.anchor.in_(token.anchors)))
    return None


def room_ids_for(session: Session, token: TokenInfo) -> list[str] | None:
    """The rooms an event stream of this token covers; None for all."""
    if token.role == "operator":
        return list(token.rooms)
    if token.role == "mcn":
        return list(session.scalars(select(Room.id).where(Room.anchor.in_(token.anchors))))
    return None
