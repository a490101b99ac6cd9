"""The HTML pages (upload, list, one analysis, the API docs) and the error pages."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from formcheck.web.state import Web, _slug


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
