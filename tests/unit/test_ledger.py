"""The price ledger: extraction of spoken prices and session-level contradictions."""

from __future__ import annotations

import pytest

from livemod.ledger import PriceLedger, extract


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("原价六百九，今天六十九", [("reference", 690.0), ("offer", 69.0)]),
        ("到手价九十九", [("final", 99.0)]),
        ("今天只要六十九块九", [("offer", 69.9)]),
        ("吊牌价是八百八，今天宠粉价八十八", [("reference", 880.0), ("offer", 88.0)]),
        ("專櫃價一千二", [("reference", 1200.0)]),  # Traditional, as Whisper may write it
        ("原价690今天69", [("reference", 690.0), ("offer", 69.0)]),
        ("今天五点开播，3号链接马上上", []),  # a time and a link number are no prices
    ],
)
def test_extracts_prices_with_amounts_normalised(text: str, expected: list[tuple[str, float]]) -> None:
    mentions, _ = extract(text)
    assert [(m.kind, m.amount) for m in mentions] == expected


def test_conditions_and_link_numbers_are_read() -> None:
    mentions, conditions = extract("三号链接到手价八十八，领二十元券以后")
    assert conditions
    assert mentions[0].item == "3"
    assert extract("到手价八十八")[1] is False


def test_two_different_original_prices_point_at_both_moments() -> None:
    ledger = PriceLedger("r1")
    ledger.observe(0, 170_000, 172_000, "来，上3号链接")
    ledger.observe(1, 180_000, 183_000, "这款原价三百九十九")  # belongs to link 3, said just before
    ledger.observe(2, 1_200_000, 1_202_000, "我们现在看5号链接，原价两百")
    ledger.observe(3, 2_390_000, 2_392_000, "再返场一下3号链接")
    claims, found = ledger.observe(4, 2_400_000, 2_403_000, "原价五百九十九的东西")
    assert [c.amount for c in claims] == [599.0]
    assert len(found) == 1
    c = found[0]
    assert c.subtype == "fictitious_reference_price"
    assert c.rule == "ledger:two_reference_prices"
    assert c.earlier is not None and c.earlier.start_ms == 180_000
    assert c.claim.start_ms == 2_400_000


def test_reference_far_above_a_price_said_elsewhere_in_the_session() -> None:
    ledger = PriceLedger("r1")
    _, first = ledger.observe(0, 10_000, 12_000, "今天直播间只要六十九")
    _, found = ledger.observe(1, 300_000, 303_000, "我们这个专柜价一千二")
    assert not first
    assert [f.rule for f in found] == ["ledger:reference_far_above_offer"]
    assert found[0].earlier is not None and found[0].earlier.amount == 69.0


def test_a_plausible_reference_is_left_alone() -> None:
    ledger = PriceLedger("r1")
    ledger.observe(0, 10_000, 12_000, "今天只要八十九")
    _, found = ledger.observe(1, 60_000, 62_000, "日常价九十九")
    assert found == []


def test_final_price_without_conditions_is_reported_after_the_window() -> None:
    ledger = PriceLedger("r1", conditions_window_ms=60_000)
    ledger.observe(0, 0, 2_000, "到手价九十九")
    _, soon = ledger.observe(1, 30_000, 32_000, "这个面料很软")
    assert soon == []  # the anchor may still state the conditions
    _, later = ledger.observe(2, 70_000, 72_000, "我们看下一个")
    assert [f.subtype for f in later] == ["conditional_price_hidden"]
    assert later[0].claim.start_ms == 0


def test_conditions_said_shortly_after_settle_the_final_price() -> None:
    ledger = PriceLedger("r1", conditions_window_ms=60_000)
    ledger.observe(0, 0, 2_000, "到手价九十九")
    ledger.observe(1, 20_000, 24_000, "要先领二十元的券，限前一百单")
    assert ledger.close() == []


def test_close_reports_what_is_still_pending_and_skips_what_rules_flagged() -> None:
    ledger = PriceLedger("r1")
    ledger.observe(0, 0, 2_000, "券后价一百二十九")
    ledger.observe(1, 5_000, 7_000, "到手价五十九", already_flagged=frozenset({"conditional_price_hidden"}))
    found = ledger.close()
    # 券后价 names its condition (a coupon); 到手价五十九 was already flagged per utterance.
    assert found == []


def test_same_link_number_is_the_same_item_even_far_apart() -> None:
    ledger = PriceLedger("r1", item_window_ms=60_000)
    ledger.observe(0, 0, 2_000, "2号链接原价三百")
    _, found = ledger.observe(1, 3_600_000, 3_602_000, "2号链接原价五百")
    assert [f.rule for f in found] == ["ledger:two_reference_prices"]
    _, other = ledger.observe(2, 3_700_000, 3_702_000, "5号链接原价八百")
    assert other == []
