"""Report values spread over the clip's frames: each cue's state, a stride's value (for frames.csv
and the overlay)."""

from __future__ import annotations

import numpy as np


def cue_state_frames(rep: dict, t_s: np.ndarray) -> dict[str, list[str]]:
    """Per-frame state of every cue.

    Inside one of the cue's intervals: that interval's band. Elsewhere: good — except for a cue
    judged on the clip as a whole (a fair or poor band without intervals, e.g. cadence), which
    keeps its band throughout.
    """
    out = {}
    for cue in rep["cues"]:
        band = cue["band"]
        default = (
            band if band == "not_assessed" or (band != "good" and not cue["intervals"]) else "good"
        )
        states = np.full(len(t_s), default, object)
        for f in cue["intervals"]:
            states[(t_s >= f["start_s"]) & (t_s <= f["end_s"])] = f["band"]
        out[cue["id"]] = states.tolist()
    return out


def stride_frames(rep: dict, key: str, frames: int) -> np.ndarray:
    """(T,) a stride-table value spread over the frames of its stride; NaN outside strides."""
    out = np.full(frames, np.nan)
    for s in rep.get("gait", {}).get("strides", []):
        a, b, v = s.get("start_frame"), s.get("end_frame"), s.get(key)
        if a is not None and b is not None and v is not None:
            out[a : b + 1] = v
    return out
