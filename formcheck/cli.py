"""The `formcheck` command line: thin wrappers around `formcheck.pipeline`.

Exit codes: 0 done; 1 the input or the analysis failed (one line on stderr, `-v` adds the
traceback); 2 usage error (click's own).
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from formcheck import __version__
from formcheck.console import Bars, fail, quiet_native_stderr


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
@click.option("--analysis-fps", type=click.FloatRange(min=0), default=None, help="Run the pose model at most this often; frames in between are interpolated [default: 60; 0 = every frame].")
@click.option("--video-max-side", type=click.IntRange(min=0), default=None, metavar="PX", help="Annotated video's long side at most PX pixels [default: 1280 (720p); 0 = the clip's own size].")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and MediaPipe's own log.")
def analyze(clip: Path, out: Path, model: Path | None, no_video: bool, profile: Path | None, analysis_fps: float | None, video_max_side: int | None, verbose: bool) -> None:
    """Analyse one CLIP: annotated video, report.json/html, frames.csv, landmarks.npz."""
    from formcheck.pipeline import AnalyzeOptions
    from formcheck.pipeline import analyze as run

    _logging(verbose)
    options = AnalyzeOptions(
        model_path=str(model) if model else None,
        video=not no_video,
        profile_path=str(profile) if profile else None,
        analysis_fps=analysis_fps,
        video_max_side=video_max_side,
    )
    bars = Bars(clip.name)
    with quiet_native_stderr(not verbose):
        try:
            result = run(clip, out, options, progress=bars)
        except KeyboardInterrupt:
            bars.close()
            click.echo(f"error: {clip}: interrupted — nothing was written; run the command again", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line
            bars.close()
            fail(exc, verbose, str(clip))
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
        fail(exc, verbose, str(results))
    _summary(result.out_dir, result.report)


def _summary(out_dir: Path, rep: dict) -> None:
    o = rep["overall"]
    g = rep["gait"]
    score = f"{o['score']:.0f}/100 ({o['grade']})" if o["score"] is not None else f"not graded — {o['summary'].removeprefix('Not graded: ')}"
    cad = f", {g['cadence_spm']:.0f} steps/min" if g["cadence_spm"] else ""
    click.echo(f"{rep['movement']['type'].replace('_', ' ')}{cad}; form {score}")
    for cue in rep["cues"]:
        if cue["id"] in o["focus"]:
            click.echo(f"  work on: {cue['title']} — {cue['tip']}")
    click.echo(f"results: {out_dir}/report.html")


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# Further commands live in formcheck/commands/<name>.py, each exposing a click `command`.
for _name in ("batch", "live", "serve"):
    try:
        _module = importlib.import_module(f"formcheck.commands.{_name}")
    except ModuleNotFoundError as _exc:  # not built yet
        if _exc.name != f"formcheck.commands.{_name}":
            raise
        continue
    cli.add_command(_module.command, _name)


def main() -> None:
    """Entry point of the `formcheck` command."""
    cli(prog_name="formcheck")
