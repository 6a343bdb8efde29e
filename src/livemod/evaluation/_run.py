"""``livemod eval``: the classifier on the corpus test split, and the whole pipeline on audio.

Text: rules alone, the model alone and the two together, from one pass of
each, with per-category and per-subtype precision, recall and F1, the share
of hard negatives that raise any finding, throughput (batched) and the latency
the model adds to one utterance.

Audio: a fixture (Opus plus a JSON manifest of spoken lines) through ffmpeg,
Silero VAD, Whisper and the classifier, exactly as ``livemod scan`` runs it;
a finding counts for the manifest line its time span overlaps most.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from livemod.classify import Example, HybridClassifier, Match, Scoreboard, combine


def _labels(matches: Sequence[Match]) -> tuple[set[str], set[str]]:
    return {m.category for m in matches}, {f"{m.category}.{m.subtype}" for m in matches}


def evaluate_text(
    classifier: HybridClassifier,
    examples: Sequence[Example],
    *,
    latency_samples: int = 50,
) -> dict[str, Any]:
    texts = [ex.text for ex in examples]
    rules = classifier.rules
    model = classifier.model

    t0 = time.perf_counter()
    rule_out = [rules.classify(t) for t in texts]
    rules_s = time.perf_counter() - t0
    scores = None
    model_s = 0.0
    if model is not None:
        model.scores(texts[:8])  # warm-up: first calls allocate
        t0 = time.perf_counter()
        scores = model.scores(texts)
        model_s = time.perf_counter() - t0

    systems: dict[str, Scoreboard] = {"rules": Scoreboard()}
    if model is not None and scores is not None:
        systems["model"] = Scoreboard()
        systems["combined"] = Scoreboard()
    for i, ex in enumerate(examples):
        outs: dict[str, list[Match]] = {"rules": list(rule_out[i])}
        if model is not None and scores is not None:
            outs["model"] = combine(ex.text, [], scores[i], model.meta, rules.policy)
            outs["combined"] = combine(ex.text, rule_out[i], scores[i], model.meta, rules.policy)
        for name, ms in outs.items():
            pc, ps = _labels(ms)
            systems[name].add(
                ex.categories, ex.subtypes, pc, ps, hard_negative=ex.hard_negative, text=ex.text
            )

    primary = "combined" if "combined" in systems else "rules"
    report: dict[str, Any] = {
        "examples": len(examples),
        "primary": primary,
        "systems": {k: v.as_dict() for k, v in systems.items()},
        "errors": systems[primary].errors,
    }
    n = max(1, len(texts))
    speed: dict[str, Any] = {"rules_utt_per_s": round(n / max(rules_s, 1e-9), 1)}
    if model is not None:
        speed["model_utt_per_s_batched"] = round(n / max(model_s, 1e-9), 1)
        speed["combined_utt_per_s_batched"] = round(n / max(model_s + rules_s, 1e-9), 1)
        single = []
        for t in texts[:latency_samples]:
            t0 = time.perf_counter()
            model.scores([t])
            single.append((time.perf_counter() - t0) * 1000)
        if single:
            single.sort()
            speed["model_added_latency_ms_p50"] = round(statistics.median(single), 1)
            speed["model_added_latency_ms_p95"] = round(
                single[min(len(single) - 1, int(0.95 * len(single)))], 1
            )
        speed["model"] = model.name
        speed["device"] = model.device
    report["speed"] = speed
    return report


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def evaluate_audio(
    run_pipeline: Callable[[Path, int | None], tuple[list[dict[str, Any]], list[tuple[int, int, str]]]],
    manifest_path: Path,
    *,
    limit_ms: int | None = None,
) -> dict[str, Any]:
    """Score findings from ``run_pipeline(audio, limit_ms)`` against a fixture manifest.

    ``run_pipeline`` returns the findings (as dicts) and the transcripts as
    ``(start_ms, end_ms, text)``; each error in the report carries what was heard
    over its line, which is how an ASR miss is told from a classifier miss.
    """
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    audio = manifest_path.parent / manifest["audio"]
    segments = [s for s in manifest["segments"] if limit_ms is None or s["end_ms"] <= limit_ms]
    t0 = time.perf_counter()
    findings, transcripts = run_pipeline(audio, limit_ms)
    seconds = time.perf_counter() - t0
    predicted: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in segments]
    stray: list[dict[str, Any]] = []
    for f in findings:
        best, best_i = 0, -1
        for i, s in enumerate(segments):
            ov = _overlap(f["start_ms"], max(f["end_ms"], f["start_ms"] + 1), s["start_ms"], s["end_ms"])
            if ov > best:
                best, best_i = ov, i
        if best_i < 0:
            stray.append(f)
            continue
        predicted[best_i][0].add(f["category"])
        predicted[best_i][1].add(f"{f['category']}.{f['subtype']}")
    board = Scoreboard()
    for s, (pc, ps) in zip(segments, predicted, strict=True):
        if s["kind"] != "speech":
            # Music and silence: any finding there is a false positive.
            board.add([], [], pc, ps, text=f"[{s['kind']}]")
            continue
        gold_subs = [e.replace("/", ".", 1) for e in s.get("expect", [])]
        gold_cats = {g.split(".", 1)[0] for g in gold_subs}
        heard = " | ".join(
            t for t0, t1, t in transcripts if _overlap(t0, t1, s["start_ms"], s["end_ms"]) > (t1 - t0) // 2
        )
        board.add(
            gold_cats,
            gold_subs,
            pc,
            ps,
            hard_negative=bool(s.get("hard_negative")),
            text=s["text"],
            heard=heard,
        )
    duration = limit_ms or manifest["duration_ms"]
    return {
        "fixture": str(manifest_path.name),
        "audio_ms": duration,
        "segments": len(segments),
        "findings": len(findings),
        "findings_outside_any_line": len(stray),
        "seconds": round(seconds, 1),
        # Seconds of audio per second of wall time: bigger is faster. (ASR's
        # real_time_factor is the inverse view: compute seconds per audio second.)
        "times_real_time": round(duration / 1000 / max(seconds, 1e-9), 2),
        "scores": board.as_dict(),
        "errors": board.errors,
    }
