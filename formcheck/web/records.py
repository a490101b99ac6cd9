"""The job store's files: the SQLite database that holds the jobs table, and the job folders.

Each call opens its own short connection, so the server's threads and the worker processes can
share the database; WAL mode lets them read and write at the same time.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

DB_NAME = "formcheck.sqlite3"
JOBS_DIR = "jobs"
SCHEMA_VERSION = 1

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


def new_job_id() -> str:
    """A random id with 128 bits of entropy, safe in URLs and as a folder name."""
    return secrets.token_urlsafe(16)


def is_job_id(text: str) -> bool:
    """Whether `text` has the shape of an id this store makes (checked before any path is built)."""
    return 16 <= len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


class JobDatabase:
    """The SQLite file of the jobs table: short connections, write transactions, the schema."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection for one call; with `write`, inside a transaction that holds the write lock
        from its start (committed at the end, rolled back on an error)."""
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
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
        """Create the table and WAL mode (idempotent)."""
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class JobFolders:
    """The job folders, DATA_DIR/jobs/<id>/: each holds its job's upload and results."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def create(self) -> None:
        """Create the folder of the job folders (idempotent)."""
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, job_id: str) -> Path:
        """The folder of a job (the id must come from `new_job_id` or pass `is_job_id`)."""
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def remove(self, job_id: str) -> None:
        """Remove a job's folder and everything in it."""
        shutil.rmtree(self.path(job_id), ignore_errors=True)

    def remove_temporary(self, job_id: str) -> None:
        """Remove a job's half-written temporary results (the names that start with a dot)."""
        for leftover in self.path(job_id).glob(".*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def remove_others(self, known: set[str]) -> int:
        """Remove every folder (or file) whose name is not one of the `known` job ids. Returns how many."""
        removed = 0
        for child in self.root.iterdir():
            if child.name not in known:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
                removed += 1
        return removed
