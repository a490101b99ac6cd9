"""What the live overlay shows of the rolling window: the current pose (mirrored if asked), each
body part's shown band, and the window as a pose series and a report for `render.Overlay`."""

from __future__ import annotations

import numpy as np

from formcheck import render
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.live.window import RollingWindow
from formcheck.metrics import lean_from_vertical
from formcheck.series import PoseSeries

_MIN_VISIBILITY = 0.2  # landmarks drawn only above this visibility (as offline cleaning does)


def _worst_band(bands: list[str]) -> str:
    """The body part's colour: its worst assessed band, "none" without one (as render does)."""
    ranked = [b for b in ("poor", "fair", "good") if b in bands]
    return ranked[0] if ranked else "none"



def _mid(xy: np.ndarray, a: int, b: int, size: tuple[int, int]) -> np.ndarray:
    """Midpoint of two landmarks in pixels (true image angles)."""
    return (xy[a] + xy[b]) / 2 * size


class Feedback:
    """The rolling window as the overlay draws it; `mirror` flips left and right as shown."""

    def __init__(self, window: RollingWindow, mirror: bool) -> None:
        self.window, self.mirror = window, mirror

    def pose(self) -> tuple[np.ndarray, float, int]:
        """The newest smoothed pose as drawn ((33, 2) normalized, NaN = not visible), the trunk's
        lean in degrees and the facing (1 right, -1 left), mirrored if asked."""
        pose, size, rep = self.window.poses[-1], self.window.size, self.window.rep
        xy = np.where((pose.visibility >= _MIN_VISIBILITY)[:, None], pose.smooth_xy, np.nan)
        facing = -1 if rep and rep["movement"]["facing"] == "left" else 1
        lean = float(
            lean_from_vertical(
                _mid(xy, L.LEFT_HIP, L.RIGHT_HIP, size),
                _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, size),
                facing,
            )
        )
        if self.mirror:
            xy[:, 0], facing = 1.0 - xy[:, 0], -facing
        return xy, lean, facing

    def near_side(self) -> str | None:
        """The side of the body nearer the camera, by the last report (None before one)."""
        rep = self.window.rep
        return rep["camera_view"]["near_side"] if rep else None

    def part_bands(self) -> dict[str, str]:
        """Each body part's colour: the worst shown band of its cues."""
        cues = self.window.rep["cues"] if self.window.rep else []
        shown = self.window.hysteresis.shown
        return {
            body: _worst_band(
                [shown.get(c["id"], "not_assessed") for c in cues if c["body"] == body]
            )
            for body in render.BODIES
        }

    def series(self) -> PoseSeries:
        """The window's smoothed poses, as shown (mirrored if asked), for the panel and strip."""
        ps = list(self.window.poses)
        xy = np.stack([p.smooth_xy for p in ps]).astype(np.float32)
        vis = np.stack([p.visibility for p in ps])
        xy[~(vis >= _MIN_VISIBILITY)] = np.nan
        if self.mirror:
            xy[..., 0] = 1.0 - xy[..., 0]
        t = np.array([p.t_s for p in ps], np.float64)
        return PoseSeries(
            xy, vis, np.full((len(ps), NUM_LANDMARKS, 3), np.nan, np.float32), t, *self.window.size
        )

    def report(self, t_now: float) -> dict:
        """A report for `render.Overlay`: the last window's, with the shown bands and their history."""
        win = self.window
        rep = win.rep or {"cues": [], "movement": {}, "gait": {}, "overall": {}, "camera_view": {}}
        flip = {"left": "right", "right": "left"} if self.mirror else {}
        mv = rep["movement"]
        cues = [
            {
                **c,
                "band": win.hysteresis.shown.get(c["id"], "not_assessed"),
                "intervals": self._held_intervals(c["id"], t_now),
            }
            for c in rep["cues"]
        ]
        facing, travel = mv.get("facing"), mv.get("travel")
        movement = {
            **mv,
            "type": win.note or mv["type"],
            "segments": [],
            "facing": flip.get(facing, facing),
            "travel": flip.get(travel, travel),
        }
        return {
            **rep,
            "cues": cues,
            "movement": movement,
            "gait": {**rep["gait"], "steps": [], "strides": []},
            "overall": rep["overall"] if not win.note else {},
            "_frame_metrics": {},
        }

    def _held_intervals(self, cue_id: str, t_now: float) -> list[dict]:
        """Stretches of the window in which the cue's shown band was not good (for the strip)."""
        out = []
        hist = list(self.window.history)
        for k, (t_s, shown) in enumerate(hist):
            band = shown.get(cue_id, "not_assessed")
            if band != "good":
                end = hist[k + 1][0] if k + 1 < len(hist) else t_now
                out.append({"start_s": t_s, "end_s": end, "band": band})
        return out

