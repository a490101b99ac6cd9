"""The worker processes of `formcheck serve`: start them, restart one that dies, stop them.

Each worker is `python -m formcheck.web.worker` in its own process, so a clip being analysed
never slows the pages down and a crash in native code takes down one worker, not the server.
Workers must be started from the server's main thread: Linux delivers their parent-death signal
when the *thread* that started them ends.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

from formcheck.web.store import JobStore

log = logging.getLogger("formcheck.web")

#: A worker slot is restarted at most this often, so a worker that cannot start does not spin.
RESTART_EVERY_S = 5.0
STOP_TIMEOUT_S = 10.0


class WorkerPool:
    """`count` worker processes over one data folder."""

    def __init__(self, store: JobStore, count: int, verbose: bool = False) -> None:
        self.store = store
        self.count = count
        self.verbose = verbose
        self._procs: list[subprocess.Popen | None] = [None] * count
        self._started_s: list[float] = [0.0] * count

    def _spawn(self, slot: int) -> None:
        cmd = [
            sys.executable, "-m", "formcheck.web.worker",
            "--data-dir", str(self.store.data_dir), "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        if self.verbose:
            cmd.append("-v")
        self._procs[slot] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, cwd=self.store.data_dir)
        self._started_s[slot] = time.monotonic()

    def start(self) -> None:
        """Start every worker."""
        for slot in range(self.count):
            self._spawn(slot)

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers that are running."""
        return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def check(self) -> None:
        """Deal with the job of a worker that ended and start a new worker in its place.

        A worker that crashed (non-zero exit, killed) fails its job with the reason; one stopped
        from outside with SIGTERM (exit 0) puts it back in the queue.
        """
        for slot, proc in enumerate(self._procs):
            if proc is None or proc.poll() is None:
                if proc is None and time.monotonic() - self._started_s[slot] >= RESTART_EVERY_S:
                    self._spawn(slot)
                continue
            code = proc.returncode
            if code == 0:  # stopped from outside with SIGTERM: not the clip's fault
                requeued = self.store.recovery.requeue_worker_jobs(proc.pid)
                log.info("worker %d stopped; %d job(s) queued again; restarting it", proc.pid, requeued)
            else:
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                failed = self.store.recovery.fail_worker_jobs(
                    proc.pid,
                    f"the analysis process stopped unexpectedly ({how}) — try again; if it happens "
                    "again, export the clip again or send a shorter one",
                )
                log.warning("worker %d stopped (%s); job(s) %s failed; restarting it", proc.pid, how, failed)
            self._procs[slot] = None
            if time.monotonic() - self._started_s[slot] >= RESTART_EVERY_S:
                self._spawn(slot)

    def stop(self) -> None:
        """Stop every worker and put the jobs they were running back in the queue."""
        procs = [p for p in self._procs if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs = [None] * self.count
        requeued = self.store.recovery.requeue_stopped()
        if requeued:
            log.info("%d interrupted job(s) will run again at the next start", requeued)

