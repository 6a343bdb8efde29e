"""Settings, read from ``LIVEMOD_*`` environment variables (or a ``.env`` file).

Nothing is built at import time: call :func:`get_settings` (cached) or make a
``Settings(...)`` yourself, which is what the tests do.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


def default_data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "livemod"


def default_cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / "livemod"


_RENAMED = {
    "partial_step_ms": "early_step_ms",
    "partial_window_ms": "early_window_ms",
    "window_context_ms": "early_context_ms",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEMOD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Clips, spool and the SQLite file.")
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="The assembled Whisper model and default classifier (made from installed packages).",
    )
    database_url: str = Field("", description="Any SQLAlchemy URL; empty means SQLite in the data dir.")

    # ASR. "base" is the bundled Whisper base; anything else is a local
    # CTranslate2 model directory or a hub id (small, large-v3, org/name).
    model: str = Field(
        "base",
        description="Whisper: 'base' (bundled), a CTranslate2 model directory, or a hub id/size "
        "(small, large-v3) on a machine that reaches a hub.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Whisper's device: CUDA when present.")
    compute_type: str = Field(
        "auto", description="auto: float16 on CUDA, int8 on CPU; or any CTranslate2 type."
    )
    cpu_threads: int = Field(0, ge=0, description="Whisper's CPU threads; 0: all cores.")
    language: str = Field("zh", description="An ISO code, or 'auto' to detect per segment.")
    beam_size: int = Field(1, ge=1, le=10, description="Whisper's beam width (1: greedy, the fastest).")
    no_speech_threshold: float = Field(
        0.6, ge=0, le=1, description="Whisper drops a segment it thinks is not speech above this."
    )
    log_prob_threshold: float = Field(-1.0, description="Whisper retries hotter below this mean log-prob.")
    compression_ratio_threshold: float = Field(
        2.4, description="Whisper retries hotter above this gzip ratio (repetition)."
    )
    asr_prompt: str = Field("", description="Text Whisper reads as if said before each segment.")
    asr_hotwords: str = Field("", description="Words Whisper is nudged towards (ignored with asr_prompt).")

    # Speech segmentation.
    vad_threshold: float = Field(0.5, gt=0, lt=1, description="Silero VAD's speech probability.")
    min_silence_ms: int = Field(500, ge=100, description="A pause this long ends a segment.")
    max_segment_ms: int = Field(
        15_000, ge=2_000, le=30_000, description="Longest segment (Whisper sees at most 30 s)."
    )
    min_speech_ms: int = Field(250, ge=0, description="Shorter speech is ignored.")
    speech_pad_ms: int = Field(200, ge=0, description="Audio kept on each side of speech.")

    clip_format: Literal["opus", "mp3"] = Field("opus", description="Evidence clips: opus or mp3.")
    context_ms: int = Field(20_000, ge=0, description="Transcript kept before a finding as its context.")

    # The learned classifier beside the rules: "default" is the one `livemod
    # train` builds into cache_dir/classifier (make demo does), else a
    # directory or a hub id; "none" runs the rules alone.
    classifier_model: str = Field(
        "default",
        description="'default' (shipped), a directory `livemod train` wrote, a hub id, or 'none' for the "
        "rules alone.",
    )
    classifier_device: str = Field("auto", description="auto, cpu (int8), cuda or cuda:N (float16).")
    classifier_batch: int = Field(
        16, ge=1, le=1024, description="Utterances per forward pass; 16 was fastest on 2 CPU cores."
    )

    events_poll_s: float = Field(
        2.0, gt=0, le=60, description="Longest an event stream waits for a finding another process stored."
    )

    claim_lease_s: float = Field(
        300.0, ge=5, le=3600, description="A moderator's claim lapses this long after its last renewal."
    )
    chromium: str = Field("", description="The browser that prints --pdf reports; empty: chromium on PATH.")

    stream_timeout_s: float = Field(15.0, gt=0, description="A network source silent this long is dead.")
    connect_window_s: float = Field(
        30.0, gt=0, description="A stream that delivers no audio this long after start is an error."
    )
    reconnect_window_s: float = Field(
        30.0, ge=0, description="A dropped stream is retried this long; after that it has ended."
    )

    # Live rooms: long speech is decoded early in overlapping windows so that a
    # warning does not wait for the anchor to pause (0 turns it off).
    # Defaults measured with bench/live_latency.py (docs/benchmarks.md): 1500/6000/500
    # gave p50 3.6 s; 750/5000/300 gave p50 2.4 s for 1.4 CPU cores per room.
    early_step_ms: int = Field(750, ge=0, description="Decode a window after this much new speech.")
    early_window_ms: int = Field(5_000, ge=1_000, le=30_000, description="An early window's length.")
    stable_margin_ms: int = Field(300, ge=0, description="Words this close to a window's end wait.")
    early_context_ms: int = Field(
        10_000,
        ge=0,
        le=30_000,
        description="Whisper's encoder sees this much audio for an early window instead of 30 s (0: 30 s).",
    )
    segment_context_ms: int = Field(
        0,
        ge=0,
        le=30_000,
        description="The same for complete segments (0: 30 s); 10000 scans about twice as fast.",
    )
    max_lag_ms: int = Field(
        60_000, ge=0, description="A room further behind live than this skips its oldest speech (0: never)."
    )
    post_retries: int = Field(
        5, ge=0, description="Retries of one request to the review API (spooled findings wait meanwhile)."
    )
    metrics_host: str = Field("127.0.0.1", description="Where the worker serves /metrics (0.0.0.0: all).")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        # Early decoding had three names; the settings of its first releases
        # still work, with a warning, when the new name is not set.
        if isinstance(data, dict):
            for old, new in _RENAMED.items():
                value = os.environ.get(f"LIVEMOD_{old.upper()}")
                if value is not None and new not in data and f"LIVEMOD_{new.upper()}" not in os.environ:
                    logging.getLogger(__name__).warning(
                        "LIVEMOD_%s is now called LIVEMOD_%s; please rename it", old.upper(), new.upper()
                    )
                    data[new] = value
        return data

    @field_validator("data_dir", "cache_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @model_validator(mode="after")
    def _default_db(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'livemod.db'}"
        return self

    @property
    def clips_dir(self) -> Path:
        return self.data_dir / "clips"

    @property
    def default_classifier_dir(self) -> Path:
        return self.cache_dir / "classifier"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_table() -> str:
    """The README's settings table, made from :class:`Settings` (a test keeps the README in step)."""
    # Defaults that depend on the machine, as a reader should read them.
    described = {
        "data_dir": "~/.local/share/livemod",
        "cache_dir": "~/.cache/livemod",
        "database_url": "SQLite in the data dir",
    }
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=False)
        shown = described.get(name) or (str(default) if default != "" else "(empty)")
        text = (info.description or "").replace("|", "\\|")
        rows.append(f"| `LIVEMOD_{name.upper()}` | `{shown}` | {text} |")
    return "\n".join(rows) + "\n"
