"""A small encoder trained from scratch that reads characters *and* their pinyin.

Whisper's errors on Mandarin are mostly same-sound characters (降血压 -> 降训压,
穿山甲 -> 春山假), and anchors dodge filters the same way (V信, 威信). Feeding
the model each utterance twice, as characters and then as toneless pinyin
syllables, gives homophones identical tokens in the second half, so a
substitution Whisper makes is seen as the claim the anchor made.

The base written here is a randomly initialised ``BertModel`` with a
word-level tokenizer (``tokenizer.json``, loaded by ``AutoTokenizer``) over
the 3,755 commonest characters, the characters of the corpus, every pinyin
syllable of those characters, digits and the corpus's English words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from livemod.asr._zh import to_simplified

INPUT_FORMAT = "char-pinyin"
BASE_META = "livemod_base.json"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z]+|\d")


def char_pinyin(text: str) -> str:
    """``"全网最低价"`` -> ``"全 网 最 低 价 [SEP] quan wang zui di jia"``."""
    canon = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    tokens = _TOKEN.findall(canon)
    sounds: list[str] = []
    for tok in tokens:
        if "\u3400" <= tok <= "\u9fff":
            sounds.append(lazy_pinyin(tok, style=Style.NORMAL, errors="ignore")[0] if tok else tok)
        else:
            sounds.append(tok)
    return " ".join(tokens) + " [SEP] " + " ".join(sounds)


def _common_chars() -> list[str]:
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.append(ch)
    return out


def build_vocab(texts: Iterable[str]) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(SPECIALS)
    for ch in _common_chars():
        seen.setdefault(ch, None)
    for t in texts:
        for tok in char_pinyin(t).split():
            seen.setdefault(tok, None)
    for ch in list(seen):
        if len(ch) == 1 and "\u3400" <= ch <= "\u9fff":
            seen.setdefault(lazy_pinyin(ch, style=Style.NORMAL)[0], None)
    for d in "0123456789":
        seen.setdefault(d, None)
    return list(seen)


def build_scratch_base(dest: Path, texts: Iterable[str], *, hidden: int = 256, layers: int = 4) -> Path:
    """Write a random-init BertModel and its char+pinyin tokenizer to ``dest``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    vocab = build_vocab(texts)
    ids = {tok: i for i, tok in enumerate(vocab)}
    core = Tokenizer(models.WordLevel(ids, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=256,
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=max(1, hidden // 64),
        intermediate_size=hidden * 4,
        max_position_embeddings=256,
        pad_token_id=ids["[PAD]"],
    )
    dest.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(dest)
    tok.save_pretrained(dest)
    (dest / BASE_META).write_text(json.dumps({"input_format": INPUT_FORMAT, "vocab": len(vocab)}) + "\n")
    return dest
