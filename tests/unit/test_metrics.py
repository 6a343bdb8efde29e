"""Scoreboard arithmetic: what `livemod eval` reports."""

from __future__ import annotations

import pytest

from livemod.evaluation import Scoreboard


def test_precision_recall_f1_and_hard_negative_rate() -> None:
    b = Scoreboard()
    fa, up = "false_advertising", "unclear_pricing"
    b.add([fa], [f"{fa}.medical_claims"], [fa], [f"{fa}.medical_claims"])  # hit
    b.add([fa], [f"{fa}.absolute_terms"], [], [])  # miss
    b.add([], [], [fa], [f"{fa}.absolute_terms"], hard_negative=True)  # false alarm on a hard negative
    b.add([], [], [], [], hard_negative=True)
    b.add([up], [f"{up}.bait_price"], [up], [f"{up}.bait_price"])
    fa_counts = b.categories[fa]
    assert (fa_counts.tp, fa_counts.fp, fa_counts.fn) == (1, 1, 1)
    assert fa_counts.precision == pytest.approx(0.5) and fa_counts.recall == pytest.approx(0.5)
    assert b.categories[up].f1 == pytest.approx(1.0)
    # prohibited_product has no support and no predictions: F1 0, and it still counts in the macro.
    assert b.macro_f1 == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert b.hard_negative_fpr == pytest.approx(0.5)
    report = b.as_dict()
    assert report["subtypes"][f"{fa}.absolute_terms"]["fp"] == 1
    assert report["subtypes"][f"{fa}.absolute_terms"]["fn"] == 1
    assert len(b.errors) == 2
