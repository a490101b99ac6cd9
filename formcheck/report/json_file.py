"""report.json: the report as written (without its in-memory helpers) and its versioned JSON
Schema (formcheck/report.schema.json)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


def public(rep: dict) -> dict:
    """The report without in-memory helpers (keys starting with '_')."""
    return {k: v for k, v in rep.items() if not k.startswith("_")}


def schema() -> dict:
    """The report's JSON Schema (formcheck/report.schema.json)."""
    return json.loads(
        resources.files("formcheck").joinpath("report.schema.json").read_text("utf-8")
    )


def write_json(path: Path, rep: dict) -> None:
    """report.json, UTF-8, indented."""
    path.write_text(json.dumps(public(rep), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
