"""The review API's edge: pydantic models for what comes in and goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from livemod.vocab import AuditAction, Category, Role, RoomKind, RoomStatus, Severity
from livemod.vocab import DecisionAction as Action
from livemod.vocab import FindingStatus as Status

# Ids name folders (clips live under clips/ROOM/FINDING): never only dots, which would
# be the folder itself or its parent.
# (At least one character that is not a dot; the length is bounded by ID_MAX.)
ID_PATTERN = r"^[A-Za-z0-9_.:-]*[A-Za-z0-9_:-][A-Za-z0-9_.:-]*$"
ID_MAX = 64
# Anchors are people, often named in Chinese: any letters, digits, _ . : - and inner spaces.
ANCHOR_PATTERN = r"^[\w.:-][\w .:-]{0,63}$"


class ContextLine(BaseModel):
    start_ms: int = Field(ge=0)
    end_ms: int = Field(ge=0)
    text: str


class _WorkerRecord(BaseModel):
    """What every record a worker posts has: its own id (for idempotent retries) and a time span."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, max_length=ID_MAX)
    room_id: str = Field(pattern=ID_PATTERN, max_length=ID_MAX)
    seq: int = Field(ge=0)
    start_ms: int = Field(ge=0)
    end_ms: int = Field(ge=0)

    @model_validator(mode="after")
    def _span_order(self) -> _WorkerRecord:
        if self.end_ms < self.start_ms:
            raise ValueError("end_ms must not be before start_ms")
        return self


class FindingCreate(_WorkerRecord):
    """A finding as the worker posts it."""

    category: Category
    subtype: str = Field(min_length=1, max_length=64)
    severity: Severity
    text: str = Field(min_length=1, max_length=4000)
    span: tuple[int, int]
    matched: str = ""
    legal_basis: str = ""
    rule: str = Field(min_length=1, max_length=256)
    suggestion: str = ""
    source: str = "rules"
    score: float = Field(1.0, ge=0, le=1)
    segment_start_ms: int = Field(0, ge=0)
    segment_end_ms: int = Field(0, ge=0)
    context: list[ContextLine] = Field(default_factory=list, max_length=200)
    model: str | None = Field(None, max_length=128)
    model_score: float | None = Field(None, ge=0, le=1)
    related: list[ContextLine] = Field(default_factory=list, max_length=50)
    spoken_at: datetime | None = Field(None, description="Wall clock when the worker heard the words.")

    @model_validator(mode="after")
    def _order(self) -> FindingCreate:
        a, b = self.span
        if not 0 <= a <= b <= len(self.text):
            raise ValueError("span must lie within text")
        return self


class FindingBatch(BaseModel):
    findings: list[FindingCreate] = Field(min_length=1, max_length=500)


class BatchResult(BaseModel):
    created: list[str]
    existing: list[str]


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    reason: str = Field("", max_length=2000)
    reviewer: str | None = Field(None, max_length=128, description="Defaults to the token's name.")


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=2000, description="Why the decision is wrong.")


class DecisionPublic(BaseModel):
    """One step of a finding's audit trail."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    action: AuditAction
    reviewer: str
    reason: str
    role: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    created_at: datetime


class ClaimPublic(BaseModel):
    finding_id: str
    claimed_by: str
    claim_until: datetime


class FindingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    room_id: str
    seq: int
    start_ms: int
    end_ms: int
    category: Category
    subtype: str
    severity: Severity
    text: str
    span_start: int
    span_end: int
    matched: str
    legal_basis: str
    rule: str
    suggestion: str
    source: str
    score: float
    model: str | None = None
    model_score: float | None = None
    related: list[ContextLine] = Field(default_factory=list)
    spoken_at: datetime | None = None
    status: Status
    created_at: datetime
    has_clip: bool = False
    claimed_by: str | None = None
    claim_until: datetime | None = None


class FindingDetail(FindingPublic):
    context: list[ContextLine]
    clip_url: str | None
    clip_start_ms: int | None
    decisions: list[DecisionPublic] = Field(description="The decisions alone, oldest first.")
    history: list[DecisionPublic] = Field(description="Every step: claims, decisions, appeals.")
    room_name: str = ""
    anchor: str | None = None


class FindingPage(BaseModel):
    items: list[FindingPublic]
    total: int
    limit: int
    offset: int


class RoomUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=256)
    status: RoomStatus | None = None
    status_detail: str | None = Field(None, max_length=4000)
    source: str | None = Field(None, max_length=4000)
    gaps: list[GapRecord] | None = Field(None, max_length=10_000)
    anchor: str | None = Field(
        None,
        pattern=ANCHOR_PATTERN,
        description="An anchor registered by an admin; only an admin sets it, and null removes it.",
    )


class GapRecord(BaseModel):
    """The stream was lost at stream time ``at_ms`` and came back ``wall_ms`` later."""

    at_ms: int = Field(ge=0)
    wall_ms: int = Field(ge=0)
    reason: str = Field("", max_length=2000)


class RoomPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    status: RoomStatus
    status_detail: str
    source: str
    gaps: list[GapRecord] = Field(default_factory=list)
    kind: RoomKind = RoomKind.LIVE
    anchor: str | None = None
    duration_ms: int | None = None
    created_at: datetime
    updated_at: datetime
    finding_count: int = 0
    pending_count: int = 0
    risk: int = Field(0, ge=0, le=100, description="Risk score now: recent findings weighed by severity.")


class RiskPoint(BaseModel):
    at_ms: int
    risk: int


class TimelineItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    start_ms: int
    end_ms: int
    category: Category
    subtype: str
    severity: Severity
    status: Status
    matched: str


class RoomTimeline(BaseModel):
    room: RoomPublic
    findings: list[TimelineItem]
    series: list[RiskPoint] = Field(description="The risk score over stream time.")


class TokenInfo(BaseModel):
    id: int
    name: str
    role: Role
    rooms: list[str] = Field(default_factory=list)
    anchors: list[str] = Field(default_factory=list)

    def sees(self, room_id: str, anchor: str | None = None) -> bool:
        """Operators see their own rooms, MCNs their anchors' rooms; other reading roles see all."""
        if self.role == "operator":
            return room_id in self.rooms
        if self.role == "mcn":
            return anchor is not None and anchor in self.anchors
        return True


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=256)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    name: str = Field("", max_length=128)
    rooms: list[str] = Field(default_factory=list, max_length=1000)
    anchors: list[str] = Field(default_factory=list, max_length=1000)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    prefix: str
    rooms: list[str]
    anchors: list[str]
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret, shown only in this response.")


class AnchorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, max_length=256)
    agency: str | None = Field(None, max_length=256)


class AnchorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    display_name: str
    agency: str
    created_at: datetime
    sessions: int = 0


class ScriptCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=200_000, description="The script, one utterance per line.")


class ScriptMatch(BaseModel):
    category: Category
    subtype: str
    severity: Severity
    start: int
    end: int
    matched: str
    legal_basis: str
    suggestion: str
    source: str
    score: float


class ScriptLinePublic(BaseModel):
    line: int = Field(description="1-based line number in the script.")
    text: str
    matches: list[ScriptMatch]


class ScriptCheckResult(BaseModel):
    lines: int
    flagged: list[ScriptLinePublic]
    counts: dict[str, int] = Field(description="Flagged matches per category.")


class FindingEvent(BaseModel):
    """The ``data`` of one ``finding`` Server-Sent Event."""

    event_id: int
    finding_id: str
    room_id: str
    start_ms: int
    end_ms: int
    category: Category
    subtype: str
    severity: Severity
    text: str
    matched: str
    legal_basis: str
    suggestion: str
    source: str
    spoken_at: datetime | None = Field(None, description="Wall clock when the words were heard.")
    stored_at: datetime
    emitted_at: datetime


class PriceClaimCreate(_WorkerRecord):
    """A price the anchor said, as the worker posts it to the room's ledger."""

    kind: Literal["reference", "final", "offer"]
    label: str = Field(min_length=1, max_length=32)
    amount: float = Field(gt=0, allow_inf_nan=False)
    item: str | None = Field(None, max_length=32)
    text: str = Field(min_length=1, max_length=4000)
    conditions_stated: bool = False
    span: tuple[int, int] | None = None


class PriceClaimBatch(BaseModel):
    claims: list[PriceClaimCreate] = Field(min_length=1, max_length=500)


class PriceClaimPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    seq: int
    start_ms: int
    end_ms: int
    kind: str
    label: str
    amount: float
    item: str | None
    text: str
    conditions_stated: bool


class LedgerPublic(BaseModel):
    """A room's price ledger: every claim in stream order, and the findings the ledger raised."""

    room_id: str
    claims: list[PriceClaimPublic]
    contradictions: list[FindingPublic]
