"""One worker process of `formcheck serve`: claims queued jobs from the store and analyses them.

    python -m formcheck.web.worker --data-dir DIR --parent-pid PID [-v]

The server starts these (see `pool.py`). A worker takes the oldest queued job, runs
`pipeline.analyze` on its upload inside the job folder and records progress, then the score or
the failure's one-line reason. It stops a job as soon as the job is deleted or re-queued (its
lease is gone), and exits when the server process that started it is gone, even after `kill -9`,
so a restarted server never races an orphan.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import shutil
import signal
import time
from pathlib import Path
from typing import NoReturn

from formcheck.errors import FormcheckError
from formcheck.web.store import Job, JobStore

log = logging.getLogger("formcheck.web.worker")

IDLE_POLL_S = 0.25
PROGRESS_EVERY_S = 0.4
#: Share of the progress bar for each pipeline stage: pose (decode + model), people (a second
#: pass, only for clips with bystanders), video (draw + encode). Unknown stages keep the bar still.
STAGE_SPANS = {"pose": (0.0, 0.45), "people": (0.45, 0.7), "video": (0.7, 0.99)}


class JobCancelled(Exception):
    """The job was deleted or handed to another worker while this one ran it."""


class ParentGone(BaseException):
    """The server is gone or asked this worker to stop (BaseException: nothing may catch it)."""


_stop_requested = False


def _on_sigterm(signum: int, frame: object) -> None:
    # Only note it: raising here could land in a finaliser or a C callback. The worker stops at
    # its next progress report (every frame) or idle check.
    global _stop_requested
    _stop_requested = True


def _check_stop(parent_pid: int) -> None:
    if _stop_requested or os.getppid() != parent_pid:
        raise ParentGone()


def user_error(exc: BaseException, name: str) -> str:
    """The failure as the person who uploaded `name` should read it (no server paths).

    Same shape as `console.error_line`: "<file>: <what is wrong> — <what to do>".
    """
    if isinstance(exc, FormcheckError):
        return f"{name}: {exc.message}"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return (
        f"{name}: unexpected failure ({type(exc).__name__}: {first}) — try again; if it fails "
        "again, tell the person running the server (its log has the details)"
    )


class Progress:
    """`pipeline.Progress` callback that writes to the store at most every `PROGRESS_EVERY_S`."""

    def __init__(self, store: JobStore, job: Job, lease: str, parent_pid: int) -> None:
        self.store, self.job, self.lease, self.parent_pid = store, job, lease, parent_pid
        self._last_s = 0.0
        self._stage = ""
        self._fraction = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        _check_stop(self.parent_pid)
        now = time.monotonic()
        if stage == self._stage and now - self._last_s < PROGRESS_EVERY_S:
            return
        self._stage, self._last_s = stage, now
        lo, hi = STAGE_SPANS.get(stage, (self._fraction, self._fraction))
        self._fraction = max(self._fraction, lo + (hi - lo) * min(done / max(total, 1), 1.0))
        if not self.store.report_progress(self.job.id, self.lease, stage, round(self._fraction, 4)):
            raise JobCancelled()


def _clean_leftovers(job_dir: Path) -> None:
    """Remove the temporary folders a killed run left behind (`pipeline` names them .<stem>.*)."""
    for child in job_dir.glob(".*"):
        shutil.rmtree(child, ignore_errors=True)


def run_job(store: JobStore, job: Job, lease: str, parent_pid: int) -> None:
    """Analyse one claimed job and record the outcome (unless the lease was lost)."""
    from formcheck.pipeline import AnalyzeOptions, analyze

    job_dir = store.job_dir(job.id)
    if not (job_dir / job.input_file).is_file():
        store.fail(job.id, lease, f"{job.name}: the uploaded file is gone from the server — upload it again")
        return
    _clean_leftovers(job_dir)
    progress = Progress(store, job, lease, parent_pid)
    try:
        # Run inside the job folder with relative paths, so no server folder appears anywhere;
        # the report names the clip by the athlete's original file name.
        os.chdir(job_dir)
        options = AnalyzeOptions(display_name=job.name)  # the athlete's file name, for display only
        result = analyze(Path(job.input_file), Path("."), options, progress=progress)
    except JobCancelled:
        log.info("job %s was deleted or re-queued; stopped", job.id)
        _forget_if_deleted(store, job)
        return
    except ParentGone:
        # Stopped from outside (server gone, or SIGTERM to every process of a service): the
        # clip is not at fault; it waits in the queue for the next worker.
        store.release(job.id, lease)
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is recorded as one line
        log.debug("job %s failed", job.id, exc_info=True)
        if not isinstance(exc, FormcheckError):
            log.error("job %s: unexpected failure", job.id, exc_info=True)
        if not store.fail(job.id, lease, user_error(exc, job.name)):
            _forget_if_deleted(store, job)
        return
    finally:
        os.chdir(store.data_dir)
    overall = result.report.get("overall", {})
    if not store.finish(job.id, lease, overall.get("score"), overall.get("grade")):
        _forget_if_deleted(store, job)


def _forget_if_deleted(store: JobStore, job: Job) -> None:
    """A deleted job's folder may have been re-created by the run: remove it."""
    if store.get(job.id) is None:
        shutil.rmtree(store.job_dir(job.id), ignore_errors=True)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to send SIGTERM when the server dies; also check it has not died already."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the getppid() checks still stop the worker
        pass
    _check_stop(parent_pid)


def serve_forever(store: JobStore, parent_pid: int) -> None:
    """Claim and run jobs until the parent is gone."""
    while True:
        _check_stop(parent_pid)
        claimed = store.claim(os.getpid())
        if claimed is None:
            time.sleep(IDLE_POLL_S)
            continue
        job, lease = claimed
        log.info("job %s: analysing %s", job.id, job.name)
        run_job(store, job, lease, parent_pid)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of a worker process; it ends only when stopped."""
    parser = argparse.ArgumentParser(prog="python -m formcheck.web.worker")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--parent-pid", required=True, type=int)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format=f"%(levelname)s worker {os.getpid()}: %(message)s",
    )
    # Ctrl-C reaches the whole process group: the server decides when workers stop (SIGTERM).
    # Until the loop runs, SIGTERM simply ends the process (nothing to clean up yet).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = JobStore(args.data_dir.resolve())
    from formcheck.console import quiet_native_stderr

    try:
        with quiet_native_stderr(not args.verbose):
            signal.signal(signal.SIGTERM, _on_sigterm)
            _die_with_parent(args.parent_pid)
            serve_forever(store, args.parent_pid)
    except ParentGone:
        pass
    # The job's temporary files are gone already (the pipeline cleans up as the stop unwinds).
    # Skip interpreter teardown: MediaPipe objects finalised then only print noise.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.shutdown()
    os._exit(0)

if __name__ == "__main__":
    main()
