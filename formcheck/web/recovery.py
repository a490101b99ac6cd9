"""Putting the queue right after a worker process or the server stopped: the jobs still marked
running go back in the queue or fail, and job folders without a job are removed."""

from __future__ import annotations

import time

from formcheck.web.records import JobDatabase, JobFolders

#: A job interrupted this many times (server killed while it ran) is failed instead of re-run.
MAX_ATTEMPTS = 3


class JobRecovery:
    """The server's side of the queue when workers stop: what they were running is re-queued or
    failed, and what a crash left on disk is removed."""

    def __init__(self, db: JobDatabase, folders: JobFolders) -> None:
        self.db = db
        self.folders = folders

    def fail_worker_jobs(self, worker_pid: int, error: str) -> list[str]:
        """Fail the jobs a worker process was running when it died (`error` follows "<name>: ").

        Their half-written temporary results are removed. Returns the jobs' ids.
        """
        with self.db.connect(write=True) as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM jobs WHERE status = 'running' AND worker_pid = ?", (worker_pid,))]
            conn.execute(
                "UPDATE jobs SET status = 'failed', stage = NULL, error = name || ': ' || ?, lease = NULL, "
                "worker_pid = NULL, updated_at = ? WHERE status = 'running' AND worker_pid = ?",
                (error, time.time(), worker_pid),
            )
        for job_id in ids:
            self.folders.remove_temporary(job_id)
        return ids

    def requeue_worker_jobs(self, worker_pid: int) -> int:
        """Put back in the queue the jobs of a worker that was stopped from outside. Returns how many."""
        with self.db.connect(write=True) as conn:
            return conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE status = 'running' AND worker_pid = ?",
                (time.time(), worker_pid),
            ).rowcount

    def requeue_interrupted(self) -> tuple[int, int]:
        """Put the jobs that were running when the server stopped back in the queue.

        A job interrupted `MAX_ATTEMPTS` times is failed instead, so a clip that brings the
        server down cannot do it forever. Returns (re-queued, failed).
        """
        now = time.time()
        with self.db.connect(write=True) as conn:
            failed = conn.execute(
                "UPDATE jobs SET status = 'failed', stage = NULL, lease = NULL, worker_pid = NULL, "
                "error = name || ': the analysis was interrupted ' || attempts || ' times — "
                "upload the clip again, or a shorter one', updated_at = ? "
                "WHERE status = 'running' AND attempts >= ?",
                (now, MAX_ATTEMPTS),
            ).rowcount
            requeued = conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, updated_at = ? WHERE status = 'running'",
                (now,),
            ).rowcount
        return requeued, failed

    def requeue_stopped(self) -> int:
        """Put the jobs of workers stopped on purpose (server shutdown) back in the queue.

        Unlike `requeue_interrupted`, the stopped run does not count as an attempt.
        """
        with self.db.connect(write=True) as conn:
            return conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE status = 'running'",
                (time.time(),),
            ).rowcount

    def remove_orphan_dirs(self) -> int:
        """Remove job folders without a job (an upload cut short by a crash). Returns how many."""
        with self.db.connect() as conn:
            known = {r[0] for r in conn.execute("SELECT id FROM jobs")}
        return self.folders.remove_others(known)
