"""The JSON API's models and documented responses (they document the API in /openapi.json and
/docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


_ERRORS = {
    400: {"model": Problem, "description": "malformed request"},
    404: {"model": Problem, "description": "no such analysis"},
    409: {"model": Problem, "description": "not done yet, or failed"},
}
