"""What only an admin may change: tokens and anchors (rooms are set by workers and admins)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import func, select

from livemod.review._auth import create_token, revoke_token
from livemod.review._deps import Admin, Reader, SessionDep
from livemod.review._schemas import (
    ANCHOR_PATTERN,
    AnchorPublic,
    AnchorUpdate,
    TokenCreate,
    TokenCreated,
    TokenPublic,
)
from livemod.store import Anchor, ApiToken, Room

log = logging.getLogger(__name__)


router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/tokens", response_model=list[TokenPublic], summary="Every token (never its secret)")
def list_tokens(session: SessionDep, _t: Admin) -> list[TokenPublic]:
    return [TokenPublic.model_validate(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Make a token")
def make_token(body: TokenCreate, session: SessionDep, token: Admin) -> TokenCreated:
    try:
        row, secret = create_token(session, body.role, body.name, body.rooms, body.anchors)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    log.info("token #%d (%s, %s) made by %s", row.id, row.role, row.name, token.name)
    return TokenCreated(**TokenPublic.model_validate(row).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token")
def delete_token(token_id: int, session: SessionDep, token: Admin) -> None:
    if not revoke_token(session, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no active token #{token_id}")
    log.info("token #%d revoked by %s", token_id, token.name)


@router.get("/anchors", response_model=list[AnchorPublic], summary="Anchors and their recorded sessions")
def list_anchors(session: SessionDep, token: Reader) -> list[AnchorPublic]:
    counts = dict(
        session.execute(
            select(Room.anchor, func.count()).where(Room.kind == "recording").group_by(Room.anchor)
        ).all()
    )
    out = []
    for a in session.scalars(select(Anchor).order_by(Anchor.name)):
        if token.role == "mcn" and a.name not in token.anchors:
            continue
        item = AnchorPublic.model_validate(a)
        item.sessions = counts.get(a.name, 0)
        out.append(item)
    return out


@router.put("/anchors/{name}", response_model=AnchorPublic, summary="Register or update an anchor")
def put_anchor(
    name: Annotated[str, Path(pattern=ANCHOR_PATTERN)], body: AnchorUpdate, session: SessionDep, _t: Admin
) -> AnchorPublic:
    anchor = session.get(Anchor, name)
    if anchor is None:
        anchor = Anchor(name=name, display_name=name)
        session.add(anchor)
    for k, v in body.model_dump(exclude_none=True).items():
        setattr(anchor, k, v)
    session.commit()
    return AnchorPublic.model_validate(anchor)
