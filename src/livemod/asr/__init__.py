"""ASR: faster-whisper over speech segments, Simplified Chinese out, hallucinations dropped."""

from livemod.asr._hallucination import is_hallucination
from livemod.asr._model import BUNDLED_MODEL_SHA256, ModelError, assemble_bundled, resolve_model
from livemod.asr._transcriber import Transcriber, TranscriberOptions

__all__ = [
    "BUNDLED_MODEL_SHA256",
    "ModelError",
    "Transcriber",
    "TranscriberOptions",
    "assemble_bundled",
    "is_hallucination",
    "resolve_model",
]
