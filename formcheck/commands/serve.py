"""`formcheck serve`: the upload web app (see `formcheck.web` and docs/web.md)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import click

from formcheck.console import fail


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 for the whole network (use --token then).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port; 0 picks a free one.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("formcheck-data"), show_default=True, help="Where jobs, uploads and results are kept.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=500, show_default=True, help="Largest upload accepted, in MB.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Clips analysed at once (each keeps about one core busy).")
@click.option("--token", envvar="FORMCHECK_TOKEN", default=None, help="Access token every request must carry (or $FORMCHECK_TOKEN).")
@click.option("--queue-size", type=click.IntRange(min=1), default=20, show_default=True, help="Clips that may wait; more are refused (HTTP 429).")
@click.option("-v", "--verbose", is_flag=True, help="Request log, worker log and MediaPipe's own log; tracebacks.")
def command(host: str, port: int, data_dir: Path, max_upload_mb: int, workers: int, token: str | None, queue_size: int, verbose: bool) -> None:
    """Serve the upload web app: athletes upload clips, get the annotated video and the report."""
    from formcheck.web.app import ServeOptions
    from formcheck.web.security import is_loopback
    from formcheck.web.server import check_options, listen, lock_data_dir, run

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options = ServeOptions(
        data_dir=data_dir.resolve(), max_upload_bytes=max_upload_mb * 1_000_000, workers=workers,
        queue_size=queue_size, token=token or None, host=host, verbose=verbose,
    )  # fmt: skip
    try:
        check_options(options)
        lock_data_dir(options.data_dir)
        listening = listen(host, port)
    except Exception as exc:  # noqa: BLE001 - one line, exit 1
        fail(exc, verbose)
    shared = f"{listening.url}?token={token}" if token else listening.url
    click.echo(f"formcheck serve: {shared}  (data: {options.data_dir}; {workers} worker{'s' if workers > 1 else ''}; Ctrl-C stops)")
    if not token and not is_loopback(host):
        click.echo("warning: no --token: anyone who can reach this address can upload and see every analysis", err=True)
    # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again: end quietly, exit 0.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run(options, listening)
    except KeyboardInterrupt:
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
