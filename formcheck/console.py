"""Terminal helpers shared by the commands: quiet native logs, progress bars, one-line errors.

Only the command-line layer uses this module; library code never prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from collections.abc import Iterator

import click

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


class Bars:
    """tqdm progress bars per stage, only when stderr is a terminal."""

    LABELS = {"pose": "pose   ", "relook": "relook ", "people": "people ", "video": "video  "}

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


def error_line(exc: BaseException, fallback: str | None = None) -> str:
    """`<file>: <what is wrong> — <what to do>` for any exception (no 'error:' prefix).

    Batch and web modes record this same text for a failed clip.
    """
    if isinstance(exc, FormcheckError):
        where = f"{exc.path}: " if exc.path is not None else (f"{fallback}: " if fallback else "")
        return f"{where}{exc.message}"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    where = f"{fallback}: " if fallback else ""
    return f"{where}unexpected failure ({type(exc).__name__}: {first}) — run again with -v and report it"


def fail(exc: BaseException, verbose: bool, fallback: str | None = None) -> None:
    """Print one line `error: <file>: <message>` (and the traceback with -v); exit 1."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {error_line(exc, fallback)}", err=True)
    sys.exit(1)
