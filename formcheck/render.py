"""The overlay drawn on the annotated video: skeleton coloured by cue status, trunk line, HUD,
and a timeline strip of each cue's failures with a playhead. Sizes scale with the frame."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import EDGES, JOINTS
from formcheck.landmarks import Landmark as L
from formcheck.report import cue_state_frames
from formcheck.series import PoseSeries

# BGR
COLOURS = {
    "good": (80, 175, 76),
    "fair": (0, 180, 255),
    "poor": (40, 40, 220),
    "not_assessed": (170, 170, 170),
    "none": (235, 235, 235),
}
PART_BODY = {"head": "head", "trunk": "trunk", "left_arm": "arms", "right_arm": "arms", "left_leg": "legs", "right_leg": "legs"}
_RANK = {"not_assessed": 0, "good": 1, "fair": 2, "poor": 3}


class Overlay:
    """Draws one clip's results onto its frames (BGR, in place)."""

    def __init__(self, series: PoseSeries, rep: dict, width: int, height: int) -> None:
        self.series = series
        self.rep = rep
        self.w, self.h = width, height
        self.unit = max(1.0, min(width, height) / 720.0)  # 1.0 at 720p
        self.px = np.rint(series.xy * np.array([width, height])).astype(np.float64)
        states = cue_state_frames(rep, series.t_s)
        cues = [c for c in rep["cues"] if c["band"] != "not_assessed"]
        self.cues = cues
        # Per frame and body part: the worst status among the assessed cues of that part.
        self.part_state: dict[str, list[str]] = {}
        for body in ("head", "trunk", "arms", "legs"):
            ids = [c["id"] for c in cues if c["body"] == body]
            col = []
            for i in range(len(series)):
                worst = max((states[k][i] for k in ids), key=_RANK.get, default="none")
                col.append(worst)
            self.part_state[body] = col
        self.states = states
        self.contact_frames = {s["frame"] for s in rep["gait"]["steps"]}
        self._timeline = self._build_timeline()

    def _build_timeline(self) -> np.ndarray | None:
        """The strip image (without playhead): one row per assessed cue, coloured by status."""
        if not self.cues:
            return None
        row_h = int(8 * self.unit)
        strip = np.zeros((row_h * len(self.cues), self.w, 3), np.uint8)
        n = len(self.series)
        cols = np.minimum((np.arange(n) * self.w / max(n, 1)).astype(int), self.w - 1)
        for r, cue in enumerate(self.cues):
            st = self.states[cue["id"]]
            for i in range(n):
                strip[r * row_h : (r + 1) * row_h - 1, cols[i] : cols[i] + int(np.ceil(self.w / n)) + 1] = COLOURS[st[i]]
        return strip

    def draw(self, img: np.ndarray, i: int) -> None:
        """Draw frame `i`'s overlay onto `img`."""
        if i < len(self.series) and np.isfinite(self.px[i, 0, 0]):
            self._skeleton(img, i)
        self._hud(img, i)
        self._strip(img, i)

    def _skeleton(self, img: np.ndarray, i: int) -> None:
        p = self.px[i]
        th = max(2, int(3 * self.unit))
        for part, edges in EDGES.items():
            colour = COLOURS[self.part_state[PART_BODY[part]][i]]
            for a, b in edges:
                if np.isfinite(p[a]).all() and np.isfinite(p[b]).all():
                    cv2.line(img, _pt(p[a]), _pt(p[b]), colour, th, cv2.LINE_AA)
        for j in JOINTS:
            if np.isfinite(p[j]).all():
                cv2.circle(img, _pt(p[j]), th + 1, (255, 255, 255), -1, cv2.LINE_AA)
        # Trunk line against the vertical, with its angle.
        hip = (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
        sho = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2
        lean = self.rep.get("_frame_metrics", {}).get("trunk_lean_deg")
        if np.isfinite(hip).all() and np.isfinite(sho).all():
            top = hip + (0, -np.linalg.norm(sho - hip))
            cv2.line(img, _pt(hip), _pt(top), (255, 255, 255), max(1, th // 2), cv2.LINE_AA)
            cv2.line(img, _pt(hip), _pt(sho), COLOURS[self.part_state["trunk"][i]], th + 1, cv2.LINE_AA)
            if lean is not None and np.isfinite(lean[i]):
                _text(img, f"{lean[i]:+.0f} deg", _pt(sho + (12 * self.unit, 0)), 0.6 * self.unit)
        if i in self.contact_frames:
            for foot in (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX):
                if np.isfinite(p[foot]).all():
                    cv2.circle(img, _pt(p[foot]), int(10 * self.unit), (255, 255, 0), max(2, th), cv2.LINE_AA)

    def _hud(self, img: np.ndarray, i: int) -> None:
        r = self.rep
        s = 0.6 * self.unit
        lines = [r["movement"]["type"].replace("_", " ")]
        if r["gait"]["cadence_spm"]:
            lines.append(f"{r['gait']['cadence_spm']:.0f} steps/min")
        if r["overall"]["score"] is not None:
            lines.append(f"score {r['overall']['score']:.0f} ({r['overall']['grade']})")
        x, y = int(12 * self.unit), int(28 * self.unit)
        step = int(26 * self.unit)
        box_h = step * (len(lines) + len(self.cues)) + int(10 * self.unit)
        sub = img[0 : min(box_h, self.h), 0 : min(int(300 * self.unit), self.w)]
        sub[:] = (sub * 0.45).astype(np.uint8)
        for line in lines:
            _text(img, line, (x, y), s)
            y += step
        for cue in self.cues:
            st = self.states[cue["id"]][i]
            cv2.circle(img, (x + int(6 * self.unit), y - int(6 * self.unit)), int(6 * self.unit), COLOURS[st], -1, cv2.LINE_AA)
            _text(img, cue["title"], (x + int(18 * self.unit), y), 0.5 * self.unit)
            y += step

    def _strip(self, img: np.ndarray, i: int) -> None:
        if self._timeline is None:
            return
        h = self._timeline.shape[0]
        img[self.h - h : self.h] = self._timeline
        n = len(self.series)
        x = int(i * self.w / max(n, 1))
        cv2.line(img, (x, self.h - h - int(4 * self.unit)), (x, self.h - 1), (255, 255, 255), max(2, int(2 * self.unit)))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(p[0]), int(p[1])


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float) -> None:
    th = max(1, int(round(scale * 2)))
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), th + 2, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), th, cv2.LINE_AA)
