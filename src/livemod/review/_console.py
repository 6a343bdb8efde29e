"""The web console: static pages served by the review app, signed in with a token kept in a cookie.

A cookie, not a header, so that the browser's own <audio> and EventSource
requests carry it; it is HttpOnly and SameSite=Strict, and changes made with
it must also carry the console header (see ``_deps``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from livemod.review._auth import lookup_token
from livemod.review._deps import SESSION_COOKIE, AnyRole, SessionDep
from livemod.review._schemas import SessionCreate, TokenInfo

CONSOLE_DIR = Path(__file__).with_name("console")
_MAX_AGE_S = 12 * 3600


def build_session_router() -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["console"])

    @r.post("/session", response_model=TokenInfo, summary="Sign the console in with a token")
    def sign_in(body: SessionCreate, request: Request, response: Response, session: SessionDep) -> TokenInfo:
        row = lookup_token(session, body.token.strip())
        if row is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked token")
        if row.role == "worker":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a worker token cannot sign in to the console")
        response.set_cookie(
            SESSION_COOKIE,
            body.token.strip(),
            max_age=_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return TokenInfo(
            id=row.id,
            name=row.name,
            role=row.role,
            rooms=list(row.rooms or []),
            anchors=list(row.anchors or []),
        )

    @r.get("/session", response_model=TokenInfo, summary="Who this console (or token) is signed in as")
    def whoami(token: AnyRole) -> TokenInfo:
        return token

    @r.delete("/session", status_code=204, summary="Sign the console out")
    def sign_out(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")

    return r


def mount_console(app: FastAPI) -> None:
    app.include_router(build_session_router())
    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")
