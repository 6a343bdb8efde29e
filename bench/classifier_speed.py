"""Throughput and added latency of the learned classifier on this machine.

Loads the default classifier the way the pipeline does (int8 dynamic
quantisation on CPU; float16 on CUDA) and scores the corpus's test split:
batched throughput at several batch sizes, the latency one utterance adds
(p50/p95 over single calls), the rules' own cost, and peak RSS.

    .venv/bin/python bench/classifier_speed.py [--device cpu|cuda] [--repeat 4] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

from livemod.classify import ModelClassifier, RuleEngine, load_corpus
from livemod.config import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=4, help="passes over the test split per batch size")
    ap.add_argument("--model", default=None, help="model directory [default: the trained default]")
    args = ap.parse_args()
    texts = [ex.text for ex in load_corpus(split="test")]
    t0 = time.perf_counter()
    model = ModelClassifier(args.model or Settings().default_classifier_dir, device=args.device)
    load_s = time.perf_counter() - t0
    out: dict[str, object] = {
        "device": model.device,
        "utterances": len(texts),
        "mean_chars": round(statistics.mean(len(t) for t in texts), 1),
        "load_s": round(load_s, 2),
    }
    for batch in (16, 64, 256):
        model._batch = batch
        model.scores(texts[:batch])  # warm-up
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            model.scores(texts)
        dt = time.perf_counter() - t0
        out[f"utt_per_s_batch{batch}"] = round(args.repeat * len(texts) / dt, 1)
    single = []
    for t in texts[:200]:
        t0 = time.perf_counter()
        model.scores([t])
        single.append((time.perf_counter() - t0) * 1000)
    single.sort()
    out["single_ms_p50"] = round(statistics.median(single), 2)
    out["single_ms_p95"] = round(single[int(0.95 * len(single))], 2)
    rules = RuleEngine()
    t0 = time.perf_counter()
    for t in texts:
        rules.classify(t)
    out["rules_ms_per_utt"] = round((time.perf_counter() - t0) * 1000 / len(texts), 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=1))  # noqa: T201 - the benchmark's report


if __name__ == "__main__":
    main()
