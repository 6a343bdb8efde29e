"""The learned classifier for real: training on a slice, the shipped default model, the eval gate.

The default model ships in the package as a compact artifact and is assembled
into the shared cache directory on first use, as the pipeline does.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from livemod.classify import (
    HybridClassifier,
    ModelClassifier,
    ModelScores,
    RuleEngine,
    TrainOptions,
    assemble,
    build_base_encoder,
    classifier_path,
    load_corpus,
    train,
    write_artifact,
)
from livemod.config import Settings
from tests.conftest import FIXTURES, ROOT

LIVEMOD = str(ROOT / ".venv" / "bin" / "livemod")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def default_model() -> ModelClassifier:
    # The shipped artifact, assembled over the base weights as every command does.
    where = classifier_path(Settings())
    assert where is not None
    return ModelClassifier(where, device="cpu")


def test_training_on_a_tiny_slice_writes_a_loadable_calibrated_model(tmp_path: Path) -> None:
    base = build_base_encoder(Settings().cache_dir / "e5-small-base")
    out = tmp_path / "tiny"
    steps: list[int] = []
    report = train(
        base,
        out,
        options=TrainOptions(epochs=1, limit=24, batch_size=8, max_length=48),
        on_progress=lambda _msg, step, _total: steps.append(step),
    )
    assert report.train_examples == 24 and steps
    meta = json.loads((out / "livemod.json").read_text(encoding="utf-8"))
    assert meta["labels"][:3] == ["false_advertising", "unclear_pricing", "prohibited_product"]
    assert set(meta["thresholds"]) == {"false_advertising", "unclear_pricing", "prohibited_product"}
    # Each scoring path has its own calibration: int8 on CPU, float as on CUDA.
    assert set(meta["thresholds_float"]) == set(meta["thresholds"])
    clf = ModelClassifier(out, device="cpu")
    (s,) = clf.scores(["原价三百九十九今天只要六十九"])
    assert set(s.categories) == set(meta["thresholds"])
    assert all(0.0 <= p <= 1.0 for p in s.subtypes.values())
    assert clf.meta.thresholds == meta["thresholds"]
    flt = ModelClassifier(out, device="cpu", quantize=False)
    assert flt.meta.thresholds == meta["thresholds_float"]


def test_training_on_a_small_subset_learns(tmp_path: Path) -> None:
    """Loss falls, and a line of the subset that the untrained head got wrong is right after training."""
    base = build_base_encoder(Settings().cache_dir / "e5-small-base")

    def opts(epochs: int) -> TrainOptions:
        return TrainOptions(epochs=epochs, limit=48, batch_size=8, max_length=48, seed=13)

    train(base, tmp_path / "before", options=opts(0))  # the fresh head, untrained
    report = train(base, tmp_path / "after", options=opts(6))
    losses = report.epoch_losses
    assert len(losses) == 6 and losses[-1] < 0.6 * losses[0], losses
    # The subset train() drew, drawn the same way.
    subset = random.Random(13).sample(load_corpus(split="train"), 48)
    before = ModelClassifier(tmp_path / "before", device="cpu", quantize=False, calibrating=True)
    after = ModelClassifier(tmp_path / "after", device="cpu", quantize=False, calibrating=True)
    texts = [ex.text for ex in subset]

    def right(scores: list[ModelScores]) -> list[bool]:
        return [
            all((s.categories[c] >= 0.5) == (c in ex.categories) for c in s.categories)
            for ex, s in zip(subset, scores, strict=True)
        ]

    was, now = right(before.scores(texts)), right(after.scores(texts))
    flipped = [ex.text for ex, w, n in zip(subset, was, now, strict=True) if n and not w]
    assert flipped, "training made no line of its own subset right that was wrong before"
    assert sum(now) > sum(was), (sum(was), sum(now))

    # Its compact artifact (what training changed, int8 deltas) assembles to the same scores.
    write_artifact(tmp_path / "after", base, tmp_path / "artifact")
    size = sum(p.stat().st_size for p in (tmp_path / "artifact").iterdir())
    assert size < 25e6
    assembled = assemble(tmp_path / "artifact", tmp_path / "assembled", Settings().cache_dir)
    again = ModelClassifier(assembled, device="cpu", quantize=False, calibrating=True)
    for a, b in zip(after.scores(texts), again.scores(texts), strict=True):
        assert max(abs(a.categories[c] - b.categories[c]) for c in a.categories) < 0.02


def test_train_command_trains_with_the_seed_it_is_given(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    proc = subprocess.run(
        [LIVEMOD, "train", "--epochs", "1", "--limit", "16", "--seed", "5", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    trained = json.loads((out / "livemod.json").read_text(encoding="utf-8"))["trained"]
    assert (trained["seed"], trained["train_examples"], trained["epochs"]) == (5, 16, 1)


# Utterances written for this test, not in the corpus: claims the rules do not
# spell out, and innocent lines full of trigger words.
MODEL_POSITIVES = [
    ("坚持喝这个茶，血糖慢慢就稳住了，降糖药都可以停", "false_advertising"),
    ("用了我们这个霜，斑点全部消失，效果保证", "false_advertising"),
    ("原价八百多，今天直播间只要一百出头", "unclear_pricing"),
]
HARD_NEGATIVES = [
    "这个茶就是普通饮品，不能代替药物，身体不舒服请去医院",
    "价格就是页面上的九十九，领券规则在商品详情里写着",
    "第一次来的朋友先看看尺码表，最近天冷注意保暖",
]


def test_default_model_on_known_cases(default_model: ModelClassifier) -> None:
    meta = default_model.meta
    assert meta.trained["train_examples"] > 1000
    clf = HybridClassifier(RuleEngine(), default_model)
    for text, category in MODEL_POSITIVES:
        found = clf.classify(text)
        assert category in {m.category for m in found}, (text, found)
        assert all(m.model == meta.name and m.model_score is not None for m in found)
    for text in HARD_NEGATIVES:
        assert clf.classify(text) == [], text
    # The model reads Traditional characters and homophones the way Whisper writes them.
    (trad,) = default_model.scores(["原價八百多，今天直播間只要一百出頭"])
    assert trad.categories["unclear_pricing"] > 0.5


def test_eval_command_gates_a_regression(tmp_path: Path, default_model: ModelClassifier) -> None:
    out = tmp_path / "report.json"
    cmd = [
        LIVEMOD, "eval",
        "--limit", "150",
        "--audio", str(FIXTURES / "room_demo.json"),
        "--heard", "data/corpus/source/whisper_heard.jsonl",
        "--out", str(out),
        "--min-macro-f1", "0.80",
        "--max-hard-fpr", "0.08",
        "--min-audio-f1", "0.80",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    text = report["text"]["systems"]["combined"]
    assert text["utterances"] == 150
    assert set(text["categories"]) == {"false_advertising", "unclear_pricing", "prohibited_product"}
    assert report["text"]["speed"]["model_utt_per_s_batched"] > 0
    (audio,) = report["audio"]
    assert audio["segments"] == 18 and audio["findings"] > 0
    # What Whisper base really wrote for 220 train lines: the sound-alike layer keeps these up.
    heard = report["heard"]["systems"]["combined"]
    assert heard["utterances"] == 220 and heard["macro_f1"] > 0.85, heard
    # An impossible target fails the build with a readable reason.
    strict = [*cmd[:4], "--no-audio", "--min-macro-f1", "0.999"]
    proc = subprocess.run(strict, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert "below target" in proc.stderr


def test_corpus_file_is_what_the_builder_makes() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/build_corpus.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    test = load_corpus(split="test")
    assert len(load_corpus()) >= 2000 and len(test) > 400
