import pytest

from livemod.classify import normalize


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("原價三百九十九，今天只要六十九！", "原价399今天只要69"),
        ("原价399今天只要69", "原价399今天只要69"),
        ("想要的扣一，我私你", "想要的扣1我私你"),
        ("九块九包邮", "9块9包邮"),
        ("吃三天降血糖", "吃3天降血糖"),
        ("两百出头", "200出头"),
        ("ＡＢＣ　全网", "abc全网"),
        # Words that contain 一 are words, not numbers.
        ("唯一的一样东西", "唯一的一样东西"),
        ("一定要试试", "一定要试试"),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    assert normalize(text).text == canonical


def test_spans_map_back_to_what_whisper_wrote() -> None:
    n = normalize("到手價 九十九元")
    start = n.text.index("99")
    s, e = n.original_span(start, start + 2)
    assert n.original[s:e] == "九十九"
