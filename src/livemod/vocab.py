"""The domain's closed sets, each defined once.

Schemas, the ORM, the rules, the reports, the CLI and (through
``GET /v1/vocabulary``) the console all take their values from here. Each is
a ``StrEnum``: a member *is* its string, so JSON, SQL and comparisons with
plain strings stay as they were.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    FALSE_ADVERTISING = "false_advertising"
    UNCLEAR_PRICING = "unclear_pricing"
    PROHIBITED_PRODUCT = "prohibited_product"


# The categories as plain strings, in the order models and reports list them.
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FindingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"
    APPEALED = "appealed"


# A finding that still needs a moderator, and one a moderator has settled.
OPEN_STATUSES = (FindingStatus.PENDING, FindingStatus.ESCALATED, FindingStatus.APPEALED)
DECIDED_STATUSES = (FindingStatus.CONFIRMED, FindingStatus.DISMISSED)


class DecisionAction(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    ESCALATE = "escalate"


# The status each decision leaves a finding in.
STATUS_AFTER = {
    DecisionAction.CONFIRM: FindingStatus.CONFIRMED,
    DecisionAction.DISMISS: FindingStatus.DISMISSED,
    DecisionAction.ESCALATE: FindingStatus.ESCALATED,
}


class AuditAction(StrEnum):
    """Every step of a finding's audit trail: the decisions, appeals and claims."""

    CONFIRM = "confirm"
    DISMISS = "dismiss"
    ESCALATE = "escalate"
    APPEAL = "appeal"
    CLAIM = "claim"
    RELEASE = "release"


# The audit steps that are decisions (not claims, releases or appeals).
DECISION_STEPS: frozenset[AuditAction] = frozenset(AuditAction(a) for a in DecisionAction)


class Role(StrEnum):
    WORKER = "worker"
    OPERATOR = "operator"
    MODERATOR = "moderator"
    MCN = "mcn"
    ADMIN = "admin"


class FindingSource(StrEnum):
    """What produced a finding: a rule, a rule the model agreed with, the model alone, the price ledger."""

    RULES = "rules"
    RULES_MODEL = "rules+model"
    MODEL = "model"
    LEDGER = "ledger"


class RoomKind(StrEnum):
    LIVE = "live"
    RECORDING = "recording"


class RoomStatus(StrEnum):
    IDLE = "idle"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    ERROR = "error"


# What people read for each value, Chinese first: the console (through
# GET /v1/vocabulary), the reports and the CLI all show these.
LABELS: dict[str, str] = {
    Category.FALSE_ADVERTISING: "虚假宣传 false advertising",
    Category.UNCLEAR_PRICING: "价格不明 unclear pricing",
    Category.PROHIBITED_PRODUCT: "违禁商品 prohibited product",
    Severity.HIGH: "高 high",
    Severity.MEDIUM: "中 medium",
    Severity.LOW: "低 low",
}
STATUS_LABELS: dict[str, str] = {
    "open": "待处理 open",  # the queue's filter for every status in OPEN_STATUSES
    FindingStatus.PENDING: "待审 pending",
    FindingStatus.CONFIRMED: "违规 confirmed",
    FindingStatus.DISMISSED: "驳回 dismissed",
    FindingStatus.ESCALATED: "升级 escalated",
    FindingStatus.APPEALED: "申诉 appealed",
}
ACTION_LABELS: dict[str, str] = {
    AuditAction.CONFIRM: "确认违规 confirm",
    AuditAction.DISMISS: "驳回 dismiss",
    AuditAction.ESCALATE: "升级 escalate",
    AuditAction.APPEAL: "申诉 appeal",
    AuditAction.CLAIM: "认领 claim",
    AuditAction.RELEASE: "放回 release",
}


def vocabulary() -> dict[str, object]:
    """Every closed set with its labels, as the API serves it to the console."""

    def labelled(values: type[StrEnum], labels: dict[str, str] | None = None) -> list[dict[str, str]]:
        return [{"value": v.value, "label": (labels or LABELS).get(v, v.value)} for v in values]

    return {
        "categories": labelled(Category),
        "severities": labelled(Severity),
        "statuses": labelled(FindingStatus, STATUS_LABELS),
        "open_statuses": [s.value for s in OPEN_STATUSES],
        "open_label": STATUS_LABELS["open"],
        "decided_statuses": [s.value for s in DECIDED_STATUSES],
        "decision_actions": labelled(DecisionAction, ACTION_LABELS),
        "audit_actions": labelled(AuditAction, ACTION_LABELS),
        "roles": [r.value for r in Role],
        "sources": [s.value for s in FindingSource],
        "room_kinds": [k.value for k in RoomKind],
        "room_statuses": [s.value for s in RoomStatus],
    }


__all__ = [
    "ACTION_LABELS",
    "CATEGORIES",
    "DECIDED_STATUSES",
    "DECISION_STEPS",
    "LABELS",
    "OPEN_STATUSES",
    "STATUS_AFTER",
    "STATUS_LABELS",
    "AuditAction",
    "Category",
    "DecisionAction",
    "FindingSource",
    "FindingStatus",
    "Role",
    "RoomKind",
    "RoomStatus",
    "Severity",
    "vocabulary",
]
