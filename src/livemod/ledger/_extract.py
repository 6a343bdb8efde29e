"""Price claims in one utterance: what kind of price, how much, and whether its conditions were said."""

from __future__ import annotations

import re
from dataclasses import dataclass

from livemod.text import normalize

# Reference prices: a "was" or "elsewhere" price the offer is measured against.
_REFERENCE = (
    "原价|原来卖|原来都卖|原来要|之前卖|之前都卖|以前卖|以前都卖|划线价|专柜价|专柜卖|专柜要|吊牌价|吊牌|市场价|"
    "官网价|官方价|日常价|平时卖|平时都卖|平时要|门店价|零售价|指导价|商场卖|商场里卖|外面卖|外面都卖"
)
# Offer prices: what the viewer pays here and now.
_FINAL = "到手价|到手只要|到手只需|到手才|到手|券后价|券后只要|券后|折后价|秒杀价|秒杀"
_OFFER = (
    "今天只要|今天只卖|今天直播间只要|直播间只要|现在只要|只要|只卖|仅需|直播间价|福利价|宠粉价|特价|活动价|"
    "今天|给你|破价|直接"
)
# An amount, not a time, date or count: "今天5点" and "3号链接" are no prices.
_AMOUNT = (
    r"(?P<amount>\d+(?:\.\d+)?)(?P<unit>万|千)?"
    r"(?:(?:元|块钱|块)(?P<jiao>\d)(?!\d)|元|块钱|块|(?![\d点号月日天个件分秒年位单斤克岁次瓶盒支]))"
)
_CLAIM = re.compile(
    rf"(?P<label>{_REFERENCE}|{_FINAL}|{_OFFER})(?:是|要|都要|都是|也是|只要|才|就|一共)?{_AMOUNT}"
)
_LINK = re.compile(r"(\d+)号(?:链接|链|宝贝)|链接(\d+)")
# Conditions that make a conditional price complete (coupon, quantity, membership, limits).
CONDITIONS = re.compile(
    r"券|满\d+|会员|第\d件|拍\d件|拍\d|叠加|领取|前\d+(?:名|单|位)|限量|限\d+|条件|需要|参加|参与|包含|"
    r"新人|首单|立减|买\d送\d|两件|2件|多件|以页面|以下单页|以结算"
)
_REFERENCE_SET = set(_REFERENCE.split("|"))
_FINAL_SET = set(_FINAL.split("|"))


@dataclass(frozen=True, slots=True)
class PriceMention:
    kind: str  # "reference", "final" (到手/券后/秒杀) or "offer" (今天只要 ...)
    label: str
    amount: float  # yuan
    start: int  # offsets into the original utterance
    end: int
    item: str | None  # "3" for 3号链接, when said


def extract(text: str) -> tuple[list[PriceMention], bool]:
    """Price mentions in ``text`` and whether it states any condition."""
    mentions, conditions, _ = extract_with_link(text)
    return mentions, conditions


def extract_with_link(text: str) -> tuple[list[PriceMention], bool, str | None]:
    """As :func:`extract`, plus the link number the utterance names, if any."""
    norm = normalize(text)
    canon = norm.text
    link = _LINK.search(canon)
    item = (link.group(1) or link.group(2)) if link else None
    out: list[PriceMention] = []
    for m in _CLAIM.finditer(canon):
        amount = float(m.group("amount"))
        if m.group("unit") == "万":
            amount *= 10_000
        elif m.group("unit") == "千":
            amount *= 1_000
        if m.group("jiao"):
            amount += int(m.group("jiao")) / 10
        if amount <= 0 or amount > 10_000_000:
            continue
        label = m.group("label")
        kind = "reference" if label in _REFERENCE_SET else "final" if label in _FINAL_SET else "offer"
        s, e = norm.original_span(m.start(), m.end())
        out.append(PriceMention(kind, label, amount, s, e, item))
    return out, bool(CONDITIONS.search(canon)), item
