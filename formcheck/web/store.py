"""The web app's durable queue: the jobs in SQLite, their folders on disk, the workers' leases.

    DATA_DIR/formcheck.sqlite3     jobs: id, name, status, progress, error, score, ...
    DATA_DIR/jobs/<id>/input.<ext> the upload (its file name is never the user's)
    DATA_DIR/jobs/<id>/input/      the results of `pipeline.analyze` (annotated.mp4, report.*)

A job is `queued` until a worker claims it (`running`, with a random lease), then `done` or
`failed`. Workers write progress and results only while they hold the lease, so a job deleted,
re-queued after a restart, or claimed again never takes a stale worker's writes. SQLite in WAL
mode lets the server and the worker processes read and write at the same time.

    store.py     `JobStore`: the queue and the workers' leases on its jobs
    records.py   the database file and the job folders
    recovery.py  `JobRecovery`: what stopped workers and a stopped server left, put right
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from formcheck.web.records import (
    DB_NAME, JOBS_DIR, SCHEMA_VERSION, JobDatabase, JobFolders, is_job_id, new_job_id,
)  # fmt: skip
from formcheck.web.recovery import MAX_ATTEMPTS, JobRecovery

__all__ = [
    "DB_NAME", "JOBS_DIR", "MAX_ATTEMPTS", "SCHEMA_VERSION", "STATUSES", "Job", "JobStore", "QueueFull",
    "is_job_id", "new_job_id",
]  # fmt: skip

STATUSES = ("queued", "running", "done", "failed")

_COLUMNS = (
    "id, name, input_file, size_bytes, status, stage, progress, error, score, grade, attempts, "
    "created_at, updated_at"
)


class QueueFull(Exception):
    """The queue already holds as many waiting jobs as it may."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} clips are waiting")
        self.waiting = waiting


@dataclass(frozen=True)
class Job:
    """One analysis as the store knows it.

    Attributes:
        id: random, unguessable (`secrets.token_urlsafe`); also the job folder's name.
        name: the uploaded file's original name, for display only (never a path).
        input_file: the upload's file name inside the job folder, e.g. "input.mp4".
        size_bytes: the upload's size.
        status: queued | running | done | failed.
        stage: what a running job is doing: "starting", "pose" or "video".
        progress: 0..1.
        error: why a failed job failed: "<name>: <what is wrong> — <what to do>".
        score, grade: the report's overall score (0–100, None if not scored) and grade.
        attempts: how many times a worker started it.
        created_at, updated_at: Unix time in seconds.
    """

    id: str
    name: str
    input_file: str
    size_bytes: int
    status: str
    stage: str | None
    progress: float
    error: str | None
    score: float | None
    grade: str | None
    attempts: int
    created_at: float
    updated_at: float

    @property
    def result_dir_name(self) -> str:
        """The results folder inside the job folder (`pipeline.analyze` names it after the clip)."""
        return Path(self.input_file).stem

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


class JobStore:
    """The jobs of one data folder: the queue, and the leases workers hold on the jobs they run.
    Each call opens its own short connection (thread- and process-safe); `recovery` puts right
    what stopped workers left."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.db = JobDatabase(self.data_dir / DB_NAME)
        self.folders = JobFolders(self.data_dir / JOBS_DIR)
        self.recovery = JobRecovery(self.db, self.folders)

    def init(self) -> None:
        """Create the folder, the table and WAL mode (idempotent)."""
        self.folders.create()
        self.db.init()

    def job_dir(self, job_id: str) -> Path:
        """The folder of a job (the id must come from `new_job_id` or pass `is_job_id`)."""
        return self.folders.path(job_id)

    def add(self, job_id: str, name: str, input_file: str, size_bytes: int, queue_size: int) -> Job:
        """Queue a new job whose upload is already in its folder.

        Raises:
            QueueFull: `queue_size` jobs are already waiting.
        """
        now = time.time()
        with self.db.connect(write=True) as conn:
            waiting = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'").fetchone()[0]
            if waiting >= queue_size:
                raise QueueFull(waiting)
            conn.execute(
                "INSERT INTO jobs (id, name, input_file, size_bytes, status, stage, progress, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', NULL, 0, ?, ?)",
                (job_id, name, input_file, size_bytes, now, now),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or None."""
        with self.db.connect() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**dict(row)) if row else None

    def list(self, limit: int = 50) -> list[Job]:
        """The most recent jobs, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Job(**dict(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many jobs there are in each status."""
        with self.db.connect() as conn:
            rows = conn.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        found = {r[0]: r[1] for r in rows}
        return {s: found.get(s, 0) for s in STATUSES}

    def queue_position(self, job: Job) -> int:
        """How many queued jobs are ahead of `job` (0 = next)."""
        with self.db.connect() as conn:
            return conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND created_at < ?",
                (job.created_at,),
            ).fetchone()[0]

    def delete(self, job_id: str) -> bool:
        """Forget a job and remove its folder. A worker running it stops at its next progress report."""
        with self.db.connect(write=True) as conn:
            gone = conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
        if gone:
            self.folders.remove(job_id)
        return bool(gone)

    # --- worker side -------------------------------------------------------------------------

    def claim(self, worker_pid: int) -> tuple[Job, str] | None:
        """Take the oldest queued job for a worker: (job, lease), or None when none waits."""
        lease = secrets.token_hex(8)
        with self.db.connect(write=True) as conn:
            row = conn.execute(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE jobs SET status = 'running', stage = 'starting', progress = 0, error = NULL, "
                "attempts = attempts + 1, lease = ?, worker_pid = ?, updated_at = ? WHERE id = ?",
                (lease, worker_pid, time.time(), row["id"]),
            )
        job = self.get(row["id"])
        return (job, lease) if job else None

    def _update_leased(self, job_id: str, lease: str, sets: str, values: tuple) -> bool:
        with self.db.connect(write=True) as conn:
            n = conn.execute(
                f"UPDATE jobs SET {sets}, updated_at = ? WHERE id = ? AND lease = ? AND status = 'running'",
                (*values, time.time(), job_id, lease),
            ).rowcount
        return n == 1

    def report_progress(self, job_id: str, lease: str, stage: str, progress: float) -> bool:
        """Record progress; False when the worker no longer holds the job (deleted or re-queued)."""
        return self._update_leased(job_id, lease, "stage = ?, progress = ?", (stage, progress))

    def finish(self, job_id: str, lease: str, score: float | None, grade: str | None) -> bool:
        """Mark a job done with its overall score; False when the lease was lost."""
        return self._update_leased(
            job_id, lease,
            "status = 'done', stage = NULL, progress = 1, score = ?, grade = ?, lease = NULL, worker_pid = NULL",
            (score, grade),
        )  # fmt: skip

    def fail(self, job_id: str, lease: str, error: str) -> bool:
        """Mark a job failed with a one-line reason; False when the lease was lost."""
        return self._update_leased(
            job_id, lease, "status = 'failed', stage = NULL, error = ?, lease = NULL, worker_pid = NULL", (error,)
        )

    def release(self, job_id: str, lease: str) -> bool:
        """Put a job a worker was stopped in the middle of back in the queue (not an attempt)."""
        with self.db.connect(write=True) as conn:
            n = conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE id = ? AND lease = ? AND status = 'running'",
                (time.time(), job_id, lease),
            ).rowcount
        return n == 1
