"""Resuming a batch: the marker (batch.json) a finished clip leaves beside its results, and the
check that finds those results complete and made from the same input, profile, model and version."""

from __future__ import annotations

import json
from pathlib import Path

from formcheck import __version__
from formcheck.batch.atomic import write_atomic
from formcheck.batch.jobs import ClipJob, ClipResult

MARKER = "batch.json"
RESULT_FILES = ("report.json", "report.html", "frames.csv", "strides.csv", "landmarks.npz")


def finished_result(job: ClipJob, model_sha256: str) -> ClipResult | None:
    """The clip's result when complete results for the same input, profile, model and version exist."""
    from formcheck.pipeline import file_sha256

    d = job.result_dir
    needed = RESULT_FILES + (("annotated.mp4",) if job.video else ())
    if job.conflict or not all((d / name).is_file() for name in needed + (MARKER,)):
        return None
    try:
        marker = json.loads((d / MARKER).read_text("utf-8"))
        rep = json.loads((d / "report.json").read_text("utf-8"))
        recorded = (marker["input_sha256"], rep["input"]["sha256"], rep["model"]["sha256"], rep["formcheck_version"])
        same = (
            marker["profile_sha256"] == job.profile_sha256
            and marker["formcheck_version"] == __version__ == recorded[3]
            and recorded[2] == model_sha256
            and (marker["video"] or not job.video)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not same or recorded[0] != recorded[1] or recorded[0] != file_sha256(Path(job.folder) / job.rel):
        return None
    return ClipResult(
        job.rel, "ok", session_date=marker.get("session_date", ""), date_source=marker.get("date_source", ""),
        resumed=True, size_bytes=job.size_bytes,
    )  # fmt: skip


def write_marker(out_dir: Path, job: ClipJob, input_sha256: str, date: str, source: str) -> None:
    """Mark the clip's results in `out_dir` as finished (what `finished_result` reads back)."""
    marker = {
        "clip": job.rel, "formcheck_version": __version__, "input_sha256": input_sha256,
        "profile_sha256": job.profile_sha256, "video": job.video, "session_date": date, "date_source": source,
    }  # fmt: skip
    write_atomic(out_dir / MARKER, json.dumps(marker, indent=2) + "\n")
