"""Rules and model together: what a finding carries, model-only findings, sound-alike hits, calibration."""

from __future__ import annotations

import pytest

from livemod.classify import CATEGORIES, Example, ModelMeta, ModelScores, RuleEngine, combine, load_policy
from livemod.classify._train import calibrate

POLICY = load_policy()
RULES = RuleEngine(POLICY)


def meta(**thresholds: float) -> ModelMeta:
    th = dict.fromkeys(CATEGORIES, 0.5) | thresholds
    return ModelMeta(labels=[*CATEGORIES, *sorted(POLICY.subtypes)], thresholds=th, name="test-model")


def scores(**cats: float) -> ModelScores:
    subs = dict.fromkeys(POLICY.subtypes, 0.01)
    for key, p in list(cats.items()):
        if "__" in key:  # subtype given as category__subtype
            subs[key.replace("__", ".")] = p
            del cats[key]
    return ModelScores(dict.fromkeys(CATEGORIES, 0.01) | cats, subs)


def test_rule_finding_carries_rule_model_and_score() -> None:
    text = "这款面膜全网最低价"
    out = combine(text, RULES.classify(text), scores(unclear_pricing=0.93), meta(), POLICY)
    assert len(out) == 1
    m = out[0]
    assert (m.category, m.subtype) == ("unclear_pricing", "unverifiable_comparison")
    assert m.rule.startswith("unclear_pricing.unverifiable_comparison:")
    assert m.source == "rules+model"
    assert m.model == "test-model" and m.model_score == pytest.approx(0.93)


def test_model_alone_names_the_likeliest_subtype_with_its_legal_basis() -> None:
    text = "喝了一个月，老毛病再也没犯过"
    assert RULES.classify(text) == []
    out = combine(
        text,
        [],
        scores(false_advertising=0.9, false_advertising__medical_claims=0.8),
        meta(),
        POLICY,
    )
    assert [(m.category, m.subtype, m.source) for m in out] == [
        ("false_advertising", "medical_claims", "model")
    ]
    assert out[0].legal_basis == POLICY.subtype("false_advertising", "medical_claims").legal_basis
    assert out[0].rule == "model:test-model"


def test_below_threshold_the_model_adds_nothing() -> None:
    out = combine("今天天气很好", [], scores(false_advertising=0.4), meta(false_advertising=0.5), POLICY)
    assert out == []


def test_a_sound_alike_hit_stands_when_the_model_calls_the_utterance_innocent() -> None:
    # Whisper base's transcript of "到手只需六十九": the rule hears it, the model
    # (trained on clean text) scores it 0.001. The finding must survive.
    text = "刀手指需69,家人们拍起来"
    hits = RULES.classify(text)
    assert [(m.subtype, m.score < 1.0) for m in hits] == [("conditional_price_hidden", True)]
    out = combine(text, hits, scores(unclear_pricing=0.001), meta(), POLICY)
    assert [(m.subtype, m.source) for m in out] == [("conditional_price_hidden", "rules+model")]


def test_an_exact_character_hit_stands_whatever_the_model_says() -> None:
    text = "正宗穿山甲鳞片"
    hits = RULES.classify(text)
    assert hits and hits[0].score == 1.0
    assert [m.subtype for m in combine(text, hits, scores(), meta(), POLICY)] == ["protected_wildlife"]


def _ex(text: str, cats: tuple[str, ...], hard: bool = False) -> Example:
    return Example(text, "g", "dev", text, "zh", cats, (), hard, None, "original")


def test_calibration_keeps_hard_negatives_quiet() -> None:
    # The model scores the hard negative higher than one positive: the threshold
    # must sit above it even though that loses the weaker positive.
    examples = [
        _ex("a", ("false_advertising",)),
        _ex("b", ("false_advertising",)),
        _ex("c", (), hard=True),
        _ex("d", ()),
    ]
    sc = [scores(false_advertising=p) for p in (0.9, 0.5, 0.7, 0.1)]
    th, macro, fpr = calibrate(examples, [[], [], [], []], sc, meta(), POLICY, max_fpr=0.0)
    assert fpr == 0.0
    assert 0.7 < th["false_advertising"] <= 0.9
    assert macro > 0


def test_calibration_keeps_the_model_on_when_the_rules_catch_every_dev_line() -> None:
    # With every dev positive caught by the rules, any model finding on dev is a
    # false positive, so maximising dev F1 would switch the model off. Its
    # threshold comes from its own false-alarm budget instead: here one of the
    # two hard negatives (the overconfident 0.999), which max_fpr allows.
    examples = [
        _ex("原价六百九今天六十九", ("unclear_pricing",)),
        _ex("全网最低价", ("unclear_pricing",)),
        _ex("价格以页面为准", (), hard=True),
        _ex("价格就是九十九", (), hard=True),
    ]
    rule_out = [RULES.classify(ex.text) for ex in examples]
    assert all(rule_out[:2]) and not any(rule_out[2:])
    sc = [scores(unclear_pricing=p) for p in (0.9, 0.8, 0.999, 0.3)]
    th, macro, fpr = calibrate(
        examples, rule_out, sc, meta(), POLICY, max_fpr=0.5, model_fpr=0.5, min_precision=0.6
    )
    assert 0.3 < th["unclear_pricing"] <= 0.8
    assert fpr == 0.5 and macro > 0


def test_calibration_raises_the_noisiest_category_until_the_fpr_fits() -> None:
    # A budget of one hard negative per category lets each category flag one,
    # two together break max_fpr=0: both must be raised past their loudest.
    examples = [
        _ex("a", ("false_advertising",)),
        _ex("b", (), hard=True),
        _ex("c", (), hard=True),
    ]
    sc = [
        scores(false_advertising=0.99, unclear_pricing=0.2),
        scores(false_advertising=0.96, unclear_pricing=0.6),
        scores(false_advertising=0.1, unclear_pricing=0.1),
    ]
    th, _, fpr = calibrate(examples, [[], [], []], sc, meta(), POLICY, max_fpr=0.0, model_fpr=0.5)
    assert th["false_advertising"] > 0.96
    assert th["unclear_pricing"] > 0.6
    assert fpr == 0.0


def test_calibration_keeps_the_model_precise_where_hard_negatives_are_easy() -> None:
    # No hard negative scores above 0.2, but below 0.65 the model also flags a
    # line of another category: the threshold rises until its dev precision holds.
    examples = [
        _ex("a", ("false_advertising",)),
        _ex("b", ("false_advertising",)),
        _ex("c", ("unclear_pricing",)),
        _ex("d", (), hard=True),
    ]
    sc = [scores(false_advertising=p) for p in (0.9, 0.7, 0.6, 0.2)]
    th, _, _ = calibrate(examples, [[], [], [], []], sc, meta(), POLICY, max_fpr=0.05)
    assert 0.6 < th["false_advertising"] <= 0.7
