"""The FastAPI application of `formcheck serve`: the JSON API and the pages.

    POST   /api/analyses                 upload (multipart field `file`) -> 202 {id, status_url, page_url}
    GET    /api/analyses                 recent analyses, newest first
    GET    /api/analyses/{id}            status, progress, error, score, links
    GET    /api/analyses/{id}/video      annotated.mp4 (HTTP Range for seeking)
    GET    /api/analyses/{id}/report     report.html;  /report.json;  /frames.csv
    DELETE /api/analyses/{id}            forget it and remove its files
    GET    /api/health                   workers and queue
    pages: /  (upload)   /analyses  (list)   /analyses/{id}   /docs  (this API, from its OpenAPI schema)

Uploads are received by `uploads.py`, queued in `store.py`, and analysed by the worker processes
of `pool.py`; every request passes `security.Guard`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from formcheck import __version__
from formcheck.web import uploads
from formcheck.web.pool import WorkerPool
from formcheck.web.security import Guard, is_loopback, report_csp
from formcheck.web.store import Job, JobStore, QueueFull, is_job_id, new_job_id

log = logging.getLogger("formcheck.web")

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


@dataclass(frozen=True)
class ServeOptions:
    """How `formcheck serve` runs.

    Attributes:
        data_dir: jobs database and files.
        max_upload_bytes: uploads larger than this are refused (413).
        workers: worker processes, i.e. clips analysed at once.
        queue_size: clips that may wait at once; more are refused (429).
        token: access token every request must present; None = open (loopback use).
        host: the bind address (a loopback address also restricts the Host header).
        verbose: worker and MediaPipe logs.
    """

    data_dir: Path
    max_upload_bytes: int = 500 * 1_000_000
    workers: int = 1
    queue_size: int = 20
    token: str | None = None
    host: str = "127.0.0.1"
    verbose: bool = False


# --- API models (they document the API in /openapi.json and /docs) ------------------------------


class ResultLinks(BaseModel):
    """Where a finished analysis's files are."""

    video: str = Field(description="annotated.mp4, H.264; supports HTTP Range")
    report: str = Field(description="report.html, for people")
    report_json: str = Field(description="report.json (schema: docs/report-schema.md)")
    frames_csv: str = Field(description="frames.csv, one row per frame")
    strides_csv: str | None = Field(None, description="strides.csv, one row per stride (when written)")


class Analysis(BaseModel):
    """One analysis and where it stands."""

    id: str = Field(description="random, unguessable id")
    name: str = Field(description="the uploaded file's name (display only)")
    status: Literal["queued", "running", "done", "failed"]
    stage: str | None = Field(description="while running: starting, pose, people or video")
    stage_label: str | None = Field(description="the stage in words")
    progress: float = Field(description="0..1")
    error: str | None = Field(description="why it failed: '<file>: <what is wrong> — <what to do>'")
    score: float | None = Field(description="overall form score 0–100 when done (null if not scored)")
    grade: str | None
    size_bytes: int
    queue_position: int | None = Field(description="while queued: clips ahead of it")
    created_at: str = Field(description="ISO 8601, UTC")
    updated_at: str = Field(description="ISO 8601, UTC")
    status_url: str
    page_url: str
    links: ResultLinks | None = Field(description="result files, once done")


class AnalysisList(BaseModel):
    """Recent analyses, newest first."""

    analyses: list[Analysis]


class Created(BaseModel):
    """An accepted upload."""

    id: str
    status: Literal["queued"]
    status_url: str
    page_url: str


class Problem(BaseModel):
    """An error: one line saying what is wrong and what to do."""

    detail: str


class Health(BaseModel):
    """The server's state."""

    status: Literal["ok"]
    version: str
    workers: list[int] = Field(description="process ids of the running workers")
    jobs: dict[str, int] = Field(description="jobs per status")


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "the video clip"}},
                }
            }
        },
    }
}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def _slug(name: str) -> str:
    stem = os.path.splitext(name)[0]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "clip"


# --- the app ------------------------------------------------------------------------------------


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


def create_app(options: ServeOptions) -> FastAPI:
    """The app for one data folder. Its lifespan recovers interrupted jobs and runs the workers."""
    web = Web(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        web.store.init()
        requeued, failed = web.store.requeue_interrupted()
        if requeued or failed:
            log.warning("%d interrupted job(s) queued again, %d failed after too many tries", requeued, failed)
        web.store.remove_orphan_dirs()
        web.pool.start()
        task = asyncio.create_task(web.supervise())
        try:
            yield
        finally:
            task.cancel()
            web.pool.stop()

    app = FastAPI(
        title="formcheck",
        version=__version__,
        summary="Upload a backwards-running clip; get the annotated video and the form report back.",
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )  # fmt: skip
    app.state.web = web
    _add_api(app, web)
    _add_pages(app, web)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_pages(app, web)
    app.add_middleware(Guard, token=options.token, loopback_only=is_loopback(options.host))
    return app


_ERRORS = {
    400: {"model": Problem, "description": "malformed request"},
    404: {"model": Problem, "description": "no such analysis"},
    409: {"model": Problem, "description": "not done yet, or failed"},
}


def _add_api(app: FastAPI, web: Web) -> None:
    @app.post(
        "/api/analyses", status_code=202, response_model=Created, openapi_extra=_UPLOAD_BODY,
        responses={
            400: _ERRORS[400], 413: {"model": Problem, "description": "larger than --max-upload-mb"},
            415: {"model": Problem, "description": "not a video"},
            422: {"model": Problem, "description": "empty file"},
            429: {"model": Problem, "description": "the queue is full"},
        },
    )  # fmt: skip
    async def create_analysis(request: Request) -> JSONResponse:
        """Upload a clip (multipart form field `file`); it is queued for analysis."""
        job = await web.ingest(request)
        body = Created(id=job.id, status="queued", status_url=f"/api/analyses/{job.id}", page_url=f"/analyses/{job.id}")
        return JSONResponse(body.model_dump(), status_code=202, headers={"location": body.status_url})

    @app.get("/api/analyses", response_model=AnalysisList)
    def list_analyses(limit: int = Query(50, ge=1, le=500)) -> AnalysisList:
        """Recent analyses, newest first."""
        return AnalysisList(analyses=[web.describe(j) for j in web.store.list(limit)])

    @app.get("/api/analyses/{job_id}", response_model=Analysis, responses={404: _ERRORS[404]})
    def get_analysis(job_id: str) -> Analysis:
        """Status (queued | running | done | failed), progress, error, score and result links."""
        return web.describe(web.job_or_404(job_id))

    @app.delete("/api/analyses/{job_id}", status_code=204, responses={404: _ERRORS[404]})
    def delete_analysis(job_id: str) -> Response:
        """Forget an analysis and delete its files; a running one is stopped."""
        job = web.job_or_404(job_id)
        web.store.delete(job.id)
        return Response(status_code=204)

    file_responses = {404: _ERRORS[404], 409: _ERRORS[409]}

    @app.get("/api/analyses/{job_id}/video", response_class=FileResponse, responses=file_responses)
    def get_video(job_id: str, download: bool = False) -> FileResponse:
        """The annotated video (H.264 MP4). Supports HTTP Range; `download=true` for an attachment."""
        return web.result_file(job_id, "video", download)

    @app.get("/api/analyses/{job_id}/annotated.mp4", include_in_schema=False)
    def get_video_alias(job_id: str) -> FileResponse:
        # report.html links its video as "annotated.mp4", relative to /api/analyses/{id}/report.
        return web.result_file(job_id, "video", False)

    @app.get("/api/analyses/{job_id}/report", response_class=FileResponse, responses=file_responses)
    def get_report(job_id: str, download: bool = False) -> FileResponse:
        """The report page (report.html)."""
        return web.result_file(job_id, "report", download)

    @app.get("/api/analyses/{job_id}/report.json", response_class=FileResponse, responses=file_responses)
    def get_report_json(job_id: str, download: bool = False) -> FileResponse:
        """The report as JSON (schema: docs/report-schema.md)."""
        return web.result_file(job_id, "report.json", download)

    @app.get("/api/analyses/{job_id}/frames.csv", response_class=FileResponse, responses=file_responses)
    def get_frames_csv(job_id: str, download: bool = False) -> FileResponse:
        """Per-frame metrics and landmarks as CSV."""
        return web.result_file(job_id, "frames.csv", download)

    @app.get("/api/analyses/{job_id}/strides.csv", response_class=FileResponse, responses=file_responses)
    def get_strides_csv(job_id: str, download: bool = False) -> FileResponse:
        """Per-stride metrics as CSV (when the analysis wrote them)."""
        return web.result_file(job_id, "strides.csv", download)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # Pages link the SVG icon; this answers browsers that ask anyway (report.html has no icon link).
        return FileResponse(HERE / "static" / "icon.svg", media_type="image/svg+xml")

    @app.get("/api/health", response_model=Health)
    def health() -> Health:
        """Whether the server runs, its worker processes and how many jobs are in each status."""
        return Health(status="ok", version=__version__, workers=web.pool.pids, jobs=web.store.counts())


def _add_pages(app: FastAPI, web: Web) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def upload_page() -> HTMLResponse:
        return web.page("upload.html", recent=web.store.list(5))

    @app.post("/upload", include_in_schema=False)
    async def upload_form(request: Request) -> Response:
        # The upload form without JavaScript: the same checks, then the analysis page.
        try:
            job = await web.ingest(request)
        except HTTPException as exc:
            return web.page("upload.html", status=exc.status_code, recent=web.store.list(5), error=exc.detail)
        return RedirectResponse(f"/analyses/{job.id}", status_code=303)

    @app.get("/analyses", response_class=HTMLResponse, include_in_schema=False)
    def list_page() -> HTMLResponse:
        return web.page("list.html", jobs=web.store.list(200))

    @app.get("/analyses/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def analysis_page(job_id: str) -> HTMLResponse:
        job = web.job_or_404(job_id)
        summary = web.report_summary(job) if job.status == "done" else None
        return web.page("analysis.html", job=job, info=web.describe(job), s=summary, slug=_slug(job.name))

    @app.post("/analyses/{job_id}/delete", include_in_schema=False)
    def delete_form(job_id: str) -> RedirectResponse:
        job = web.job_or_404(job_id)
        web.store.delete(job.id)
        return RedirectResponse("/analyses", status_code=303)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return web.page("docs.html", api=app.openapi())


def _add_error_pages(app: FastAPI, web: Web) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "there is no page at this address"
        response = web.page("error.html", status=exc.status_code, message=detail)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        return Response(status_code=400)
