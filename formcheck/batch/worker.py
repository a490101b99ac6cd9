"""One clip in its own process: start the child, watch it within the clip's time limit, and turn
a crash, a hang or an error into a failed result for that clip only."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path, PurePosixPath

from formcheck.batch.jobs import ClipJob, ClipResult
from formcheck.console import error_line
from formcheck.errors import AnalysisError

#: Default time limit of one clip: TIMEOUT_BASE_S plus TIMEOUT_PER_VIDEO_S per second of video.
TIMEOUT_BASE_S = 300.0
TIMEOUT_PER_VIDEO_S = 10.0
#: How long a stopped child may take to clean up before it is killed.
STOP_GRACE_S = 10.0
_POLL_S = 0.2
INTERRUPTED = "interrupted before it finished — run the same command again to continue"
_CHILD = "from formcheck.batch.child import _child_main; _child_main()"


class Children:
    """The child processes running now, so that Ctrl-C can stop every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()
        self.stopping = False

    def start(self, args: list[str], **kwargs) -> subprocess.Popen | None:
        """Start a child, unless the batch is stopping."""
        with self._lock:
            if self.stopping:
                return None
            proc = subprocess.Popen(args, **kwargs)
            self._procs.add(proc)
            return proc

    def forget(self, proc: subprocess.Popen) -> None:
        """The child has ended."""
        with self._lock:
            self._procs.discard(proc)

    def stop_all(self) -> None:
        """Interrupt every child (each removes its half-written folder), killing late ones."""
        with self._lock:
            self.stopping = True
            procs = list(self._procs)
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_clip(job: ClipJob, children: Children | None = None) -> ClipResult:
    """Analyse one file in a fresh child process, within the clip's time limit.

    Runs in a worker thread of this process, or on a Dask worker. Never raises for a bad clip:
    a crash, a hang or an analysis error comes back as a failed result with its reason.
    """
    _remove_leftovers(job)
    scratch = Path(tempfile.mkdtemp(prefix="formcheck-clip-"))
    try:
        (scratch / "job.json").write_text(json.dumps(asdict(job)), encoding="utf-8")
        args = [sys.executable, "-P", "-c", _CHILD, str(scratch)]
        quiet = None if job.verbose else subprocess.DEVNULL
        # Its own session: a Ctrl-C on the terminal reaches only the batch, which stops the children.
        popen = dict(cwd=job.folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=quiet, start_new_session=True)
        proc = children.start(args, **popen) if children else subprocess.Popen(args, **popen)
        if proc is None:
            return failed(job, INTERRUPTED)
        try:
            stopped = _watch(proc, job, scratch)
        finally:
            if children:
                children.forget(proc)
        result = _collect(job, proc.returncode, stopped, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.status == "failed":
        _remove_leftovers(job)
    return result


def failed(job: ClipJob, message: str) -> ClipResult:
    return ClipResult(job.rel, "failed", error_line(AnalysisError(message, job.rel)), size_bytes=job.size_bytes)


def _watch(proc: subprocess.Popen, job: ClipJob, scratch: Path) -> str | None:
    """Wait for the child; stop it once past the clip's limit. Returns why it was stopped."""
    start = time.monotonic()
    limit = job.timeout_s or TIMEOUT_BASE_S
    sized = job.timeout_s is not None
    while True:
        try:
            proc.wait(timeout=_POLL_S)
            return None
        except subprocess.TimeoutExpired:
            pass
        if not sized and (scratch / "info.json").is_file():  # the child has probed the clip
            duration_s = json.loads((scratch / "info.json").read_text("utf-8"))["duration_s"]
            limit, sized = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S * duration_s, True
        if time.monotonic() - start > limit:
            proc.terminate()  # the child turns SIGTERM into KeyboardInterrupt and cleans up
            try:
                proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return f"the analysis took longer than {limit:g} s and was stopped — the file may be damaged or very long; raise --timeout"


def _collect(job: ClipJob, returncode: int, stopped: str | None, scratch: Path) -> ClipResult:
    """The child's result, or why there is none."""
    if stopped:
        return failed(job, stopped)
    try:
        return ClipResult(**json.loads((scratch / "result.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    if returncode in (130, -signal.SIGINT):
        return failed(job, INTERRUPTED)
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return failed(job, f"the analysis process crashed ({name}) — the file may be damaged; try `formcheck analyze -v` on it")
    return failed(job, f"the analysis process ended unexpectedly (exit status {returncode}) — run again with -v to see why")


def _remove_leftovers(job: ClipJob) -> None:
    """Half-written folders of a killed analysis of this clip (analyze's temporary names)."""
    stem = PurePosixPath(job.rel).stem
    root = Path(job.out_root)
    if root.is_dir() and not job.conflict:  # a conflicting clip's names are another clip's
        for kind in ("partial", "old"):
            for p in root.glob(f".{_glob_escape(stem)}.{kind}-*"):
                shutil.rmtree(p, ignore_errors=True)


def _glob_escape(name: str) -> str:
    """`name` with glob's special characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)
