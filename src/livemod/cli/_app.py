"""The ``livemod`` app and what its commands share: settings, errors, the classifier and pipeline."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer

from livemod.cli._logging import stderr
from livemod.config import Settings, get_settings
from livemod.text import fmt_ms

log = logging.getLogger("livemod")

app = typer.Typer(
    name="livemod",
    help=(
        "Real-time compliance moderation for live-stream commerce (直播带货).\n\n"
        "livemod listens to a live-selling room, transcribes the anchor with Whisper and flags "
        "false advertising, unclear pricing and prohibited products, with the legal basis and "
        "a compliant rewording, into a review queue for moderators.\n\n"
        "Settings come from LIVEMOD_* environment variables: LIVEMOD_DATA_DIR (clips, spool, "
        "the SQLite file), LIVEMOD_DATABASE_URL (any SQLAlchemy URL), LIVEMOD_MODEL ('base' is "
        "the bundled Whisper base; or a model directory or hub id such as large-v3), "
        "LIVEMOD_DEVICE (auto, cpu, cuda), LIVEMOD_LANGUAGE (zh, or auto)."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log detail (-vv for debug).")]


def fail(message: str, code: int = 1) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # a bad LIVEMOD_* value: say which
        raise fail(f"bad settings: {exc}", 2) from exc


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _classifier(settings: Settings) -> Any:
    from livemod.classify import ModelLoadError, build_classifier

    try:
        return build_classifier(settings)
    except ModelLoadError as exc:
        raise fail(str(exc)) from exc


def _pipeline(settings: Settings, room: str, *, keep_clips: bool = True, classifier: Any = None) -> Any:
    from livemod.pipeline import Pipeline
    from livemod.worker import transcriber_for, vad_options

    return Pipeline(
        transcriber_for(settings),
        classifier or _classifier(settings),
        room_id=room,
        clips_dir=settings.clips_dir if keep_clips else None,
        clip_format=settings.clip_format,
        vad=vad_options(settings),
        context_ms=settings.context_ms,
    )


def _fmt_ms(ms: int) -> str:
    return fmt_ms(ms, tenths=True)


def main() -> None:
    app()
