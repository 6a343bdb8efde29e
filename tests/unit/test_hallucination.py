import pytest

from livemod.asr import is_hallucination


@pytest.mark.parametrize(
    "text",
    [
        "谢谢观看",
        "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
        "字幕由Amara.org社区提供",
        "Thank you for watching!",
        "嗯嗯嗯嗯嗯嗯",
        "  。。",
        "优优独播剧场——YoYo Television Series Exclusive",
    ],
)
def test_stock_lines_are_dropped(text: str) -> None:
    assert is_hallucination(text)


@pytest.mark.parametrize("text", ["谢谢大家，我们明天见", "谢谢观看，今天这款全网最低价", "原价三百九十九"])
def test_real_speech_is_kept(text: str) -> None:
    assert not is_hallucination(text)
