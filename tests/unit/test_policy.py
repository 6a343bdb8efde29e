from pathlib import Path

import pytest

from livemod.classify import CATEGORIES, PolicyError, load_policy

# Every subtype of shared/docs/taxonomy.md.
TAXONOMY = {
    "false_advertising": {
        "absolute_terms",
        "medical_claims",
        "efficacy_guarantee",
        "fake_authority",
        "misrepresented_quality",
        "fake_urgency",
        "disparagement",
        "income_or_outcome_promise",
    },
    "unclear_pricing": {
        "fictitious_reference_price",
        "unverifiable_comparison",
        "conditional_price_hidden",
        "price_not_stated",
        "bait_price",
        "broken_price_promise",
        "fake_promotion",
    },
    "prohibited_product": {
        "protected_wildlife",
        "prescription_or_special_drugs",
        "tobacco_ecig",
        "banned_fishing_gear",
        "weapons_controlled",
        "counterfeit",
        "off_platform_trade",
    },
}


def test_pack_covers_the_whole_taxonomy() -> None:
    policy = load_policy()
    assert set(CATEGORIES) == set(TAXONOMY)
    for cat, subs in TAXONOMY.items():
        got = {s.name for s in policy.subtypes.values() if s.category == cat}
        assert got == subs, cat
    for st in policy.subtypes.values():
        assert st.legal_basis and st.suggestion and st.severity in ("low", "medium", "high")


def test_bad_pack_is_explained(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"_common\.yaml"):
        load_policy(tmp_path)
    src = load_policy().source
    for f in src.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "unclear_pricing.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("severity: high", "severity: extreme", 1), encoding="utf-8"
    )
    with pytest.raises(PolicyError, match="severity"):
        load_policy(tmp_path)
