"""Transcribe a read-aloud fixture line by line and record what Whisper heard.

    .venv/bin/python scripts/asr_confusions.py /tmp/asr/asr_train.json \
        --out data/corpus/source/whisper_heard.jsonl

Each manifest line's span is cut from the audio (no VAD: the manifest gives
the spans) and transcribed by the same Transcriber the pipeline uses. The
output pairs every source line with Whisper's transcript; scripts/build_corpus.py
adds the transcripts that differ as `whisper` variants of train lines, so the
classifier learns from Whisper's real mistakes. Only the train split is read
this way: the test split's transcripts would leak into training.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np

from livemod.asr import Transcriber, TranscriberOptions
from livemod.config import Settings
from livemod.frames import SAMPLE_RATE, SpeechSegment
from livemod.ingest import ffmpeg_binary


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "pipe:"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    audio = decode(args.manifest.parent / manifest["audio"])
    settings = Settings()
    asr = Transcriber(TranscriberOptions(model=settings.model, cache_dir=settings.cache_dir, language="zh"))
    asr.load()
    rows = []
    speech = [s for s in manifest["segments"] if s["kind"] == "speech"]
    for i, seg in enumerate(speech):
        a = seg["start_ms"] * SAMPLE_RATE // 1000
        b = seg["end_ms"] * SAMPLE_RATE // 1000
        pad = SAMPLE_RATE // 5
        clip = audio[max(0, a - pad) : b + pad]
        t = asr.transcribe(SpeechSegment("asr", i, max(0, a - pad), clip))
        rows.append({"text": seg["text"], "heard": t.text if t else ""})
        print(f"{i + 1}/{len(speech)} {seg['text']} -> {rows[-1]['heard']}", file=sys.stderr)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    same = sum(1 for r in rows if r["heard"] == r["text"])
    print(f"{len(rows)} lines, {same} transcribed exactly", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
