"""The key-frame plan: which frames the report shows (each assessed cue's worst and best moment,
and one whole frame of the athlete)."""

from __future__ import annotations

import numpy as np

from formcheck.series import PoseSeries


def _index(t_s: np.ndarray, time_s: float | None) -> int | None:
    if time_s is None or not len(t_s):
        return None
    return int(np.clip(np.searchsorted(t_s, time_s), 0, len(t_s) - 1))


def _worst_time(cue: dict) -> float | None:
    """The cue's worst moment; else the middle of its longest, worst-banded interval."""
    if cue.get("worst_s") is not None:
        return cue["worst_s"]
    ivs = cue.get("intervals") or []
    if not ivs:
        return None
    worst = max(ivs, key=lambda iv: (iv["band"] == "poor", iv["end_s"] - iv["start_s"]))
    return (worst["start_s"] + worst["end_s"]) / 2


def key_frame_plan(rep: dict, series: PoseSeries) -> dict:
    """The frames the report shows: each assessed cue's worst and best moment, and one whole frame.

    Returns:
        {"hero": index or None, "cues": {cue id: {"worst": index or None, "best": index or None}}}
    """
    t = series.t_s
    det = np.flatnonzero(series.detected)
    hero = int(det[np.argmin(np.abs(det - len(t) // 2))]) if det.size else None
    cues = {}
    for cue in rep["cues"]:
        if cue["band"] == "not_assessed":
            continue
        worst = (
            _index(t, _worst_time(cue))
            if cue["band"] != "good" or cue.get("worst_s") is not None
            else None
        )
        best = _index(t, cue.get("best_s"))
        cues[cue["id"]] = {"worst": worst, "best": best if best != worst else None}
    return {"hero": hero, "cues": cues}


def plan_indices(plan: dict) -> tuple[set[int], set[int]]:
    """(frames to keep cropped to the athlete, frames to keep whole) of a key-frame plan."""
    crop = {i for c in plan["cues"].values() for i in c.values() if i is not None}
    return crop, ({plan["hero"]} if plan["hero"] is not None else set())
