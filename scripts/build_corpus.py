"""Build data/corpus/corpus.jsonl from the hand-written lines in data/corpus/source/.

Deterministic (seeded): running it twice gives the same file. Each source line
is one *group*; the line itself and its ASR-shaped variants stay in the same
split, so the test split never holds a near-copy of a training line. See
data/corpus/README.md for what each field and label means.

    python scripts/build_corpus.py            # rewrite data/corpus/corpus.jsonl
    python scripts/build_corpus.py --check    # fail if the committed file is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cn2an
import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from livemod.classify import load_policy

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "corpus" / "source"
OUT = ROOT / "data" / "corpus" / "corpus.jsonl"
# What Whisper base heard when the train split was read aloud (scripts/asr_confusions.py).
HEARD = SOURCE / "whisper_heard.jsonl"
# What Whisper base heard when the train lines with no violation were read aloud in two
# voices the eval fixtures do not use (scripts/make_fixtures.py --only asr_negatives).
HEARD_NEGATIVES = SOURCE / "whisper_heard_negatives.jsonl"
TRAIN_ONLY = SOURCE / "train_only"
SEED = 20261122

# Labels are the policy pack's subtypes: one source of truth for what exists.
CATEGORY_OF = {st.name: st.category for st in load_policy().subtypes.values()}

# Confusions Whisper base really produced on our recordings, plus the ones the
# issue tracker reports; applied before random same-sound substitutions.
KNOWN_MISHEARINGS = {
    "全网": ["全往", "全忘"],
    "降血压": ["降训压", "降雪压"],
    "降血糖": ["降雪糖", "将血糖"],
    "国家级": ["国家籍", "国家及"],
    "穿山甲": ["春山假", "穿山假"],
    "象牙": ["巷牙", "像牙"],
    "高仿": ["高访", "高方"],
    "加我": ["加五"],
    "独一无二": ["读医物啊", "独一无而"],
    "微信": ["威信", "微心"],
    "私信": ["私心", "思信"],
    "原价": ["元价", "原家"],
    "到手价": ["到手加", "倒手价"],
    "最低价": ["最低加", "醉低价"],
    "专柜": ["专贵"],
    "烟弹": ["烟蛋", "言弹"],
    "电子烟": ["电子眼"],
    "逆变器": ["你变器", "逆变气"],
    "处方": ["处方", "出方"],
    "疫苗": ["一苗"],
    "减肥针": ["减肥真"],
    "失眠": ["施眠"],
    "副作用": ["副做用"],
    "保证": ["保正"],
    "第一": ["地一", "第1"],
    "顶级": ["定级", "顶及"],
    "临床": ["林床"],
    "专家": ["砖家"],
    "包过": ["包锅"],
    "回本": ["回笨"],
    "一比一": ["1比1", "一笔一"],
    "玳瑁": ["代帽"],
    "犀牛角": ["西牛角"],
    "弩": ["努"],
}

FILLERS_BEFORE = [
    "来，",
    "家人们，",
    "宝宝们，",
    "姐妹们，",
    "我跟你说，",
    "听好了啊，",
    "对，",
    "好，",
    "那个，",
    "来来来，",
]
FILLERS_AFTER = ["，好吧", "，对吧", "，听懂了吗", "，是不是", "，懂了吧", "，好不好", "啊", "哈", "，冲"]
_PUNCT = re.compile(r"[，。！？、；：,.!?;:“”\"'（）()]+")
_CN_NUM = re.compile(r"[零一二两三四五六七八九十百千万点]{2,}")


@dataclass
class Line:
    group: str
    text: str
    subtypes: list[str]
    hard_negative: bool
    related: str | None
    source_file: str
    split: str = ""
    lang: str = "zh"
    variants: list[tuple[str, str]] = field(default_factory=list)


def _common_homophones() -> dict[str, list[str]]:
    """Level-1 GB2312 characters (the 3,755 commonest) grouped by toned pinyin."""
    table: dict[str, list[str]] = defaultdict(list)
    for cp, readings in pinyin_dict.items():
        ch = chr(cp)
        try:
            raw = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if len(raw) != 2 or not 0xB0 <= raw[0] <= 0xD7:
            continue
        table[readings.split(",")[0]].append(ch)
    return table


HOMOPHONES = _common_homophones()
T2S = opencc.OpenCC("s2t")


def parse_sources(folder: Path = SOURCE) -> list[Line]:
    lines: list[Line] = []
    for path in sorted(folder.glob("*.txt")):
        block: str | None = None
        for raw in path.read_text(encoding="utf-8").splitlines():
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            if text.startswith("@"):
                block = text[1:].strip()
                continue
            if block is None:
                raise SystemExit(f"{path.name}: line before any @ block: {text}")
            extra: list[str] = []
            while text.startswith("+"):
                tag, text = text[1:].split(" ", 1)
                extra.append(tag)
            if block == "neutral":
                subtypes, hard, related = [], False, None
            elif block.startswith("neg:"):
                subtypes, hard, related = [], True, block[4:]
            else:
                subtypes, hard, related = [block, *extra], False, None
            for st in [*subtypes, *([related] if related else [])]:
                if st not in CATEGORY_OF:
                    raise SystemExit(f"{path.name}: unknown subtype {st!r}")
            group = hashlib.sha1(text.encode()).hexdigest()[:10]
            lang = "en" if re.fullmatch(r"[\x00-\x7f]+", text) else "zh"
            lines.append(Line(group, text, subtypes, hard, related, path.stem, lang=lang))
    seen: set[str] = set()
    for ln in lines:
        if ln.group in seen:
            raise SystemExit(f"duplicate source line: {ln.text}")
        seen.add(ln.group)
    return lines


def assign_splits(lines: list[Line], rng: random.Random) -> None:
    # Stratified by label so every subtype has lines in dev and test.
    by_key: dict[str, list[Line]] = defaultdict(list)
    for ln in lines:
        by_key[
            ln.subtypes[0]
            if ln.subtypes
            else ("hard:" + (ln.related or "") if ln.hard_negative else "neutral")
        ].append(ln)
    for key in sorted(by_key):
        items = sorted(by_key[key], key=lambda x: x.group)
        rng.shuffle(items)
        n = len(items)
        n_test = max(1, round(n * 0.2))
        n_dev = max(1, round(n * 0.15)) if n >= 4 else 0
        for i, ln in enumerate(items):
            ln.split = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"


def homophone(text: str, rng: random.Random) -> str | None:
    for word in sorted(KNOWN_MISHEARINGS, key=len, reverse=True):
        if word in text and rng.random() < 0.7:
            return text.replace(word, rng.choice(KNOWN_MISHEARINGS[word]), 1)
    han = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 4:
        return None
    chars = list(text)
    for i in rng.sample(han, k=min(len(han), rng.choice([1, 1, 2]))):
        toned = lazy_pinyin(chars[i], style=Style.TONE)[0]
        options = [c for c in HOMOPHONES.get(toned, []) if c != chars[i]]
        if options:
            chars[i] = rng.choice(options)
    out = "".join(chars)
    return out if out != text else None


def traditional(text: str, rng: random.Random) -> str | None:
    out = T2S.convert(text)
    return out if out != text else None


def numerals(text: str, rng: random.Random) -> str | None:
    # Whisper writes spoken amounts as digits about as often as in characters.
    def conv(m: re.Match[str]) -> str:
        s = m.group(0)
        try:
            return str(cn2an.cn2an(s, "smart"))
        except (ValueError, KeyError):
            return s

    out = _CN_NUM.sub(conv, text)
    if out == text:
        out = re.sub(r"\d+", lambda m: cn2an.an2cn(m.group(0)), text)
    return out if out != text else None


def no_punct(text: str, rng: random.Random) -> str | None:
    out = _PUNCT.sub(rng.choice(["", " "]), text).strip()
    return out if out != text else None


def filler(text: str, rng: random.Random) -> str | None:
    if rng.random() < 0.5:
        return rng.choice(FILLERS_BEFORE) + text
    return text + rng.choice(FILLERS_AFTER)


def english_lower(text: str, rng: random.Random) -> str | None:
    out = re.sub(r"[,.!?']", "", text.lower())
    return out if out != text else None


ZH_VARIANTS = [
    ("homophone", homophone),
    ("traditional", traditional),
    ("digits", numerals),
    ("nopunct", no_punct),
    ("filler", filler),
]


def make_variants(ln: Line, rng: random.Random) -> None:
    if ln.lang == "en":
        v = english_lower(ln.text, rng)
        if v:
            ln.variants.append(("asr_lower", v))
        return
    want = 3 if not ln.subtypes else 2
    kinds = ZH_VARIANTS[:]
    rng.shuffle(kinds)
    # Homophones come first more often: they are what Whisper does most.
    kinds.sort(key=lambda k: 0 if k[0] == "homophone" and rng.random() < 0.6 else 1)
    seen = {ln.text}
    for name, fn in kinds:
        if len(ln.variants) >= want:
            break
        out = fn(ln.text, rng)
        if out and out not in seen:
            # ASR output rarely keeps full punctuation: strip it from half the variants.
            if name != "nopunct" and rng.random() < 0.5:
                out = _PUNCT.sub("", out)
            if out in seen:
                continue
            seen.add(out)
            ln.variants.append((name, out))


def record(ln: Line, text: str, variant: str, idx: int) -> dict[str, object]:
    cats = sorted({CATEGORY_OF[s] for s in ln.subtypes})
    return {
        "id": f"{ln.group}-{idx}",
        "group": ln.group,
        "split": ln.split,
        "text": unicodedata.normalize("NFC", text),
        "lang": ln.lang,
        "categories": cats,
        "subtypes": sorted(f"{CATEGORY_OF[s]}.{s}" for s in ln.subtypes),
        "hard_negative": ln.hard_negative,
        "related_subtype": f"{CATEGORY_OF[ln.related]}.{ln.related}" if ln.related else None,
        "variant": variant,
    }


def composites(lines: list[Line], rng: random.Random) -> list[dict[str, object]]:
    """Neutral talk before or after a line: a VAD segment often holds two sentences."""
    out: list[dict[str, object]] = []
    for split in ("train", "dev", "test"):
        neutral = [
            ln
            for ln in lines
            if ln.split == split and not ln.subtypes and not ln.hard_negative and ln.lang == "zh"
        ]
        others = [
            ln for ln in lines if ln.split == split and ln.lang == "zh" and (ln.subtypes or ln.hard_negative)
        ]
        rng.shuffle(others)
        for ln in others[: len(others) // 3]:
            n = rng.choice(neutral)
            joined = f"{n.text}，{ln.text}" if rng.random() < 0.5 else f"{ln.text}，{n.text}"
            if rng.random() < 0.5:
                joined = _PUNCT.sub(" ", joined).strip()
            out.append(record(ln, joined, "with_context", 99))
    return out


def adds_text(ln: Line, heard: str) -> bool:
    """Whether a transcript says something the line and its variants do not already."""
    return bool(heard) and heard != ln.text and heard not in {t for _, t in ln.variants}


def heard_pairs(path: Path) -> list[dict[str, str]]:
    """The text/heard records of a scripts/asr_confusions.py JSONL file."""
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]


def build(with_whisper: bool = False, with_heard_negatives: bool = False) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    lines = parse_sources()
    assign_splits(lines, rng)
    rows: list[dict[str, object]] = []
    heard = {r["text"]: r["heard"] for r in heard_pairs(HEARD)} if HEARD.is_file() else {}
    for ln in lines:
        make_variants(ln, rng)
        rows.append(record(ln, ln.text, "original", 0))
        for i, (name, text) in enumerate(ln.variants, start=1):
            rows.append(record(ln, text, name, i))
        # Real Whisper output for train lines only: dev and test stay unheard by training.
        # Off by default: measured, these lines made the model worse (see data/corpus/README.md).
        h = heard.get(ln.text, "")
        if with_whisper and ln.split == "train" and adds_text(ln, h):
            rows.append(record(ln, h, "whisper", 50))
    rows.extend(composites(lines, rng))
    # Lines added after the split was fixed go to train only, with their own random
    # stream, so every row above (and so dev and test) stays byte for byte the same.
    extra = parse_sources(TRAIN_ONLY)
    known = {ln.text for ln in lines}
    rng_extra = random.Random(SEED + 1)
    for ln in extra:
        if ln.text in known:
            raise SystemExit(f"train_only line repeats a source line: {ln.text}")
        ln.split = "train"
        make_variants(ln, rng_extra)
        rows.append(record(ln, ln.text, "original", 0))
        for i, (name, text) in enumerate(ln.variants, start=1):
            rows.append(record(ln, text, name, i))
    if with_heard_negatives:
        rows.extend(heard_negatives([*lines, *extra]))
    return rows


def heard_negatives(lines: list[Line]) -> list[dict[str, object]]:
    """Whisper's transcripts of lawful train lines, as `whisper` variants of those lines.

    Unlike whisper_heard.jsonl, a mishearing cannot make these labels wrong: a
    lawful line stays lawful however garbled. They were meant to teach the model
    that garbled talk near a trigger word is not evidence by itself. Off by
    default: measured, the retrained model flagged more hard negatives in the
    test split and lost macro F1 on eval_test audio (docs/benchmarks.md).
    """
    by_text = {ln.text: ln for ln in lines}
    taken: dict[str, set[str]] = defaultdict(set)
    out: list[dict[str, object]] = []
    for r in heard_pairs(HEARD_NEGATIVES):
        ln = by_text.get(r["text"])
        if ln is None or ln.split != "train" or ln.subtypes:
            raise SystemExit(f"{HEARD_NEGATIVES.name}: not a lawful train line: {r['text']}")
        h = unicodedata.normalize("NFC", r["heard"].strip())
        seen = taken[ln.text]
        if h in seen or not adds_text(ln, h):
            continue
        seen.add(h)
        out.append(record(ln, h, "whisper", 50 + len(seen)))
    return out


def summary(rows: list[dict[str, object]]) -> str:
    total = len(rows)
    hard = sum(1 for r in rows if r["hard_negative"])
    by_split = Counter(str(r["split"]) for r in rows)
    by_sub = Counter(s for r in rows for s in r["subtypes"])  # type: ignore[attr-defined]
    en = sum(1 for r in rows if r["lang"] == "en")
    lines = [
        f"{total} utterances, {hard} hard negatives ({hard / total:.0%}), {en} English; splits {dict(by_split)}"
    ]
    lines += [f"  {k}: {v}" for k, v in sorted(by_sub.items())]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if corpus.jsonl differs from a fresh build")
    ap.add_argument(
        "--with-whisper",
        action="store_true",
        help="add source/whisper_heard.jsonl transcripts as train variants",
    )
    ap.add_argument(
        "--with-heard-negatives",
        action="store_true",
        help="add source/whisper_heard_negatives.jsonl transcripts of lawful train lines",
    )
    args = ap.parse_args()
    rows = build(args.with_whisper, args.with_heard_negatives)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("corpus.jsonl is up to date" if same else "corpus.jsonl is stale: run scripts/build_corpus.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
