"""The summary across athletes: one row per clip (athlete, date, scores, cues) from each clip's
report.json, written as OUT/summary.csv and OUT/index.html."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path, PurePosixPath

from formcheck.batch.atomic import write_atomic
from formcheck.batch.index_page import render_index
from formcheck.batch.jobs import ClipResult
from formcheck.console import error_line
from formcheck.errors import AnalysisError

SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"

BASE_COLUMNS = ["path", "athlete", "session_date", "date_source", "status", "error", "movement",
                "overall_score", "grade", "cadence_spm", "duration_s", "pose_coverage", "camera", "view", "segments"]  # fmt: skip


def athlete_of(rel: str, pattern: re.Pattern | None = None) -> str:
    """The athlete: from the file name with `pattern` when it matches, else the first sub-folder."""
    path = PurePosixPath(rel)
    if pattern is not None and (m := pattern.search(path.stem)):
        name = m.group("athlete") if "athlete" in pattern.groupindex else (m.group(1) if pattern.groups else m.group(0))
        if name:
            return name
    return path.parts[0] if len(path.parts) > 1 else ""


def _row(out_root: Path, result: ClipResult, pattern: re.Pattern | None) -> dict:
    """One clip's summary: the CSV fields, plus its cues ('_cues': id -> (title, status, score))."""
    p = PurePosixPath(result.rel)
    row = dict.fromkeys(BASE_COLUMNS) | {
        "path": result.rel, "athlete": athlete_of(result.rel, pattern), "session_date": result.session_date,
        "date_source": result.date_source, "status": result.status, "error": result.error, "_cues": {},
    }  # fmt: skip
    if result.status != "ok":
        return row
    try:
        rep = json.loads((out_root / p.parent / p.stem / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {**row, "status": "failed", "error": error_line(AnalysisError("its report.json is missing or unreadable — run the batch again", result.rel))}
    get = lambda *keys: _dig(rep, keys)  # noqa: E731
    row.update(
        movement=get("movement", "type"), overall_score=get("overall", "score"), grade=get("overall", "grade"),
        cadence_spm=get("gait", "cadence_spm"), duration_s=get("input", "duration_s"),
        pose_coverage=get("detection", "coverage"), report=(p.parent / p.stem / "report.html").as_posix(),
        camera=get("camera", "label"), view=get("camera_view", "view"),
        segments="; ".join(f"{sg['movement']} {sg['start_s']:.1f}-{sg['end_s']:.1f} s" for sg in (get("movement", "segments") or [])),
        _cues={c["id"]: (c.get("title", c["id"]), c.get("band", c.get("status")), c.get("score")) for c in rep.get("cues", [])},
    )  # fmt: skip
    return row


def _dig(data: dict, keys: tuple[str, ...]) -> object:
    """data[k1][k2]..., or None where a key is missing (the report schema gains fields over time)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _csv(rows: list[dict], cue_ids: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BASE_COLUMNS + [f"score_{c}" for c in cue_ids] + ["report"])
    for row in rows:
        scores = [row["_cues"].get(c, (None, None, None))[2] for c in cue_ids]
        cells = [row.get(k) for k in BASE_COLUMNS] + scores + [row.get("report")]
        writer.writerow(["" if v is None else v for v in cells])
    return out.getvalue()


def write_summary(out_root: Path, results: list[ClipResult], cues: list[tuple[str, str]], pattern: re.Pattern | None = None) -> tuple[Path, Path]:
    """Write OUT/summary.csv and OUT/index.html (each atomically). Returns their paths."""
    rows = [_row(out_root, r, pattern) for r in results]
    titles = dict(cues)
    for row in rows:  # cues a report has beyond the profile's (a newer engine) get columns too
        for cid, (title, _, _) in row["_cues"].items():
            titles.setdefault(cid, title)
    summary, index = out_root / SUMMARY_CSV, out_root / INDEX_HTML
    write_atomic(summary, _csv(rows, list(titles)))
    write_atomic(index, render_index(rows, titles))
    return summary, index
