"""The state the routes share (`Web`: options, job store, worker pool, templates) and how a job
and its report look to the API and the pages."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader

from formcheck import __version__
from formcheck.web import uploads
from formcheck.web.models import Analysis, ResultLinks
from formcheck.web.options import ServeOptions
from formcheck.web.pool import WorkerPool
from formcheck.web.security import report_csp
from formcheck.web.store import Job, JobStore, QueueFull, is_job_id, new_job_id

HERE = Path(__file__).resolve().parent
SUPERVISE_EVERY_S = 1.0
#: Result files: route name -> (file in the results folder, media type, download suffix).
RESULT_FILES = {
    "video": ("annotated.mp4", "video/mp4", "annotated.mp4"),
    "report": ("report.html", "text/html; charset=utf-8", "report.html"),
    "report.json": ("report.json", "application/json", "report.json"),
    "frames.csv": ("frames.csv", "text/csv; charset=utf-8", "frames.csv"),
    "strides.csv": ("strides.csv", "text/csv; charset=utf-8", "strides.csv"),
}
STAGE_LABELS = {
    "starting": "Loading the pose model",
    "pose": "Finding the athlete's pose in every frame",
    "relook": "Looking again where the athlete was lost",
    "people": "Picking out the athlete among the people in view",
    "video": "Drawing the annotated video",
}
STATUS_ORDER = {"poor": 0, "fair": 1, "good": 2, "not_assessed": 3}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def _slug(name: str) -> str:
    stem = os.path.splitext(name)[0]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "clip"


class Web:
    """The state shared by the routes: options, store, workers, templates."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.store = JobStore(options.data_dir)
        self.pool = WorkerPool(self.store, options.workers, options.verbose)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
        self.templates.filters.update(iso=_iso, mb=uploads.mb, pct=lambda p: f"{100 * (p or 0):.0f}")
        self.templates.globals.update(version=__version__, stage_labels=STAGE_LABELS)
        report_template = resources.files("formcheck").joinpath("templates/report.html").read_text("utf-8")
        self.report_csp = report_csp(report_template)

    def describe(self, job: Job) -> Analysis:
        """The API view of a job."""
        base = f"/api/analyses/{job.id}"
        links = None
        if job.status == "done":
            strides = self.store.job_dir(job.id) / job.result_dir_name / "strides.csv"
            links = ResultLinks(
                video=f"{base}/video", report=f"{base}/report", report_json=f"{base}/report.json",
                frames_csv=f"{base}/frames.csv", strides_csv=f"{base}/strides.csv" if strides.is_file() else None,
            )  # fmt: skip
        return Analysis(
            id=job.id, name=job.name, status=job.status, stage=job.stage, progress=job.progress,
            stage_label=STAGE_LABELS.get(job.stage or "", "Analysing") if job.status == "running" else None,
            error=job.error, score=job.score, grade=job.grade, size_bytes=job.size_bytes,
            queue_position=self.store.queue_position(job) if job.status == "queued" else None,
            created_at=_iso(job.created_at), updated_at=_iso(job.updated_at),
            status_url=base, page_url=f"/analyses/{job.id}", links=links,
        )  # fmt: skip

    def job_or_404(self, job_id: str) -> Job:
        """The job, or a 404 that says so."""
        job = self.store.get(job_id) if is_job_id(job_id) else None
        if job is None:
            raise HTTPException(404, "no analysis with this id — it may have been deleted")
        return job

    def page(self, name: str, status: int = 200, **context: object) -> HTMLResponse:
        """A rendered page."""
        html = self.templates.get_template(name).render(options=self.options, **context)
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    async def ingest(self, request: Request) -> Job:
        """Receive an upload into a new job folder, check it is a video, queue it.

        Raises:
            HTTPException: 413, 415, 422, 400 or 429 with a message for the person uploading.
        """
        if self.store.counts()["queued"] >= self.options.queue_size:
            raise _queue_full(self.options.queue_size)
        job_id = new_job_id()
        job_dir = self.store.job_dir(job_id)
        job_dir.mkdir(parents=True)
        try:
            upload = await uploads.receive(request.headers, request.stream(), job_dir / ".upload", self.options.max_upload_bytes)
            await uploads.check_video(upload.path, upload.name)
            saved = job_dir / uploads.saved_name(upload.name)
            os.replace(upload.path, saved)
            return self.store.add(job_id, upload.name, saved.name, upload.size_bytes, self.options.queue_size)
        except uploads.UploadError as exc:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise HTTPException(exc.status, exc.message) from None
        except QueueFull:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise _queue_full(self.options.queue_size) from None
        except BaseException:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise

    def result_file(self, job_id: str, key: str, download: bool) -> FileResponse:
        """A finished analysis's file, inline or as a download."""
        job = self.job_or_404(job_id)
        if job.status != "done":
            why = f": {job.error}" if job.error else ""
            raise HTTPException(409, f"the analysis is {job.status}{why} — results exist only once it is done")
        filename, media_type, suffix = RESULT_FILES[key]
        path = self.store.job_dir(job.id) / job.result_dir_name / filename
        if not path.is_file():
            raise HTTPException(404, f"{filename} is missing from this analysis — delete it and upload the clip again")
        disposition = "attachment" if download else "inline"
        headers = {"content-disposition": f'{disposition}; filename="{_slug(job.name)}-{suffix}"', "cache-control": "no-cache"}
        if key == "report":
            headers["content-security-policy"] = self.report_csp
        return FileResponse(path, media_type=media_type, headers=headers)

    def report_summary(self, job: Job) -> dict | None:
        """What the analysis page shows of a finished job's report.json (None if unreadable)."""
        path = self.store.job_dir(job.id) / job.result_dir_name / "report.json"
        try:
            return summarise(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError, AttributeError):
            return None

    async def supervise(self) -> None:
        """Restart workers that died, for as long as the server runs."""
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            self.pool.check()


def summarise(rep: dict) -> dict:
    """The parts of a report the analysis page shows: score, focus in order, cues worst first."""
    overall = rep.get("overall") or {}
    cues = [
        {
            "id": c.get("id"), "title": c.get("title", c.get("id")), "feedback": c.get("feedback"), "tip": c.get("tip"),
            "state": c.get("band") or c.get("status") or "not_assessed",
        }
        for c in rep.get("cues", [])
    ]  # fmt: skip
    by_id = {c["id"]: c for c in cues}
    return {
        "score": overall.get("score"),
        "grade": overall.get("grade"),
        "summary": overall.get("summary"),
        "focus": [by_id[i] for i in overall.get("focus", []) if i in by_id],
        "cues": sorted(cues, key=lambda c: STATUS_ORDER.get(c["state"], 9)),
        "warnings": [w for w in rep.get("warnings", []) if isinstance(w, str)],
    }


def _queue_full(size: int) -> HTTPException:
    return HTTPException(429, f"the queue is full ({size} clips waiting) — try again in a few minutes", headers={"retry-after": "60"})
