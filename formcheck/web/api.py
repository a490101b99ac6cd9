"""The JSON API's routes: uploads, analyses and their result files, health."""

from __future__ import annotations

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from formcheck import __version__
from formcheck.web.models import _ERRORS, _UPLOAD_BODY, Analysis, AnalysisList, Created, Health, Problem
from formcheck.web.state import HERE, Web


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
