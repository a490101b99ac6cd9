"""`formcheck batch FOLDER`: every clip of a folder, one summary (see `formcheck.batch`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from formcheck.batch import BatchOptions, ClipJob, ClipResult, run_batch
from formcheck.console import fail


class _Progress:
    """A bar with clips done / failed and an ETA on a terminal; otherwise one line per failure."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.bar = None
        self.total = self.done = self.failed = 0

    def planned(self, todo: list[ClipJob], resumed: list[ClipResult]) -> None:
        self.total = len(todo)
        if resumed:
            click.echo(f"{len(resumed)} clips already analysed with the same input, profile and version: kept", err=True)
        if sys.stderr.isatty() and todo:
            from tqdm import tqdm

            # The ETA follows bytes, not clips: a long clip counts for more than a short one.
            self.bar = tqdm(total=sum(max(j.size_bytes, 1) for j in todo), file=sys.stderr, leave=False,
                            bar_format="{desc} |{bar}| ETA {remaining}", desc=self._desc())  # fmt: skip

    def _desc(self) -> str:
        return f"clips {self.done}/{self.total}, {self.failed} failed"

    def finished(self, result: ClipResult) -> None:
        self.done += 1
        self.failed += result.status == "failed"
        if result.status == "failed" or self.verbose:
            self._write(f"{result.status}: {result.error or result.rel}")
        if self.bar is not None:
            self.bar.set_description_str(self._desc(), refresh=False)
            self.bar.update(max(result.size_bytes, 1))
            self.bar.refresh()

    def _write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _regex(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise click.BadParameter(f"not a valid regular expression ({exc}); e.g. '^(?P<athlete>[^_]+)_'") from exc
    return value


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path, file_okay=False), default=Path("formcheck-out"), show_default=True, help="Results: OUT/<clip path>/, OUT/summary.csv, OUT/index.html.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Clips analysed at once (default: the number of cores).")
@click.option("--recursive/--no-recursive", default=True, show_default=True, help="Look into sub-folders.")
@click.option("--resume/--no-resume", default=True, show_default=True, help="Keep clips already analysed with the same input, profile and version.")
@click.option("--profile", type=click.Path(path_type=Path), default=None, help="TOML file overriding cue thresholds.")
@click.option("--model", type=click.Path(path_type=Path), default=None, help="Pose model (.task); default: $FORMCHECK_MODEL or the bundled one.")
@click.option("--no-video", is_flag=True, help="Skip each clip's annotated.mp4 (faster).")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="Run the clips on a Dask distributed cluster, e.g. tcp://scheduler-host:8786.")
@click.option("--athlete-from", "athlete_from", metavar="PATTERN", default=None, callback=_regex, help="Regex on the file name; its group 'athlete' names the athlete (default: the sub-folder).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS", help="Time limit per clip (default: 300 s + 10 s per second of video).")
@click.option("-v", "--verbose", is_flag=True, help="A line per clip, tracebacks, and MediaPipe's own log.")
def command(folder: Path, out: Path, workers: int | None, recursive: bool, resume: bool, profile: Path | None, model: Path | None,
            no_video: bool, scheduler: str | None, athlete_from: str | None, timeout: float | None, verbose: bool) -> None:  # fmt: skip
    """Analyse every clip in FOLDER (videos recognised by content); write a summary and an index page."""
    options = BatchOptions(
        out_root=out, workers=workers, recursive=recursive, resume=resume, video=not no_video,
        profile_path=str(profile) if profile else None, model_path=str(model) if model else None,
        timeout_s=timeout, athlete_pattern=athlete_from, scheduler=scheduler, verbose=verbose,
    )  # fmt: skip
    progress = _Progress(verbose)
    try:
        report = run_batch(folder, options, progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo("error: interrupted — finished clips are kept; run the same command again to continue", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        progress.close()
        fail(exc, verbose, str(folder))
    progress.close()
    if report.interrupted:
        click.echo("interrupted: finished clips are kept; run the same command again to continue", err=True)
    if not report.results:
        click.echo(f"no files found in {folder}", err=True)
    click.echo(f"summary: {report.summary_csv}")
    click.echo(f"index: {report.index_html}")
    click.echo(str(report))
    sys.exit(130 if report.interrupted else report.return_code)
