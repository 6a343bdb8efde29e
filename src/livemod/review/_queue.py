"""The moderators' work queue: claims with a lease, decisions, appeals, and the audit trail.

A claim is a conditional UPDATE (free, lapsed, or already mine), so two
moderators racing for one finding cannot both win, on SQLite or Postgres.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.orm import Session

from livemod.review._deps import Appellant, Moderator, SessionDep, SettingsDep, check_room
from livemod.review._schemas import (
    AppealCreate,
    ClaimPublic,
    DecisionCreate,
    FindingDetail,
    TokenInfo,
)
from livemod.review._views import filter_findings, finding_detail, get_finding_row
from livemod.store import Decision, FindingRow, as_utc
from livemod.vocab import (
    DECIDED_STATUSES,
    DECISION_STEPS,
    OPEN_STATUSES,
    STATUS_AFTER,
    AuditAction,
    Category,
    Severity,
)
from livemod.vocab import FindingStatus as Status

log = logging.getLogger(__name__)

OPEN = OPEN_STATUSES
DECIDED = DECIDED_STATUSES
_SEVERITY_RANK = case({"high": 0, "medium": 1, "low": 2}, value=FindingRow.severity, else_=3)


def _now() -> datetime:
    return datetime.now(UTC)


def _free_for(token: TokenInfo, now: datetime) -> ColumnElement[bool]:
    """Unclaimed, claimed by this token, or claimed by a lease that has lapsed."""
    return or_(
        FindingRow.claim_token_id.is_(None),
        FindingRow.claim_token_id == token.id,
        FindingRow.claim_until <= now,
    )


def _unclaim(row: FindingRow) -> None:
    row.claim_token_id = row.claimed_by = row.claim_until = None


def _lease_end(row: FindingRow) -> datetime | None:
    return as_utc(row.claim_until) if row.claim_until is not None else None


def _deciders(row: FindingRow) -> set[int]:
    return {d.token_id for d in row.decisions if d.action in DECISION_STEPS and d.token_id is not None}


def _audit(
    row: FindingRow, token: TokenInfo, action: AuditAction, reason: str, to: Status, reviewer: str = ""
) -> None:
    row.decisions.append(
        Decision(
            action=action,
            reviewer=reviewer or token.name,
            reason=reason,
            token_id=token.id,
            role=token.role,
            from_status=row.status,
            to_status=to,
        )
    )


def claim(session: Session, row: FindingRow, token: TokenInfo, lease_s: float) -> None:
    """Claim ``row`` for ``token`` or renew its claim; HTTP 409/403 when it may not."""
    now = _now()
    if row.status not in OPEN:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"finding {row.id} is already {row.status}; appeal it to reopen it"
        )
    if row.status == "appealed" and token.id in _deciders(row):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"finding {row.id} is appealed against your own decision; a different moderator reviews it",
        )
    held_until = _lease_end(row)
    live_lease = row.claim_token_id is not None and held_until is not None and held_until > now
    if live_lease and row.claim_token_id != token.id:
        assert held_until is not None
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"finding {row.id} is claimed by {row.claimed_by} until {held_until:%H:%M:%S} UTC",
        )
    fresh = not live_lease  # a renewal by the holder is not a new step in the trail
    until = now + timedelta(seconds=lease_s)
    result = session.execute(
        update(FindingRow)
        .where(
            FindingRow.id == row.id,
            FindingRow.status.in_(OPEN),
            _free_for(token, now),
        )
        .values(claim_token_id=token.id, claimed_by=token.name, claim_until=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, f"finding {row.id} was just claimed by someone else")
    row.claim_token_id, row.claimed_by, row.claim_until = token.id, token.name, until
    if fresh:
        _audit(row, token, AuditAction.CLAIM, f"lease {lease_s:.0f} s", row.status)


router = APIRouter(prefix="/v1", tags=["queue"])


@router.post(
    "/findings/{finding_id}/claim",
    response_model=ClaimPublic,
    summary="Claim a finding (or renew the claim) so no other moderator works it",
)
def claim_finding(
    finding_id: str, session: SessionDep, token: Moderator, settings: SettingsDep
) -> ClaimPublic:
    row = get_finding_row(session, finding_id)
    claim(session, row, token, settings.claim_lease_s)
    session.commit()
    assert row.claimed_by is not None and row.claim_until is not None
    return ClaimPublic(finding_id=row.id, claimed_by=row.claimed_by, claim_until=row.claim_until)


@router.delete("/findings/{finding_id}/claim", status_code=204, summary="Give a claimed finding back")
def release_finding(finding_id: str, session: SessionDep, token: Moderator) -> None:
    row = get_finding_row(session, finding_id)
    if row.claim_token_id is None:
        return
    if row.claim_token_id != token.id and token.role != "admin":
        raise HTTPException(status.HTTP_409_CONFLICT, f"finding {row.id} is claimed by {row.claimed_by}")
    _audit(row, token, AuditAction.RELEASE, "", row.status)
    _unclaim(row)
    session.commit()


@router.post(
    "/queue/next",
    response_model=FindingDetail,
    responses={204: {"description": "Nothing is waiting"}},
    summary="Claim the next open finding: high severity first, then the longest waiting",
)
def next_finding(
    request: Request,
    session: SessionDep,
    token: Moderator,
    settings: SettingsDep,
    room_id: str | None = None,
    category: Category | None = None,
    subtype: str | None = None,
    severity: Severity | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    exclude: Annotated[list[str] | None, Query(description="ids to pass over (skipped)")] = None,
) -> FindingDetail | Response:
    now = _now()
    wanted = [s for s in ([status_] if status_ else OPEN) if s in OPEN]
    q = filter_findings(
        select(FindingRow)
        .where(FindingRow.status.in_(wanted), _free_for(token, now))
        .order_by(_SEVERITY_RANK, FindingRow.created_at, FindingRow.start_ms),
        room_id=room_id,
        category=category,
        subtype=subtype,
        severity=severity,
        kind="live",
    )
    if exclude:
        q = q.where(FindingRow.id.not_in(exclude))
    for candidate in session.scalars(q.limit(50)).all():
        try:
            claim(session, candidate, token, settings.claim_lease_s)
        except HTTPException:
            continue  # lost a race, or an appeal of this moderator's own decision
        session.commit()
        return finding_detail(candidate, request, session, settings.context_ms)
    return Response(status_code=204)


@router.post("/findings/{finding_id}/decisions", response_model=FindingDetail, summary="Decide a finding")
def decide(
    finding_id: str,
    body: DecisionCreate,
    request: Request,
    session: SessionDep,
    token: Moderator,
    settings: SettingsDep,
) -> FindingDetail:
    row = get_finding_row(session, finding_id)
    claim(
        session, row, token, settings.claim_lease_s
    )  # deciding needs the claim; an unclaimed finding is taken
    to = STATUS_AFTER[body.action]
    _audit(row, token, AuditAction(body.action), body.reason, to, body.reviewer or "")
    row.status = to
    _unclaim(row)
    session.commit()
    log.info("finding %s %s by %s", row.id, row.status, body.reviewer or token.name)
    return finding_detail(row, request, session, settings.context_ms)


@router.post(
    "/findings/{finding_id}/appeals",
    response_model=FindingDetail,
    summary="Appeal a decision: the finding goes back to the queue for a different moderator",
)
def appeal(
    finding_id: str,
    body: AppealCreate,
    request: Request,
    session: SessionDep,
    token: Appellant,
    settings: SettingsDep,
) -> FindingDetail:
    row = get_finding_row(session, finding_id)
    check_room(session, token, row.room_id)
    if row.status not in DECIDED:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"only a confirmed or dismissed finding can be appealed; it is {row.status}",
        )
    _audit(row, token, AuditAction.APPEAL, body.reason, Status.APPEALED)
    row.status = Status.APPEALED
    _unclaim(row)
    session.commit()
    log.info("finding %s appealed by %s (%s)", row.id, token.name, token.role)
    return finding_detail(row, request, session, settings.context_ms)
