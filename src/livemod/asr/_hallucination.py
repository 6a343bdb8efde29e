"""Whisper's known inventions on silence, music and noise.

Whisper was trained on subtitled video, so on non-speech it writes the lines
subtitle files end with. These must never reach the classifier: a finding on
"请不吝点赞订阅" in a music break is a false alarm a moderator learns to ignore.
"""

from __future__ import annotations

import re

from livemod.text import to_simplified

_PHRASES = (
    "谢谢观看",
    "感谢观看",
    "感谢收看",
    "谢谢收看",
    "谢谢大家观看",
    "谢谢您的观看",
    "请不吝点赞",
    "点赞订阅",
    "订阅转发",
    "打赏支持",
    "明镜与点点",
    "订阅我的频道",
    "欢迎订阅",
    "字幕由",
    "字幕志愿者",
    "字幕提供",
    "中文字幕",
    "amara.org",
    "索兰娅",
    "优优独播剧场",
    "yoyo television series exclusive",
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "like and subscribe",
    "subtitles by",
    "transcribed by",
    "由 amara",
    "以上言论",
    "本视频",
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_NORMALISED = tuple(_PUNCT.sub("", p.lower()) for p in _PHRASES)


def is_hallucination(text: str) -> bool:
    """True for a line that is one of Whisper's stock inventions, or nothing but noise."""
    flat = _PUNCT.sub("", to_simplified(text).lower())
    if not flat:
        return True
    rest = flat
    for p in _NORMALISED:
        rest = rest.replace(p, "")
    if rest != flat:
        # An anchor may say "谢谢观看" and then a real sentence; only a line that
        # is (nearly) all stock phrase is dropped.
        return len(rest) <= 4
    # One short token repeated over and over: "啊啊啊啊啊", "嗯嗯嗯嗯".
    return len(flat) >= 6 and len(set(flat)) <= 2
