import pytest

from livemod.text import normalize


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
        # Numbers glued together when punctuation is dropped stay two numbers.
        ("到手价一百零九，三号链接", "到手价109,3号链接"),
        ("到手价一百零九三号链接", "到手价109,3号链接"),
        ("九十九，九十九", "99,99"),
        # A loose range is no number to split.
        ("两三百", "两三百"),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    assert normalize(text).text == canonical


def test_spans_map_back_to_what_whisper_wrote() -> None:
    n = normalize("到手價 九十九元")
    start = n.text.index("99")
    s, e = n.original_span(start, start + 2)
    assert n.original[s:e] == "九十九"


@pytest.mark.parametrize(
    ("heard", "canonical"),
    [
        # What Whisper base wrote for read-aloud train lines (scripts/asr_confusions.py).
        ("刀手架99直接拍", "到手价99直接拍"),
        ("华先家一千零九十九", "划线价1099"),
        ("这个调排价是八百八", "这个吊牌价是880"),
        ("原家三百九十九", "原价399"),
        # Same sounds with no amount or verb after them stay as they are.
        ("回原家看看", "回原家看看"),
        ("一家三口", "一家三口"),
        ("特加厚款", "特加厚款"),
    ],
)
def test_price_words_misheard_by_whisper_are_repaired(heard: str, canonical: str) -> None:
    n = normalize(heard)
    assert n.text == canonical
    assert len(n.index) == len(n.text)  # offsets still map every character
