"""Scoreboard arithmetic: what `livemod eval` reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from livemod.classify import CorpusError, Example, Scoreboard, load_heard
from livemod.evaluation import evaluate_audio


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
    assert isinstance(report["subtypes"], dict)
    assert report["subtypes"][f"{fa}.absolute_terms"]["fp"] == 1
    assert report["subtypes"][f"{fa}.absolute_terms"]["fn"] == 1
    assert len(b.errors) == 2


def test_audio_errors_say_what_whisper_heard(tmp_path: Path) -> None:
    manifest = tmp_path / "room.json"
    manifest.write_text(
        json.dumps(
            {
                "audio": "room.opus",
                "duration_ms": 10_000,
                "segments": [
                    {
                        "kind": "speech",
                        "text": "到手只需六十九",
                        "start_ms": 0,
                        "end_ms": 3_000,
                        "expect": ["unclear_pricing/conditional_price_hidden"],
                    },
                    {"kind": "speech", "text": "谢谢大家", "start_ms": 4_000, "end_ms": 5_000, "expect": []},
                ],
            }
        ),
        encoding="utf-8",
    )

    def run(audio: Path, limit_ms: int | None) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
        assert audio == tmp_path / "room.opus"
        return [], [(100, 2_900, "刀手指需69"), (4_100, 4_900, "谢谢大家")]

    report = evaluate_audio(run, manifest)
    assert report["errors"] == [
        {"text": "到手只需六十九", "gold": ["unclear_pricing.conditional_price_hidden"], "predicted": [],
         "heard": "刀手指需69"}
    ]  # fmt: skip


def test_heard_lines_take_their_labels_from_the_corpus(tmp_path: Path) -> None:
    line = Example(
        "x-0", "x", "train", "到手只需六十九", "zh", ("unclear_pricing",), (), False, None, "original"
    )
    heard = tmp_path / "heard.jsonl"
    heard.write_text(json.dumps({"text": line.text, "heard": "刀手指需69"}, ensure_ascii=False) + "\n")
    (ex,) = load_heard(heard, [line])
    assert (ex.text, ex.categories, ex.variant) == ("刀手指需69", ("unclear_pricing",), "whisper")
    heard.write_text(json.dumps({"text": "不在语料里", "heard": "x"}, ensure_ascii=False) + "\n")
    with pytest.raises(CorpusError, match="not a line of the corpus"):
        load_heard(heard, [line])
