"""``livemod scan`` and ``livemod classify``: a recording to its end, text lines one by one."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from livemod.cli._app import Verbose, _classifier, _fmt_ms, _pipeline, _settings, app, fail
from livemod.cli._logging import setup_logging, stderr


@app.command(rich_help_panel="Recordings and scripts")
def scan(
    source: Annotated[str, typer.Argument(help="A recording (any format ffmpeg reads) or a stream URL.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per finding on stdout.")] = False,
    room: Annotated[str, typer.Option(help="Room id recorded with the findings.")] = "local",
    verbose: Verbose = 0,
) -> None:
    """Process a recording to its end and print its findings.

    With --json each finding is one line: start_ms, end_ms, category, subtype, text,
    severity, legal_basis, rule (and more). Otherwise a readable table, with a progress
    bar on long recordings. Evidence clips are kept under LIVEMOD_DATA_DIR/clips.
    """
    setup_logging(verbose, quiet=verbose == 0)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from livemod.ingest import FfmpegSource, SourceError, probe_duration_ms

    settings = _settings()
    try:
        src = FfmpegSource(source, room, timeout_s=settings.stream_timeout_s)
    except SourceError as exc:
        raise fail(str(exc)) from exc
    duration = probe_duration_ms(source)
    pipe = _pipeline(settings, room)
    rows: list[Any] = []
    progress = Progress(
        TextColumn("[bold]scanning[/]"),
        BarColumn(),
        TextColumn("{task.fields[pos]}"),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal or duration is None,
    )
    error: str | None = None
    with progress:
        task = progress.add_task("scan", total=duration or 1, pos="")

        def on_progress(ms: int) -> None:
            progress.update(task, completed=ms, pos=f"{_fmt_ms(ms)} / {_fmt_ms(duration or 0)}")

        try:
            for f in pipe.run(src, on_progress):
                rows.append(f)
                if as_json:
                    out = f.to_dict()
                    out.pop("context", None)
                    out["clip"] = f.clip_path
                    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
        except SourceError as exc:
            error = str(exc)
        except KeyboardInterrupt:
            error = "interrupted"
    stats = pipe.stats
    if not as_json:
        table = Table(title=f"{len(rows)} finding(s) in {source}", show_lines=True)
        for col in ("time", "category / subtype", "severity", "what was said", "legal basis"):
            table.add_column(col, overflow="fold")
        for f in rows:
            table.add_row(
                f"{_fmt_ms(f.start_ms)}–{_fmt_ms(f.end_ms)}",
                f"{f.category}\n{f.subtype}",
                f.severity,
                f"{f.text}\n[bold]→ {f.matched}[/]",
                f.legal_basis.split("：")[0],
            )
        from rich.console import Console

        Console().print(table)
    asr = pipe.transcriber.stats
    stderr.print(
        f"{_fmt_ms(stats.audio_ms)} of audio, {stats.segments} speech segment(s), "
        f"{stats.findings} finding(s); ASR real-time factor {asr.real_time_factor:.2f}",
        highlight=False,
    )
    if error:
        raise fail(f"{error} (the {len(rows)} finding(s) above were found before it)")


@app.command(rich_help_panel="Recordings and scripts")
def classify(verbose: Verbose = 0) -> None:
    """Classify UTF-8 lines from stdin: one JSON line out per line in.

    Uses the rules and the learned classifier (LIVEMOD_CLASSIFIER_MODEL; 'none' for rules
    alone). Example: echo "原价三百九十九今天只要六十九" | livemod classify
    """
    setup_logging(verbose, quiet=verbose == 0)
    engine = _classifier(_settings())
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        findings = [m.to_dict() for m in engine.classify(text)]
        sys.stdout.write(json.dumps({"text": text, "findings": findings}, ensure_ascii=False) + "\n")
        sys.stdout.flush()
