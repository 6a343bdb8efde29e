"""Reports for MCN agencies, the pre-live script check, and the taxonomy the console shows."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from livemod.review._deps import AnyRole, Reader, SessionDep, Viewer, check_anchor, check_room
from livemod.review._schemas import ScriptCheckRequest, ScriptCheckResult, ScriptLinePublic, ScriptMatch
from livemod.store import Anchor, Room
from livemod.vocab import vocabulary

if TYPE_CHECKING:
    from livemod.classify import Classifier, Policy
    from livemod.config import Settings


class Detectors:
    """The classifier and policy of this API process, built on first use (the model takes seconds)."""

    def __init__(self, settings: Settings, classifier: Classifier | None = None) -> None:
        self._settings = settings
        self._classifier = classifier
        self._policy: Policy | None = classifier.policy if classifier else None
        self._lock = threading.Lock()

    def classifier(self) -> Classifier:
        with self._lock:
            if self._classifier is None:
                from livemod.classify import build_classifier

                self._classifier = build_classifier(self._settings)
                self._policy = self._classifier.policy
            return self._classifier

    def policy(self) -> Policy:
        with self._lock:
            if self._policy is None:
                from livemod.classify import load_policy

                self._policy = load_policy()
            return self._policy

    def titles(self) -> dict[str, str]:
        return {k: s.title for k, s in self.policy().subtypes.items()}


def _check(detectors: Detectors, text: str) -> ScriptCheckResult:
    from livemod.report import check_script

    lines = check_script(text, detectors.classifier())
    flagged = [
        ScriptLinePublic(
            line=ln.line,
            text=ln.text,
            matches=[
                ScriptMatch(
                    category=m.category,
                    subtype=m.subtype,
                    severity=m.severity,
                    start=m.start,
                    end=m.end,
                    matched=m.matched,
                    legal_basis=m.legal_basis,
                    suggestion=m.suggestion,
                    source=m.source,
                    score=m.score,
                )
                for m in ln.matches
            ],
        )
        for ln in lines
        if ln.matches
    ]
    counts = Counter(m.category for ln in flagged for m in ln.matches)
    return ScriptCheckResult(lines=len(lines), flagged=flagged, counts=dict(counts))


def _detectors(request: Request) -> Detectors:
    detectors: Detectors = request.app.state.detectors
    return detectors


DetectorsDep = Annotated[Detectors, Depends(_detectors)]
router = APIRouter(prefix="/v1", tags=["reports"])


@router.get("/vocabulary", summary="Every closed set (categories, statuses, roles ...) with its labels")
def get_vocabulary() -> dict[str, Any]:
    return vocabulary()


@router.get("/taxonomy", summary="Categories and subtypes with their titles, severity and legal basis")
def taxonomy(_t: AnyRole, detectors: DetectorsDep) -> list[dict[str, Any]]:
    return [
        {
            "category": s.category,
            "subtype": s.name,
            "title": s.title,
            "severity": s.severity,
            "legal_basis": s.legal_basis,
        }
        for s in detectors.policy().subtypes.values()
    ]


@router.post(
    "/check-script",
    response_model=ScriptCheckResult,
    summary="Check a written sales script line by line, with the live policy and classifier",
)
async def check_script(body: ScriptCheckRequest, _t: Viewer, detectors: DetectorsDep) -> ScriptCheckResult:
    return await run_in_threadpool(_check, detectors, body.text)


def _render(session: Any, anchor: str, room_ids: list[str] | None, detectors: Detectors) -> HTMLResponse:
    from livemod.report import load_sessions, render_report

    sessions = load_sessions(session, anchor=anchor, room_ids=room_ids)
    if not sessions:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"anchor {anchor!r} has no recorded sessions yet; scan some with "
            f"`livemod report RECORDING --anchor {anchor}`",
        )
    return HTMLResponse(render_report(anchor, sessions, detectors.titles()))


@router.get(
    "/anchors/{name}/report",
    response_class=HTMLResponse,
    summary="The training report of an anchor: every recorded session, or those named",
)
def anchor_report(
    name: str,
    session: SessionDep,
    token: Reader,
    detectors: DetectorsDep,
    room: Annotated[list[str] | None, Query(description="only these sessions (room ids)")] = None,
) -> HTMLResponse:
    check_anchor(token, name)
    if session.get(Anchor, name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no anchor {name!r}")
    return _render(session, name, room, detectors)


@router.get("/rooms/{room_id}/report", response_class=HTMLResponse, summary="The report of one session")
def room_report(room_id: str, session: SessionDep, token: Reader, detectors: DetectorsDep) -> HTMLResponse:
    check_room(session, token, room_id)
    room = session.get(Room, room_id)
    if room is None or room.kind != "recording" or not room.anchor:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recorded session {room_id!r}")
    return _render(session, room.anchor, [room_id], detectors)
