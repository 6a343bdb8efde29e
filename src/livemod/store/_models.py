from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from livemod.vocab import (
    AuditAction,
    Category,
    FindingSource,
    FindingStatus,
    Role,
    RoomKind,
    RoomStatus,
    Severity,
)

M = TypeVar("M", bound="Base")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """A stored datetime with its zone: SQLite hands them back naive, and they were stored as UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


def _one_of(values: type[StrEnum], length: int) -> SAEnum:
    """A column of one of livemod's closed sets (:mod:`livemod.vocab`).

    Stored as the member's string in a VARCHAR of the length the column always
    had, with no CHECK constraint: existing databases need no change, a write
    of a value outside the set fails in Python, and rows read back as members.
    """
    return SAEnum(
        values,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


def get_or_create(session: Session, model: type[M], key: str, **values: Any) -> M:
    """The row with primary key ``key``, created with ``values`` (and flushed) when absent."""
    row = session.get(model, key)
    if row is None:
        row = model(**values)
        session.add(row)
        session.flush()
    return row


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[RoomStatus] = mapped_column(_one_of(RoomStatus, 32), default=RoomStatus.IDLE)
    status_detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    # Outages of the stream: [{"at_ms", "wall_ms", "reason"}], stream time continuing across them.
    gaps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # "live" for a stream the worker watches; "recording" for a training session
    # an MCN scanned with `livemod report`, which stays out of the moderators' queue.
    kind: Mapped[RoomKind] = mapped_column(_one_of(RoomKind, 16), default=RoomKind.LIVE)
    anchor: Mapped[str | None] = mapped_column(ForeignKey("anchors.name"), nullable=True, index=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    findings: Mapped[list[FindingRow]] = relationship(back_populates="room")


class FindingRow(Base):
    __tablename__ = "findings"

    # Made by the worker, so that a retried post is recognised and not stored twice.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    category: Mapped[Category] = mapped_column(_one_of(Category, 64))
    subtype: Mapped[str] = mapped_column(String(64))
    severity: Mapped[Severity] = mapped_column(_one_of(Severity, 16))
    text: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    matched: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(256))
    suggestion: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[FindingSource] = mapped_column(_one_of(FindingSource, 64), default=FindingSource.RULES)
    score: Mapped[float] = mapped_column(Float, default=1.0)
    segment_start_ms: Mapped[int] = mapped_column(Integer, default=0)
    segment_end_ms: Mapped[int] = mapped_column(Integer, default=0)
    context: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model: Mapped[str | None] = mapped_column(String(128), nullable=True)
    model_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    related: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    clip_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    clip_start_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Wall clock when the worker heard the end of the words, for live latency.
    spoken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[FindingStatus] = mapped_column(_one_of(FindingStatus, 16), default=FindingStatus.PENDING)
    # A moderator's claim: nobody else may decide the finding until claim_until;
    # after that the claim has lapsed and the finding is back in the queue.
    claim_token_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claim_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    room: Mapped[Room] = relationship(back_populates="findings")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="finding", order_by="Decision.id", cascade="all, delete-orphan"
    )

    @classmethod
    def from_payload(cls, data: Mapping[str, Any], **extra: Any) -> FindingRow:
        """A row from a finding as the worker spells it (``Finding.to_dict()``, ``FindingCreate``)."""
        values = {k: v for k, v in data.items() if k != "span"}
        values["span_start"], values["span_end"] = data["span"]
        return cls(**values, **extra)

    __table_args__ = (
        Index("ix_findings_room_start", "room_id", "start_ms"),
        Index("ix_findings_status_category", "status", "category"),
    )


class PriceClaimRow(Base):
    """One spoken price in a room's session: the price ledger."""

    __tablename__ = "price_claims"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # reference, final, offer
    label: Mapped[str] = mapped_column(String(32))
    amount: Mapped[float] = mapped_column(Float)
    item: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    conditions_stated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_price_claims_room_start", "room_id", "start_ms"),)


class Decision(Base):
    """One step in a finding's life; its rows, in order, are the audit trail.

    ``action`` is a decision (confirm, dismiss, escalate), an appeal, or a
    claim or release of the finding by a moderator.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"), index=True)
    action: Mapped[AuditAction] = mapped_column(_one_of(AuditAction, 16))
    reviewer: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text, default="")
    token_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[Role | None] = mapped_column(_one_of(Role, 32), nullable=True)
    from_status: Mapped[FindingStatus | None] = mapped_column(_one_of(FindingStatus, 16), nullable=True)
    to_status: Mapped[FindingStatus | None] = mapped_column(_one_of(FindingStatus, 16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    finding: Mapped[FindingRow] = relationship(back_populates="decisions")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(_one_of(Role, 32))
    # SHA-256 of the secret: a leaked database does not leak working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The rooms an operator token may see; empty for every other role.
    rooms: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The anchors whose sessions an mcn token may see; empty for every other role.
    anchors: Mapped[list[str]] = mapped_column(JSON, default=list)


class Anchor(Base):
    """A streamer. An MCN's token names its anchors; rooms and recordings name their anchor."""

    __tablename__ = "anchors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256), default="")
    agency: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    """One live event (a finding stored) in the order operators receive them.

    The integer id is the SSE event id: a client that reconnects with
    Last-Event-ID N gets every event after N, so nothing is missed.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), default="finding")
    room_id: Mapped[str] = mapped_column(String(128), index=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("findings.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
