"""Early windows in a live room: a phrase is warned about once, as soon as its words are stable.

The harness drives :meth:`Pipeline.process` with hand-made segments and a
scripted transcriber (what Whisper "heard" in each window), over the real rules.
"""

from __future__ import annotations

import numpy as np

from livemod.classify import HybridClassifier, RuleEngine, load_policy
from livemod.frames import SAMPLE_RATE, SpeechSegment, Transcript, Word, ms_to_samples
from livemod.pipeline import LiveOptions, Pipeline

CLASSIFIER = HybridClassifier(RuleEngine(load_policy()))


class ScriptedTranscriber:
    """Returns the words scripted for a segment's (seq, early, end_ms)."""

    def __init__(self, script: dict[tuple[int, bool, int], list[tuple[str, int, int]]]) -> None:
        self.script = script

    def load(self) -> None:
        pass

    def transcribe(self, segment: SpeechSegment) -> Transcript | None:
        words = self.script.get((segment.seq, segment.early, segment.end_ms))
        if not words:
            return None
        ws = tuple(Word(t, a, b) for t, a, b in words)
        return Transcript("r", segment.seq, segment.start_ms, segment.end_ms, "".join(w.text for w in ws), ws)


def segment(start_ms: int, end_ms: int, *, early: bool, seq: int = 0, clipped: bool = False) -> SpeechSegment:
    audio = np.zeros(ms_to_samples(end_ms - start_ms), dtype=np.float32)
    return SpeechSegment("r", seq, start_ms * SAMPLE_RATE // 1000, audio, early=early, clipped=clipped)


def pipeline(script: dict[tuple[int, bool, int], list[tuple[str, int, int]]]) -> Pipeline:
    return Pipeline(
        ScriptedTranscriber(script),  # type: ignore[arg-type]
        CLASSIFIER,
        room_id="r",
        clips_dir=None,
        live=LiveOptions(early_step_ms=750, stable_margin_ms=300, dedupe_slack_ms=500),
    )


# The anchor: "国家级的工艺" (0-2.0 s), filler, then "绝无仅有" (6.0-7.2 s), one segment 0-8 s.
FIRST = [("国家级", 200, 1400), ("的工艺", 1400, 2000)]
FILLER = [("大家看一下这个颜色", 2200, 5800)]
SECOND = [("绝无仅有", 6000, 7200)]


def test_a_stable_phrase_is_sent_from_the_window_and_not_again_with_the_segment() -> None:
    p = pipeline({(0, True, 3000): FIRST, (0, False, 8000): FIRST + FILLER})
    early = p.process(segment(0, 3000, early=True))
    assert [(f.subtype, f.matched, f.start_ms, f.end_ms) for f in early] == [
        ("absolute_terms", "国家级", 200, 1400)
    ]
    assert p.process(segment(0, 8000, early=False)) == []


def test_words_at_the_end_of_a_window_wait_for_a_later_decode() -> None:
    # 国家级 ends 100 ms before the window does: Whisper may still change it.
    p = pipeline({(0, True, 1500): FIRST[:1], (0, False, 8000): FIRST + FILLER})
    assert p.process(segment(0, 1500, early=True)) == []
    final = p.process(segment(0, 8000, early=False))
    assert [(f.matched, f.start_ms, f.end_ms) for f in final] == [("国家级", 200, 1400)]


def test_the_segment_reports_a_phrase_the_windows_missed_beside_one_they_sent() -> None:
    # The rules merge both phrases into one absolute_terms match for the whole
    # segment; the window already sent the first, so only the second is new.
    p = pipeline({(0, True, 3000): FIRST, (0, False, 8000): FIRST + FILLER + SECOND})
    assert len(p.process(segment(0, 3000, early=True))) == 1
    final = p.process(segment(0, 8000, early=False))
    assert [(f.subtype, f.matched, f.start_ms, f.end_ms) for f in final] == [
        ("absolute_terms", "绝无仅有", 6000, 7200)
    ]
    assert final[0].span == (final[0].text.index("绝无仅有"), len(final[0].text))


def test_a_window_sends_its_stable_phrase_while_a_later_one_still_settles() -> None:
    words = FIRST + FILLER + [("绝无", 6000, 6900)] + [("仅有", 6900, 7400)]
    p = pipeline({(0, True, 7500): words, (0, True, 8250): FIRST + FILLER + SECOND})
    early = p.process(segment(500, 7500, early=True))
    assert [f.matched for f in early] == ["国家级"]
    later = p.process(segment(1250, 8250, early=True))
    assert [(f.matched, f.start_ms, f.end_ms) for f in later] == [("绝无仅有", 6000, 7200)]


def test_a_window_that_cut_into_speech_does_not_judge_its_first_words() -> None:
    # "平台有价保服务": a window starting at 价保 lost the "平台有" that excuses it.
    heard = [("价保", 5100, 5600), ("服务具体规则在平台页面查", 5600, 9000)]
    whole = [("平台有", 4500, 5100), *heard]
    p = pipeline({(0, True, 10000): heard, (0, False, 10500): whole})
    assert p.process(segment(5000, 10000, early=True, clipped=True)) == []
    assert p.process(segment(4300, 10500, early=False)) == []


def test_a_window_that_holds_the_start_of_speech_judges_everything() -> None:
    p = pipeline({(0, True, 3000): FIRST})
    assert [f.matched for f in p.process(segment(0, 3000, early=True, clipped=False))] == ["国家级"]
    p = pipeline({(0, True, 3000): FIRST})
    assert p.process(segment(0, 3000, early=True, clipped=True)) == []
