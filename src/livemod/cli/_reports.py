"""``livemod report`` and ``livemod check-script``: for MCN agencies training their anchors."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from livemod.cli._app import Verbose, _classifier, _fmt_ms, _pipeline, _settings, app, fail
from livemod.cli._logging import setup_logging, stderr


@app.command(rich_help_panel="Recordings and scripts")
def report(
    recordings: Annotated[
        list[Path], typer.Argument(help="Recorded sessions of one anchor (any format ffmpeg reads).")
    ],
    anchor: Annotated[str, typer.Option(help="The anchor these sessions belong to (shown in the report).")],
    out: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path("report.html"),
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print it to a PDF beside --out (needs Chromium).")
    ] = False,
    rescan: Annotated[
        bool, typer.Option("--rescan", help="Scan again recordings that were scanned before.")
    ] = False,
    verbose: Verbose = 0,
) -> None:
    """Scan an anchor's recorded training sessions and write a compliance report.

    For one recording: counts by category and subtype, a timeline of the findings, each
    finding with its time code, quote, legal basis and a compliant rewording, and the
    phrases that recur. For several: the same, plus the trend across sessions (findings per
    hour, oldest first by file date).

    Each session is also stored in the review database (LIVEMOD_DATABASE_URL) under the
    anchor, where an mcn token sees the same report in the console. A recording scanned
    before is reused unless --rescan. A recording that cannot be read is named and skipped;
    the exit code is then 1.
    """
    setup_logging(verbose, quiet=verbose == 0)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from livemod.ingest import FfmpegSource, SourceError, probe_duration_ms
    from livemod.report import (
        PdfError,
        ensure_anchor,
        html_to_pdf,
        load_sessions,
        recording_id,
        render_report,
        store_recording,
    )
    from livemod.review import check_anchor_names
    from livemod.store import Database, Room

    try:
        check_anchor_names([anchor])
    except ValueError as exc:
        raise fail(f"--anchor: {exc}", 2) from None
    missing = [str(p) for p in recordings if not p.is_file()]
    if missing:
        raise fail(f"no such recording: {', '.join(missing)}", 2)
    settings = _settings()
    db = Database(settings.database_url)
    ids = [recording_id(p) for p in recordings]
    with db.session() as s:
        done = {rid for rid in ids if (room := s.get(Room, rid)) is not None and room.kind == "recording"}
    todo = [(p, rid) for p, rid in zip(recordings, ids, strict=True) if rescan or rid not in done]
    for p, rid in zip(recordings, ids, strict=True):
        if rid in done and not rescan:
            stderr.print(f"{p.name}: scanned before, reusing it (--rescan to scan again)", highlight=False)
    durations = {p: probe_duration_ms(str(p)) or 0 for p, _ in todo}
    classifier = _classifier(settings) if todo else None
    failed: list[str] = []
    progress = Progress(
        TextColumn("[bold]{task.fields[name]}[/]"),
        BarColumn(),
        TextColumn("{task.fields[pos]}"),
        TimeRemainingColumn(),
        console=stderr,
        transient=False,
        disable=not stderr.is_terminal,
    )
    with progress:
        overall = progress.add_task("all", total=sum(durations.values()) or 1, name="全部 all", pos="")
        done_ms = 0
        for i, (path, rid) in enumerate(todo, start=1):
            length = durations[path]
            if not stderr.is_terminal:
                stderr.print(f"scanning {i}/{len(todo)}: {path.name} ({_fmt_ms(length)})", highlight=False)
            pipe = _pipeline(settings, rid, classifier=classifier)

            def on_progress(
                ms: int, base: int = done_ms, length: int = length, name: str = path.name
            ) -> None:
                progress.update(
                    overall,
                    completed=base + min(ms, length or ms),
                    pos=f"{name} {_fmt_ms(ms)} / {_fmt_ms(length)}",
                )

            try:
                src = FfmpegSource(str(path), rid, timeout_s=settings.stream_timeout_s)
                findings = list(pipe.run(src, on_progress))
            except SourceError as exc:
                failed.append(f"{path}: {exc}")
                stderr.print(f"[bold red]error:[/] {path}: {exc}", highlight=False)
                done_ms += length
                continue
            except KeyboardInterrupt:
                raise fail("interrupted; sessions finished before it are stored", 130) from None
            heard = pipe.stats.audio_ms
            recorded = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            with db.session() as s:
                store_recording(
                    s,
                    room_id=rid,
                    anchor=anchor,
                    title=path.name,
                    duration_ms=heard or length,
                    findings=findings,
                    recorded_at=recorded,
                )
            done_ms += length
            progress.update(overall, completed=done_ms)
            if not stderr.is_terminal:
                stderr.print(f"  {path.name}: {len(findings)} finding(s)", highlight=False)
    good = [
        rid for p, rid in zip(recordings, ids, strict=True) if not any(f.startswith(f"{p}:") for f in failed)
    ]
    if not good:
        db.dispose()
        raise fail("no recording could be scanned; no report was written")
    with db.session() as s:
        # The sessions belong to this anchor now, even if scanned before under another name.
        for rid in good:
            room = s.get(Room, rid)
            if room is not None and room.anchor != anchor:
                ensure_anchor(s, anchor)
                room.anchor = anchor
        s.commit()
        sessions = load_sessions(s, room_ids=good)
    db.dispose()
    policy = (classifier.policy if classifier else None) or _policy()
    html = render_report(anchor, sessions, {k: v.title for k, v in policy.subtypes.items()})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    total = sum(len(s.findings) for s in sessions)
    stderr.print(f"wrote {out} ({len(sessions)} session(s), {total} finding(s))", highlight=False)
    if pdf:
        try:
            written = html_to_pdf(out, out.with_suffix(".pdf"), settings.chromium)
        except PdfError as exc:
            raise fail(str(exc)) from exc
        stderr.print(f"wrote {written}", highlight=False)
    if failed:
        raise fail(f"{len(failed)} recording(s) could not be scanned and are not in the report")


def _policy() -> Any:
    from livemod.classify import load_policy

    return load_policy()


@app.command("check-script", rich_help_panel="Recordings and scripts")
def check_script(
    script: Annotated[str, typer.Argument(help="A UTF-8 text file, one utterance per line; - for stdin.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per flagged line on stdout.")
    ] = False,
    verbose: Verbose = 0,
) -> None:
    """Check a written sales script line by line before going live.

    Uses the same policy and classifier as live rooms and prints each flagged line with
    what was flagged, the legal basis and a compliant rewording. Exit code 0 when nothing is
    flagged, 1 when something is, 2 when the script cannot be read.
    """
    setup_logging(verbose, quiet=verbose == 0)
    from livemod.report import check_script as run_check

    try:
        raw = sys.stdin.buffer.read() if script == "-" else Path(script).read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {script}: {exc.strerror or exc}", 2) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"{script} is not UTF-8 text (byte {exc.start}); save it as UTF-8", 2) from exc
    lines = run_check(text, _classifier(_settings()))
    flagged = [ln for ln in lines if ln.matches]
    if as_json:
        for ln in flagged:
            row = {
                "line": ln.line,
                "text": ln.text,
                "matches": [m.to_dict() for m in ln.matches],
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"{len(flagged)} of {len(lines)} line(s) flagged in {script}", show_lines=True)
        for col in ("line", "what the script says", "problem", "say instead"):
            table.add_column(col, overflow="fold")
        for ln in flagged:
            for k, m in enumerate(ln.matches):
                said = (
                    escape(ln.text[: m.start])
                    + f"[bold red]{escape(ln.text[m.start : m.end])}[/]"
                    + escape(ln.text[m.end :])
                )
                table.add_row(
                    str(ln.line) if k == 0 else "",
                    said,
                    f"{m.category}/{m.subtype} ({m.severity})\n{escape(m.legal_basis.split('：')[0])}",
                    escape(m.suggestion),
                )
        Console().print(table)
    stderr.print(f"{len(lines)} line(s) checked, {len(flagged)} flagged", highlight=False)
    if flagged:
        raise typer.Exit(1)
