"""The FastAPI application of `formcheck serve`: the JSON API and the pages.

    POST   /api/analyses                 upload (multipart field `file`) -> 202 {id, status_url, page_url}
    GET    /api/analyses                 recent analyses, newest first
    GET    /api/analyses/{id}            status, progress, error, score, links
    GET    /api/analyses/{id}/video      annotated.mp4 (HTTP Range for seeking)
    GET    /api/analyses/{id}/report     report.html;  /report.json;  /frames.csv
    DELETE /api/analyses/{id}            forget it and remove its files
    GET    /api/health                   workers and queue
    pages: /  (upload)   /analyses  (list)   /analyses/{id}   /docs  (this API, from its OpenAPI schema)

The routes are in `api.py` and `pages.py`, the state they share (`Web`) in `state.py` and the
API's models in `models.py`. Uploads are received by `uploads.py`, queued in `store.py`, and
analysed by the worker processes of `pool.py`; every request passes `security.Guard`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from formcheck import __version__
from formcheck.web.api import _add_api
from formcheck.web.options import ServeOptions
from formcheck.web.pages import _add_error_pages, _add_pages
from formcheck.web.security import Guard, is_loopback
from formcheck.web.state import HERE, Web

__all__ = ["ServeOptions", "create_app"]

log = logging.getLogger("formcheck.web")


def create_app(options: ServeOptions) -> FastAPI:
    """The app for one data folder. Its lifespan recovers interrupted jobs and runs the workers."""
    web = Web(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        web.store.init()
        requeued, failed = web.store.recovery.requeue_interrupted()
        if requeued or failed:
            log.warning("%d interrupted job(s) queued again, %d failed after too many tries", requeued, failed)
        web.store.recovery.remove_orphan_dirs()
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
