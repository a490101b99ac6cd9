"""The job table in SQLite and the job folders on disk: the web app's durable queue.

    DATA_DIR/formcheck.sqlite3     jobs: id, name, status, progress, error, score, ...
    DATA_DIR/jobs/<id>/input.<ext> the upload (its file name is never the user's)
    DATA_DIR/jobs/<id>/input/      the results of `pipeline.analyze` (annotated.mp4, report.*)

A job is `queued` until a worker claims it (`running`, with a random lease), then `done` or
`failed`. Workers write progress and results only while they hold the lease, so a job deleted,
re-queued after a restart, or claimed again never takes a stale worker's writes. SQLite in WAL
mode lets the server and the worker processes read and write at the same time.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

DB_NAME = "formcheck.sqlite3"
JOBS_DIR = "jobs"
SCHEMA_VERSION = 1
STATUSES = ("queued", "running", "done", "failed")
#: A job interrupted this many times (server killed while it ran) is failed instead of re-run.
MAX_ATTEMPTS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    input_file  TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    stage       TEXT,
    progress    REAL NOT NULL DEFAULT 0,
    error       TEXT,
    score       REAL,
    grade       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease       TEXT,
    worker_pid  INTEGER,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
"""

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


def new_job_id() -> str:
    """A random id with 128 bits of entropy, safe in URLs and as a folder name."""
    return secrets.token_urlsafe(16)


def is_job_id(text: str) -> bool:
    """Whether `text` has the shape of an id this store makes (checked before any path is built)."""
    return 16 <= len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


class JobStore:
    """The jobs of one data folder. Each call opens its own short connection (thread- and process-safe)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.jobs_dir = self.data_dir / JOBS_DIR

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            if write:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                yield conn
        finally:
            conn.close()

    def init(self) -> None:
        """Create the folder, the table and WAL mode (idempotent)."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        with self._db() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def job_dir(self, job_id: str) -> Path:
        """The folder of a job (the id must come from `new_job_id` or pass `is_job_id`)."""
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.jobs_dir / job_id

    def add(self, job_id: str, name: str, input_file: str, size_bytes: int, queue_size: int) -> Job:
        """Queue a new job whose upload is already in its folder.

        Raises:
            QueueFull: `queue_size` jobs are already waiting.
        """
        now = time.time()
        with self._db(write=True) as conn:
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
        with self._db() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**dict(row)) if row else None

    def list(self, limit: int = 50) -> list[Job]:
        """The most recent jobs, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Job(**dict(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many jobs there are in each status."""
        with self._db() as conn:
            rows = conn.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        found = {r[0]: r[1] for r in rows}
        return {s: found.get(s, 0) for s in STATUSES}

    def queue_position(self, job: Job) -> int:
        """How many queued jobs are ahead of `job` (0 = next)."""
        with self._db() as conn:
            return conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND created_at < ?",
                (job.created_at,),
            ).fetchone()[0]

    def delete(self, job_id: str) -> bool:
        """Forget a job and remove its folder. A worker running it stops at its next progress report."""
        with self._db(write=True) as conn:
            gone = conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
        if gone:
            shutil.rmtree(self.job_dir(job_id), ignore_errors=True)
        return bool(gone)

    # --- worker side -------------------------------------------------------------------------

    def claim(self, worker_pid: int) -> tuple[Job, str] | None:
        """Take the oldest queued job for a worker: (job, lease), or None when none waits."""
        lease = secrets.token_hex(8)
        with self._db(write=True) as conn:
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
        with self._db(write=True) as conn:
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
        with self._db(write=True) as conn:
            n = conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE id = ? AND lease = ? AND status = 'running'",
                (time.time(), job_id, lease),
            ).rowcount
        return n == 1

    # --- server side: recovery ---------------------------------------------------------------

    def fail_worker_jobs(self, worker_pid: int, error: str) -> list[str]:
        """Fail the jobs a worker process was running when it died (`error` follows "<name>: ").

        Their half-written temporary results are removed. Returns the jobs' ids.
        """
        with self._db(write=True) as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM jobs WHERE status = 'running' AND worker_pid = ?", (worker_pid,))]
            conn.execute(
                "UPDATE jobs SET status = 'failed', stage = NULL, error = name || ': ' || ?, lease = NULL, "
                "worker_pid = NULL, updated_at = ? WHERE status = 'running' AND worker_pid = ?",
                (error, time.time(), worker_pid),
            )
        for job_id in ids:
            for leftover in self.job_dir(job_id).glob(".*"):
                shutil.rmtree(leftover, ignore_errors=True)
        return ids

    def requeue_worker_jobs(self, worker_pid: int) -> int:
        """Put back in the queue the jobs of a worker that was stopped from outside. Returns how many."""
        with self._db(write=True) as conn:
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
        with self._db(write=True) as conn:
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
        with self._db(write=True) as conn:
            return conn.execute(
                "UPDATE jobs SET status = 'queued', stage = NULL, progress = 0, lease = NULL, "
                "worker_pid = NULL, attempts = MAX(attempts - 1, 0), updated_at = ? "
                "WHERE status = 'running'",
                (time.time(),),
            ).rowcount

    def remove_orphan_dirs(self) -> int:
        """Remove job folders without a job (an upload cut short by a crash). Returns how many."""
        with self._db() as conn:
            known = {r[0] for r in conn.execute("SELECT id FROM jobs")}
        removed = 0
        for child in self.jobs_dir.iterdir():
            if child.name not in known:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
                removed += 1
        return removed
