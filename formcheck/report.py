"""Write a report: JSON (versioned schema), HTML for people, and the per-frame CSV."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import numpy as np
from jinja2 import Environment, select_autoescape

from formcheck.landmarks import Landmark
from formcheck.series import PoseSeries

STATUS_ORDER = {"good": 0, "fair": 1, "poor": 2, "not_assessed": 3}


def public(rep: dict) -> dict:
    """The report without in-memory helpers (keys starting with '_')."""
    return {k: v for k, v in rep.items() if not k.startswith("_")}


def schema() -> dict:
    """The report's JSON Schema (formcheck/report.schema.json)."""
    return json.loads(resources.files("formcheck").joinpath("report.schema.json").read_text("utf-8"))


def write_json(path: Path, rep: dict) -> None:
    """report.json, UTF-8, indented."""
    path.write_text(json.dumps(public(rep), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cue_state_frames(rep: dict, t_s: np.ndarray) -> dict[str, list[str]]:
    """Per-frame status of every cue: the failure interval's status, else the cue's status."""
    out = {}
    for cue in rep["cues"]:
        states = np.full(len(t_s), "good" if cue["band"] != "not_assessed" else "not_assessed", object)
        for f in cue["intervals"]:
            states[(t_s >= f["start_s"]) & (t_s <= f["end_s"])] = f["band"]
        out[cue["id"]] = states.tolist()
    return out


def write_frames_csv(path: Path, series: PoseSeries, rep: dict) -> None:
    """frames.csv: one row per frame — time, detection, metrics, cue states, landmarks (x, y, vis)."""
    metrics = rep.get("_frame_metrics", {})
    states = cue_state_frames(rep, series.t_s)
    names = [lm.name.lower() for lm in Landmark]
    header = ["frame", "time_s", "pose_detected"]
    header += list(metrics)
    header += [f"cue_{k}" for k in states]
    for n in names:
        header += [f"{n}_x", f"{n}_y", f"{n}_visibility"]
    det = series.detected
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(len(series)):
            row: list = [i, f"{series.t_s[i]:.4f}", int(det[i])]
            row += [_fmt(metrics[k][i]) for k in metrics]
            row += [states[k][i] for k in states]
            xy, vis = series.xy[i], series.visibility[i]
            for j in range(len(names)):
                row += [_fmt(xy[j, 0], 5), _fmt(xy[j, 1], 5), _fmt(vis[j], 3)]
            w.writerow(row)


def _fmt(v: float, nd: int = 2) -> str:
    return "" if v is None or not np.isfinite(v) else f"{float(v):.{nd}f}"


def write_html(path: Path, rep: dict, video: bool = True) -> None:
    """report.html: a self-contained page a person can read (the video is linked beside it)."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["dir"] = lambda d: {"right": "→ right", "left": "← left"}.get(d, d)
    template = env.from_string(
        resources.files("formcheck").joinpath("templates/report.html").read_text("utf-8")
    )
    cues = sorted(public(rep)["cues"], key=lambda c: (STATUS_ORDER[c["band"]], c["id"]))
    html = template.render(r=public(rep), cues=cues, video="annotated.mp4" if video else None)
    path.write_text(html, encoding="utf-8")
