"""The learned classifier's CUDA path (float16) against the CPU path (int8) it was calibrated on.

The device machine takes at most 64 MiB per call and has no network, and the
model is 466 MB, almost all of it the 250k-row word-embedding table. So
``prepare`` keeps the rows of the tokens the corpus uses (every test utterance
is then scored exactly as by the full model), writes the rest of the weights
in float16, and records the CPU scores; ``run`` loads the model through
``ModelClassifier(device="cuda")``, puts the kept rows back in a lookup
layer, and compares.

    .venv/bin/python bench/classifier_cuda.py prepare --out .gpu      # here
    python3 bench/classifier_cuda.py run --dir .gpu                    # on the GPU machine
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from livemod.classify import ModelClassifier, load_corpus
from livemod.classify._model import META_FILE, prepare

_EMB = "embeddings.word_embeddings.weight"


def _prepare(out: Path, model_dir: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    texts = [ex.text for ex in load_corpus()]
    test = [ex.text for ex in load_corpus(split="test")]
    ref: dict[str, Any] = {"texts": test}
    for name, quantize in (("cpu_int8", True), ("cpu_fp32", False)):
        clf = ModelClassifier(model_dir, device="cpu", quantize=quantize)
        ref[name] = [{**s.categories, **s.subtypes} for s in clf.scores(test)]
    ref["thresholds"] = clf.meta.thresholds
    ids: set[int] = set(range(4))
    for t in texts:
        ids.update(clf._tok(prepare(t))["input_ids"])
    kept = sorted(ids)
    weights = load_file(str(model_dir / "model.safetensors"))
    key = next(k for k in weights if k.endswith(_EMB))
    rows = weights.pop(key)[kept].to(torch.float16)
    small = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in weights.items()}
    mdir = out / "model"
    mdir.mkdir(exist_ok=True)
    save_file(small, str(mdir / "model.safetensors"), metadata={"format": "pt"})
    save_file({"rows": rows, "ids": torch.tensor(kept)}, str(out / "rows.safetensors"))
    for f in ("config.json", META_FILE, "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(model_dir / f, mdir / f)
    (out / "ref.json").write_text(json.dumps(ref, ensure_ascii=False), encoding="utf-8")
    print(f"kept {len(kept)} of {clf._tok.vocab_size} embedding rows; wrote {out}")  # noqa: T201


def _quality(clf: ModelClassifier, int8_thresholds: dict[str, float]) -> dict[str, Any]:
    """Rules + this model on the text test split: with the float thresholds, and with int8's."""
    import dataclasses

    from livemod.classify import HybridClassifier, RuleEngine
    from livemod.evaluation import evaluate_text

    test = load_corpus(split="test")
    rules = RuleEngine()
    out: dict[str, Any] = {}
    own = clf.meta
    for name, meta in (
        ("float_thresholds", own),
        ("int8_thresholds", dataclasses.replace(own, thresholds=int8_thresholds)),
    ):
        clf.meta = meta
        c = evaluate_text(HybridClassifier(rules, clf), test, latency_samples=0)["systems"]["combined"]
        out[name] = {"thresholds": meta.thresholds, "macro_f1": c["macro_f1"], "fpr": c["hard_negative_fpr"]}
    clf.meta = own
    return out


def _run(d: Path) -> None:
    import torch
    from safetensors.torch import load_file

    ref = json.loads((d / "ref.json").read_text(encoding="utf-8"))
    texts: list[str] = ref["texts"]
    t0 = time.perf_counter()
    clf = ModelClassifier(d / "model", device="cuda")
    load_s = time.perf_counter() - t0
    saved = load_file(str(d / "rows.safetensors"))
    emb_owner = next(m for n, m in clf._model.named_modules() if n.endswith("embeddings"))
    full = emb_owner.word_embeddings

    class Remapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            lookup = torch.zeros(full.num_embeddings, dtype=torch.long)
            lookup[saved["ids"]] = torch.arange(len(saved["ids"]))
            self.register_buffer("lookup", lookup)
            self.table = torch.nn.Embedding.from_pretrained(saved["rows"], freeze=True)
            self.weight = self.table.weight

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.table(self.lookup[ids])

    emb_owner.word_embeddings = Remapped().to(clf.device)
    got = [{**s.categories, **s.subtypes} for s in clf.scores(texts)]
    cats = list(ref["thresholds"])
    quality = _quality(clf, ref["thresholds"])
    out: dict[str, Any] = {
        "device": torch.cuda.get_device_name(0),
        "dtype": str(next(clf._model.parameters()).dtype),
        "utterances": len(texts),
        "load_s": round(load_s, 2),
    }
    for name in ("cpu_int8", "cpu_fp32"):
        diffs = [abs(a[k] - b[k]) for a, b in zip(got, ref[name], strict=True) for k in a]
        flips = sum(
            (a[c] >= ref["thresholds"][c]) != (b[c] >= ref["thresholds"][c])
            for a, b in zip(got, ref[name], strict=True)
            for c in cats
        )
        out[f"vs_{name}"] = {
            "max_abs_diff": round(max(diffs), 4),
            "mean_abs_diff": round(statistics.mean(diffs), 5),
            "category_decisions_flipped": flips,
            "category_decisions": len(texts) * len(cats),
        }
    for batch in (16, 64, 256):
        clf._batch = batch
        clf.scores(texts)
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(5):
            clf.scores(texts)
        torch.cuda.synchronize()
        out[f"utt_per_s_batch{batch}"] = round(5 * len(texts) / (time.perf_counter() - t))
    clf._batch = 1
    lat = []
    for text in texts[:200]:
        t = time.perf_counter()
        clf.scores([text])
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    out["single_ms_p50"] = round(lat[len(lat) // 2], 2)
    out["single_ms_p95"] = round(lat[int(len(lat) * 0.95)], 2)
    out["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    out["test_split"] = quality
    print(json.dumps(out, indent=2))  # noqa: T201


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", type=Path, default=Path(".gpu"))
    p.add_argument("--model", type=Path, default=None)
    r = sub.add_parser("run")
    r.add_argument("--dir", type=Path, default=Path(".gpu"))
    args = ap.parse_args()
    if args.cmd == "prepare":
        from livemod.config import Settings

        _prepare(args.out, args.model or Settings().default_classifier_dir)
    else:
        _run(args.dir)


if __name__ == "__main__":
    main()
