"""A room session's price ledger, and the contradictions no single sentence shows.

Every spoken price claim is recorded with its stream time. Three checks run
as claims arrive (the taxonomy's session-level view of unclear_pricing):

- two different reference ("original") prices for the same item;
- a reference price at least ``ratio`` times a price offered for the same item
  in another utterance of the session;
- a 到手价/券后价 whose conditions are stated neither in its utterance nor
  within ``conditions_window_ms`` around it; reported once that window has
  passed, or when the session closes.

"The same item" is the 链接 number: anchors announce the link when they move to
a product ("上3号链接"), so a claim belongs to the link said last. Before any
link is said, claims within ``item_window_ms`` of each other are taken to be
about one item, since anchors sell one product at a time.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace

from livemod.ledger._extract import PriceMention, extract_with_link


@dataclass(frozen=True, slots=True)
class PriceClaim:
    """One price said in the room, as the ledger records it."""

    id: str
    room_id: str
    seq: int
    start_ms: int
    end_ms: int
    kind: str
    label: str
    amount: float
    item: str | None
    text: str
    conditions_stated: bool
    span: tuple[int, int] = (0, 0)  # the claim's characters in text

    def to_dict(self) -> dict[str, object]:
        """The claim as the review API's ``PriceClaimCreate`` spells it."""
        return {**asdict(self), "span": list(self.span)}


@dataclass(frozen=True, slots=True)
class Contradiction:
    """A session-level pricing problem: ``claim`` is the later moment, ``earlier`` the one it contradicts."""

    subtype: str
    rule: str
    claim: PriceClaim
    earlier: PriceClaim | None
    explanation: str


@dataclass(slots=True)
class PriceLedger:
    room_id: str
    ratio: float = 2.0
    conditions_window_ms: int = 120_000
    item_window_ms: int = 600_000
    claims: list[PriceClaim] = field(default_factory=list)
    _pending: list[PriceClaim] = field(default_factory=list)
    _reported: set[tuple[str, str]] = field(default_factory=set)
    _condition_times: list[int] = field(default_factory=list)
    _current_item: str | None = None

    def observe(
        self,
        seq: int,
        start_ms: int,
        end_ms: int,
        text: str,
        *,
        already_flagged: frozenset[str] = frozenset(),
    ) -> tuple[list[PriceClaim], list[Contradiction]]:
        """Record the price claims of one utterance; return them and any contradictions found now.

        ``already_flagged`` holds the subtypes the per-utterance classifier
        raised for this utterance, so the ledger does not repeat them.
        """
        mentions, conditions, link = extract_with_link(text)
        if link is not None:
            self._current_item = link
        mentions = [replace(m, item=m.item or self._current_item) for m in mentions]
        if conditions:
            self._condition_times.append(start_ms)
        new = [self._claim(seq, start_ms, end_ms, text, m, conditions) for m in mentions]
        found: list[Contradiction] = []
        for c in new:
            found += self._check(c, text)
        self.claims.extend(new)
        if "conditional_price_hidden" not in already_flagged:
            self._pending += [c for c in new if c.kind == "final" and not c.conditions_stated]
        found += self._expire(end_ms)
        return new, found

    def close(self) -> list[Contradiction]:
        """The session ended: every still-unconditioned final price is reported."""
        return self._expire(None)

    def _claim(
        self, seq: int, start_ms: int, end_ms: int, text: str, m: PriceMention, conditions: bool
    ) -> PriceClaim:
        return PriceClaim(
            id=uuid.uuid4().hex,
            room_id=self.room_id,
            seq=seq,
            start_ms=start_ms,
            end_ms=end_ms,
            kind=m.kind,
            label=m.label,
            amount=m.amount,
            item=m.item,
            text=text,
            conditions_stated=conditions,
            span=(m.start, m.end),
        )

    def _same_item(self, a: PriceClaim, b: PriceClaim) -> bool:
        if a.item and b.item:
            return a.item == b.item
        return abs(a.start_ms - b.start_ms) <= self.item_window_ms

    def _check(self, c: PriceClaim, text: str) -> list[Contradiction]:
        out: list[Contradiction] = []
        earlier = [e for e in self.claims if e.seq != c.seq and self._same_item(c, e)]
        if c.kind == "reference":
            for e in earlier:
                if e.kind == "reference" and abs(e.amount - c.amount) > 0.01 * max(e.amount, c.amount):
                    if self._once("two_references", c):
                        out.append(
                            Contradiction(
                                "fictitious_reference_price",
                                "ledger:two_reference_prices",
                                c,
                                e,
                                f"两个不同的参考价：{e.label}{e.amount:g}元 与 {c.label}{c.amount:g}元",
                            )
                        )
                    break
        pairs = (
            [(c, e) for e in earlier if e.kind != "reference"]
            if c.kind == "reference"
            else [(e, c) for e in earlier if e.kind == "reference"]
        )
        for ref, offer in pairs:
            if ref.amount >= self.ratio * offer.amount and self._once("far_above", ref):
                out.append(
                    Contradiction(
                        "fictitious_reference_price",
                        "ledger:reference_far_above_offer",
                        c,
                        offer if ref is c else ref,
                        f"参考价{ref.label}{ref.amount:g}元是本场{offer.label}{offer.amount:g}元的"
                        f"{ref.amount / offer.amount:.1f}倍，需能证明曾以该价成交（活动前七日最低成交价）",
                    )
                )
                break
        return out

    def _once(self, kind: str, claim: PriceClaim) -> bool:
        key = (kind, f"{claim.seq}:{claim.label}:{claim.amount}")
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    def _expire(self, now_ms: int | None) -> list[Contradiction]:
        out: list[Contradiction] = []
        keep: list[PriceClaim] = []
        for c in self._pending:
            lo, hi = c.start_ms - self.conditions_window_ms, c.end_ms + self.conditions_window_ms
            if any(lo <= t <= hi for t in self._condition_times):
                continue
            if now_ms is not None and now_ms <= hi:
                keep.append(c)
                continue
            out.append(
                Contradiction(
                    "conditional_price_hidden",
                    "ledger:conditions_never_stated",
                    c,
                    None,
                    f"{c.label}{c.amount:g}元的使用条件（券、件数、会员、限量）在前后"
                    f"{self.conditions_window_ms // 1000}秒内都没有说明",
                )
            )
        self._pending = keep
        return out
