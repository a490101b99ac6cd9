"""frames.csv and strides.csv: the per-frame and per-stride tables for spreadsheets and pandas."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.report.per_frame import cue_state_frames, stride_frames
from formcheck.series import PoseSeries


def _fmt(v: float | None, nd: int = 2) -> str:
    """A number for a spreadsheet: fixed decimals with a point; empty when missing (never 'nan')."""
    if v is None or isinstance(v, str):
        return "" if v is None else v
    if isinstance(v, bool):
        return "1" if v else "0"
    return "" if not np.isfinite(v) else f"{float(v):.{nd}f}"


def write_frames_csv(path: Path, series: PoseSeries, rep: dict) -> None:
    """frames.csv: one row per frame — time, detection, foot contact, per-frame metrics, the
    stride's arm swing, each cue's state, and every landmark's x, y, visibility.

    Plain UTF-8, comma-separated, a point as the decimal mark, empty cells where a value is
    missing: opens as it is in spreadsheets and in pandas.
    """
    n = len(series)
    metrics = dict(rep.get("_frame_metrics", {}))
    metrics["arm_swing_deg"] = stride_frames(rep, "arm_swing_deg", n)
    states = cue_state_frames(rep, series.t_s)
    contact = [""] * n
    for s in rep.get("gait", {}).get("steps", []):
        if s.get("frame") is not None and 0 <= s["frame"] < n:
            contact[s["frame"]] = s["foot"]
    names = [lm.name.lower() for lm in L]
    header = [
        "frame",
        "time_s",
        "pose_detected",
        "foot_contact",
        *metrics,
        *(f"cue_{k}" for k in states),
    ]
    for name in names:
        header += [f"{name}_x", f"{name}_y", f"{name}_visibility"]
    det = series.detected
    # Numbers are formatted a whole row at a time (one printf per row, not one call per cell):
    # 18 000 frames x 115 cells take a second cell by cell.
    cols = list(metrics)
    m_fmt = ",".join("%.3f" if k.endswith("_ratio") else "%.2f" for k in cols)
    m_vals = np.column_stack([np.asarray(metrics[k], float) for k in cols]) if cols else np.zeros((n, 0))
    lm_fmt = ",".join(["%.5f,%.5f,%.3f"] * len(names))
    lm_vals = np.concatenate([series.xy, series.visibility[..., None]], axis=2).reshape(n, -1).astype(float)
    state_cols = [[_cell(v) for v in states[k]] for k in states]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(header)
        for i in range(n):
            parts = [f"{i},{series.t_s[i]:.4f},{int(det[i])},{_cell(contact[i])}"]
            if cols:
                parts.append(_numbers(m_fmt % tuple(m_vals[i])))
            parts += [c[i] for c in state_cols]
            parts.append(_numbers(lm_fmt % tuple(lm_vals[i])))
            f.write(",".join(parts) + "\r\n")


def _numbers(text: str) -> str:
    """Formatted numbers with missing values (NaN, infinities) left empty, as `_fmt` does."""
    if "n" in text:  # 'nan' or 'inf'
        text = ",".join("" if c.endswith(("nan", "inf")) else c for c in text.split(","))
    return text


def _cell(text: str) -> str:
    """A text cell, quoted as the csv module would when it holds a comma, quote or line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_strides_csv(path: Path, rep: dict) -> None:
    """strides.csv: the stride table, one row per stride (same columns as report.json's
    gait.strides; `valid` is 1 or 0). A header row only when no stride was found."""
    rows = rep.get("gait", {}).get("strides", [])
    columns = list(dict.fromkeys(k for r in rows for k in r)) or [
        "stride",
        "foot",
        "start_s",
        "end_s",
        "duration_s",
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(
                [
                    v if isinstance(v, int) and not isinstance(v, bool) else _fmt(v, 3)
                    for v in (r.get(c) for c in columns)
                ]
            )
