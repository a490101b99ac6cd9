"""The `formcheck` command line: thin wrappers around `formcheck.pipeline`.

Exit codes: 0 done; 1 the input or the analysis failed (one line on stderr, `-v` adds the
traceback); 2 usage error (click's own).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import click

from formcheck import __version__
from formcheck.errors import FormcheckError


@contextlib.contextmanager
def quiet_native_stderr(enabled: bool) -> Iterator[None]:
    """Send native (C++) writes to fd 2 to /dev/null while Python's sys.stderr keeps working.

    MediaPipe and TFLite log straight to file descriptor 2, ignoring Python's logging; their
    noise is hidden unless -v. Python's own stderr is re-pointed at a duplicate of the original.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    old = sys.stderr
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(saved), "wb", buffering=0), encoding="utf-8", errors="replace", line_buffering=True)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr = old
        os.dup2(saved, 2)
        os.close(saved)


class _Bars:
    """tqdm progress bars per stage, only when stderr is a terminal."""

    LABELS = {"pose": "pose  ", "video": "video "}

    def __init__(self, name: str) -> None:
        self.name = name
        self.enabled = sys.stderr.isatty()
        self.bars: dict = {}
        # Measured now: once native stderr (fd 2) is silenced, tqdm cannot size the terminal.
        try:
            self.ncols = min(os.get_terminal_size(sys.stderr.fileno()).columns or 100, 120)
        except (OSError, ValueError):
            self.ncols = 100

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=f"{self.LABELS.get(stage, stage)}{self.name}", unit="fr", file=sys.stderr, leave=False, ncols=self.ncols, nrows=20)
        if total != bar.total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _fail(exc: BaseException, verbose: bool, fallback: str | None = None) -> None:
    """Print one line `error: <file>: <message>` (and the traceback with -v); exit 1."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, FormcheckError):
        where = f"{exc.path}: " if exc.path is not None else (f"{fallback}: " if fallback else "")
        msg = f"error: {where}{exc.message}"
    else:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = f"{fallback}: " if fallback else ""
        msg = f"error: {where}unexpected failure ({type(exc).__name__}: {first}) — run again with -v and report it"
    click.echo(msg, err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="formcheck")
def cli() -> None:
    """formcheck: check backwards-running form from video."""


@cli.command()
@click.argument("clip", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--out", "out", type=click.Path(path_type=Path, file_okay=False), default=Path("formcheck-out"), show_default=True, help="Results go to OUT/<clip name>/.")
@click.option("--model", type=click.Path(path_type=Path), default=None, help="Pose model (.task); default: $FORMCHECK_MODEL or the bundled one.")
@click.option("--no-video", is_flag=True, help="Skip annotated.mp4 (faster).")
@click.option("--profile", type=click.Path(path_type=Path), default=None, help="TOML file overriding cue thresholds.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and MediaPipe's own log.")
def analyze(clip: Path, out: Path, model: Path | None, no_video: bool, profile: Path | None, verbose: bool) -> None:
    """Analyse one CLIP: annotated video, report.json/html, frames.csv, landmarks.npz."""
    from formcheck.pipeline import AnalyzeOptions, analyze as run

    _logging(verbose)
    options = AnalyzeOptions(
        model_path=str(model) if model else None,
        video=not no_video,
        profile_path=str(profile) if profile else None,
    )
    bars = _Bars(clip.name)
    with quiet_native_stderr(not verbose):
        try:
            result = run(clip, out, options, progress=bars)
        except KeyboardInterrupt:
            bars.close()
            click.echo(f"error: {clip}: interrupted — nothing was written; run the command again", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line
            bars.close()
            _fail(exc, verbose, str(clip))
        bars.close()
    _summary(result.out_dir, result.report)


@cli.command()
@click.argument("results", type=click.Path(path_type=Path, file_okay=False))
@click.option("--profile", type=click.Path(path_type=Path), default=None, help="TOML file overriding cue thresholds.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks.")
def rescore(results: Path, profile: Path | None, verbose: bool) -> None:
    """Recompute the report in RESULTS (a folder written by analyze) from its landmarks.npz."""
    from formcheck.pipeline import rescore as run

    _logging(verbose)
    try:
        result = run(results, str(profile) if profile else None)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, verbose, str(results))
    _summary(result.out_dir, result.report)


def _summary(out_dir: Path, rep: dict) -> None:
    o = rep["overall"]
    g = rep["gait"]
    score = f"{o['score']:.0f}/100 ({o['grade']})" if o["score"] is not None else "not scored"
    cad = f", {g['cadence_spm']:.0f} steps/min" if g["cadence_spm"] else ""
    click.echo(f"{rep['movement']['type'].replace('_', ' ')}{cad}; form {score}")
    for cue in rep["cues"]:
        if cue["id"] in o["focus"]:
            click.echo(f"  work on: {cue['title']} — {cue['tip']}")
    click.echo(f"results: {out_dir}/report.html")


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Entry point of the `formcheck` command."""
    cli(prog_name="formcheck")
