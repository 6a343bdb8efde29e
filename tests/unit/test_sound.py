"""Patterns matched on sound: how close each literal must be, and offsets back into the text."""

from __future__ import annotations

import re

import pytest

from livemod.classify._sound import SoundText, compile_sound


def spans(pattern: str, text: str, *, loose: bool = False) -> list[str]:
    sp = compile_sound(re.compile(pattern), loose=loose)
    assert sp is not None
    st = SoundText.of(text)
    return [text[s:e] for s, e in st.finditer(sp)]


def test_a_long_run_matches_through_fuzzy_sound() -> None:
    # dao shou zhi xu: the tones differ and 指 is zhi like 只.
    assert spans(r"到手只需\d+", "刀手指需69拍起来") == ["刀手指需69"]


def test_a_two_character_run_needs_the_same_plain_syllables() -> None:
    assert spans("改价", "我后台给你改架") == ["改架"]
    assert spans("包赚", "这个包装是全新的") == []  # zhuang is not zhuan


def test_a_single_character_must_be_exact() -> None:
    assert spans("(拍下)(补|另付)", "拍下不会改价") == []
    assert spans("(拍下)(补|另付)", "拍下补运费") == ["拍下补"]
    assert spans("[喝吃]了", "和了") == []


def test_alternatives_backtrack_from_a_failed_exact_character() -> None:
    # 价 alone fails on 家; the engine goes on to the two-character 价格.
    assert spans("私发(价|价格)", "后台司法家个给你") == ["司法家个"]


def test_a_quantifier_after_a_literal_applies_to_the_whole_character() -> None:
    assert spans("到手价?只要", "到手只要") == ["到手只要"]
    assert spans("到手价?只要", "刀手架只要") == ["刀手架只要"]


def test_dot_and_digits_count_characters_not_codes() -> None:
    assert spans(r"原价\d+.{0,2}今天", "原价399的今天") == ["原价399的今天"]
    assert spans(r"原价\d+.{0,2}今天", "原价399的东西今天") == []


def test_offsets_map_back_to_the_text() -> None:
    st = SoundText.of("a改架b")
    assert st.to_text(st.to_sound(1)) == 1
    assert st.to_text(st.to_sound(3)) == 3
    assert st.to_text(len(st.sound)) == 4


@pytest.mark.parametrize("pattern", [r"\w+价", "[^不]价", "abc"])
def test_no_sound_form_where_it_would_split_a_character(pattern: str) -> None:
    assert compile_sound(re.compile(pattern)) is None


def test_loose_forms_hear_every_literal_by_fuzzy_sound() -> None:
    assert spans("不说", "部缩最好", loose=True) == ["部缩"]  # shuo heard as suo
    assert spans("不说", "部缩最好") == []
    assert spans("不", "部", loose=True) == ["部"]
    assert spans("不", "部") == []


def test_private_use_characters_in_the_input_are_not_taken_for_codes() -> None:
    text = "改价\ue001\ue00299"
    assert spans(r"改价.{0,2}\d+", text) == [text]
