"""`formcheck live`: the live preview with real-time cue feedback (see `formcheck.live`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formcheck.console import Bars, error_line, fail, quiet_native_stderr


@click.command()
@click.option(
    "--camera", type=click.IntRange(min=0), default=None, help="Camera index (default 0)."
)
@click.option(
    "--source",
    metavar="FILE_OR_URL",
    default=None,
    help="Play a video file or a stream (rtsp://, http://) as if it were a camera.",
)
@click.option(
    "--record",
    "record",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Record the session to this H.264 MP4 (r toggles recording).",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="On exit, write the analyze report of the recorded session here.",
)
@click.option(
    "--headless", is_flag=True, help="No window (no screen, CI): still records and reports."
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop after this many seconds.",
)
@click.option(
    "--mirror/--no-mirror",
    default=None,
    help="Flip the picture like a mirror (default: on for cameras, off for files).",
)
@click.option(
    "--as-fast-as-possible",
    is_flag=True,
    help="With --source: no real-time pacing, every frame processed.",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Pose model (.task); default: $FORMCHECK_MODEL or the bundled one.",
)
@click.option(
    "--profile",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML file overriding cue thresholds.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and MediaPipe's own log.")
def command(
    camera: int | None,
    source: str | None,
    record: Path | None,
    report_dir: Path | None,
    headless: bool,
    max_seconds: float | None,
    mirror: bool | None,
    as_fast_as_possible: bool,
    model: Path | None,
    profile: Path | None,
    verbose: bool,
) -> None:
    """Live preview: skeleton and cues while you run; keys q/Esc quit, space pause, r record, s snapshot."""
    from formcheck import live

    if camera is not None and source is not None:
        raise click.UsageError("give either --camera or --source, not both")
    if as_fast_as_possible and source is None:
        raise click.UsageError(
            "--as-fast-as-possible plays a --source file; a camera runs in real time"
        )
    options = live.LiveOptions(
        camera=camera or 0,
        source=source,
        record_path=record,
        report_dir=report_dir,
        max_seconds=max_seconds,
        mirror=mirror,
        as_fast_as_possible=as_fast_as_possible,
        model_path=str(model) if model else None,
        profile_path=str(profile) if profile else None,
    )
    where = source or f"camera {options.camera}"
    bars = Bars("report")
    with quiet_native_stderr(not verbose):
        try:
            display = live.HeadlessDisplay() if headless else live.OpenCVDisplay()
            result = live.run(options, display, progress=bars)
        except KeyboardInterrupt:
            bars.close()
            click.echo(
                f"error: {where}: interrupted while writing the report — the recording is kept; run `formcheck analyze` on it",
                err=True,
            )
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line
            bars.close()
            fail(exc, verbose, where)
        bars.close()
    for line in live.summary_lines(result):
        click.echo(line)
    for exc in result.errors:
        click.echo(f"error: {error_line(exc, where)}", err=True)
    if result.errors:
        sys.exit(1)
