"""What a batch is made of: its options, one job per file, each file's result, the batch's report,
and the listener told of its progress. Plain data, so that a job can go to another process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch.

    Attributes:
        out_root: results folder: OUT/<relative path of the clip without extension>/.
        workers: clips analysed at once on this machine; None = the number of cores.
        recursive: look into sub-folders.
        resume: keep clips whose complete results match the input, profile and version.
        video: write each clip's annotated.mp4.
        profile_path: a TOML file overriding the cue thresholds.
        model_path: the pose model; None = $FORMCHECK_MODEL or the bundled one.
        timeout_s: time limit per clip; None = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S x duration.
        athlete_pattern: regex on the file name (no extension) whose group `athlete` (or first
            group) names the athlete; None = the first sub-folder's name.
        scheduler: address of a Dask distributed scheduler; None = local processes.
        verbose: let the children's native logs through to stderr.
    """

    out_root: Path = Path("formcheck-out")
    workers: int | None = None
    recursive: bool = True
    resume: bool = True
    video: bool = True
    profile_path: str | None = None
    model_path: str | None = None
    timeout_s: float | None = None
    athlete_pattern: str | None = None
    scheduler: str | None = None
    verbose: bool = False


@dataclass(frozen=True)
class ClipJob:
    """One file to analyse, as plain data for a child process or a cluster worker."""

    folder: str  # absolute input folder; the child runs there
    rel: str  # the file's POSIX path relative to `folder`
    out_root: str  # absolute OUT/<relative folder>: analyze writes <out_root>/<stem>/
    video: bool
    profile_path: str | None
    model_path: str | None
    profile_sha256: str
    timeout_s: float | None
    verbose: bool = False
    conflict: str | None = None  # why this clip's results folder cannot be used
    size_bytes: int = 0

    @property
    def result_dir(self) -> Path:
        """Where the clip's results go."""
        return Path(self.out_root) / PurePosixPath(self.rel).stem


@dataclass(frozen=True)
class ClipResult:
    """What became of one file: status ok | failed | skipped, with the reason when not ok."""

    rel: str
    status: str
    error: str = ""
    session_date: str = ""  # ISO 8601 UTC, e.g. 2024-06-02T09:30:00Z
    date_source: str = ""  # "metadata" (the container's creation_time) or "file time"
    resumed: bool = False
    size_bytes: int = 0


@dataclass(frozen=True)
class BatchReport:
    """Every file's result, in path order, and where the summary went."""

    results: list[ClipResult]
    summary_csv: Path
    index_html: Path
    interrupted: bool = False

    def count(self, status: str) -> int:
        """How many files ended with `status`."""
        return sum(r.status == status for r in self.results)

    @property
    def resumed(self) -> int:
        """Clips whose earlier results were kept."""
        return sum(r.resumed for r in self.results)

    @property
    def return_code(self) -> int:
        """0 when no clip failed, else 1."""
        return 1 if self.count("failed") else 0

    def __str__(self) -> str:
        return f"{self.count('ok')} ok, {self.count('failed')} failed, {self.count('skipped')} skipped"


class Listener(Protocol):
    """Told what the batch does, e.g. to draw a progress bar."""

    def planned(self, todo: list[ClipJob], resumed: list[ClipResult]) -> None:
        """Before the work starts: the files to analyse, and the clips kept from a previous run."""

    def finished(self, result: ClipResult) -> None:
        """One file is done (in completion order)."""
