"""The one input every annotator draws from: `Scene`, a clip's cleaned pose in pixels, its report
and the style, prepared once (each cue's state per frame as small integer codes); `Pose`, one
frame's landmarks that exist; and the `Annotator` protocol they are drawn through (`PoseAnnotator`: those
that draw the pose).

NaN safety lives here, not in each annotator: `Scene.pose(i)` is None for frames past either
end and frames without a pose, `Pose` hands out only finite points, and `Scene.value` only
finite per-frame metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.render.geometry import boxes, finite_at
from formcheck.render.sprites import Labels
from formcheck.render.style import BODIES, COLOURS, NONE, SEVERITY, STATES, DrawStyle, Sizes
from formcheck.report import cue_state_frames
from formcheck.series import PoseSeries


class Annotator(Protocol):
    """Draws one thing of frame `i` onto `frame` (BGR, in place); anything it cannot place it
    leaves out."""

    def annotate(self, frame: np.ndarray, i: int) -> None: ...


class PoseAnnotator:
    """An annotator of the athlete's pose: `draw(frame, i, pose)` runs only for frames that have
    one (inside the clip, detected), with the points that exist."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene

    def annotate(self, frame: np.ndarray, i: int) -> None:
        pose = self.scene.pose(i)
        if pose is not None:
            self.draw(frame, i, pose)

    def draw(self, frame: np.ndarray, i: int, pose: Pose) -> None:
        raise NotImplementedError


def short_label(cue: dict) -> str:
    """A short name for a cue on the video: its `short_title`, else its id in words."""
    return cue.get("short_title") or cue["id"].replace("_", " ").capitalize()


def _state_codes(rep: dict, series: PoseSeries) -> tuple[list[dict], np.ndarray]:
    """The assessed cues and their state per frame: (n_cues, T) int8 indices into STATES."""
    names = cue_state_frames(rep, series.t_s)
    cues = [c for c in rep["cues"] if c["band"] != "not_assessed"]
    lookup = {s: k for k, s in enumerate(STATES)}
    codes = np.array([[lookup[s] for s in names[c["id"]]] for c in cues], np.int8).reshape(
        len(cues), len(series)
    )
    codes[:, ~series.detected] = NONE
    return cues, codes


def _part_codes(cues: list[dict], codes: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    """Per body: the worst state among its assessed cues at each frame (NONE without one)."""
    out = {}
    for body in BODIES:
        rows = codes[[k for k, c in enumerate(cues) if c["body"] == body]]
        if not len(rows):
            out[body] = np.full(frames, NONE, np.int8)
            continue
        worst = np.take_along_axis(rows, np.argmax(SEVERITY[rows], axis=0)[None], axis=0)[0]
        out[body] = worst
    return out


@dataclass(frozen=True)
class Pose:
    """One frame's landmarks in pixels; only the points that exist are handed out."""

    px: np.ndarray  # (33, 2), NaN where missing
    ok: np.ndarray  # (33,) which points are finite

    def point(self, lm: int) -> np.ndarray | None:
        """Landmark `lm`, or None when it is missing."""
        return self.px[lm] if self.ok[lm] else None

    def points(self, *lms: int) -> tuple[np.ndarray, ...] | None:
        """All of `lms`, or None when any of them is missing."""
        return tuple(self.px[lm] for lm in lms) if all(self.ok[lm] for lm in lms) else None

    def mid(self, a: int, b: int) -> np.ndarray | None:
        """The midpoint of `a` and `b`, or None when either is missing."""
        return (self.px[a] + self.px[b]) / 2 if self.ok[a] and self.ok[b] else None

    def trunk(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(mid-hip, mid-shoulder), or None without both."""
        hip = self.mid(L.LEFT_HIP, L.RIGHT_HIP)
        sho = self.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        return (hip, sho) if hip is not None and sho is not None else None


@dataclass(frozen=True)
class Scene:
    """A clip's results ready to draw at one frame size (`w` x `h`: coordinates are normalized,
    any size works). Build with `Scene.build`."""

    series: PoseSeries
    rep: dict
    style: DrawStyle
    w: int
    h: int
    fps: float
    sz: Sizes
    px: np.ndarray  # (T, 33, 2) landmarks in pixels, NaN where missing
    ok: np.ndarray  # (T, 33) which of them are finite
    boxes: np.ndarray  # (T, 4) the athlete's box per frame, NaN rows without a pose
    cues: list[dict]  # the assessed cues
    codes: np.ndarray  # (n_cues, T) their state per frame, indices into STATES
    parts: dict[str, np.ndarray]  # per body: its worst state per frame
    near: str | None  # the athlete's side nearer the camera
    facing: int  # +1 facing right, -1 left
    sagittal: bool  # filmed side-on (or oblique): angles in the picture are true angles
    metrics: dict  # the report's per-frame metrics (`_frame_metrics`)
    glyphs: Labels  # per-frame text, shared by the annotators (one sprite cache)

    @classmethod
    def build(
        cls, series: PoseSeries, rep: dict, width: int, height: int, style: DrawStyle = DrawStyle()
    ) -> Scene:
        n, t = len(series), series.t_s
        sz = Sizes.for_frame(width, height, style)
        px = series.xy.astype(np.float64) * np.array([width, height])
        cues, codes = _state_codes(rep, series)
        view = rep.get("camera_view") or {}
        return cls(
            series=series,
            rep=rep,
            style=style,
            w=width,
            h=height,
            fps=(n - 1) / (t[-1] - t[0]) if n > 1 and t[-1] > t[0] else 30.0,
            sz=sz,
            px=px,
            ok=np.isfinite(px).all(axis=2),
            boxes=boxes(px),
            cues=cues,
            codes=codes,
            parts=_part_codes(cues, codes, n),
            near=view.get("near_side"),
            facing=-1 if rep.get("movement", {}).get("facing") == "left" else 1,
            sagittal=view.get("view") in ("side", "oblique"),
            metrics=rep.get("_frame_metrics", {}),
            glyphs=Labels(sz.small),
        )

    @property
    def n(self) -> int:
        return len(self.series)

    @property
    def detected(self) -> np.ndarray:
        return self.series.detected

    def clamp(self, i: int) -> int:
        """The frame shown for `i` by what shows on every frame (panel, strip): clamped to the
        series."""
        return min(max(i, 0), self.n - 1)

    def pose(self, i: int) -> Pose | None:
        """Frame `i`'s pose, or None for a frame past either end or without a pose."""
        if not (0 <= i < self.n and self.detected[i]):
            return None
        return Pose(self.px[i], self.ok[i])

    def value(self, metric: str, i: int) -> float | None:
        """Per-frame metric `metric` at frame `i`, or None when it is missing or not finite."""
        v = finite_at(self.metrics.get(metric), i)
        return None if v is None else float(v)

    def colour(self, body: str, i: int, dim: bool = False) -> tuple[int, int, int]:
        """BGR colour of a body part at frame `i`: its worst state, darker when `dim`."""
        c = COLOURS[STATES[self.parts[body][i]]]
        return tuple(int(v * 0.7) for v in c) if dim else c

    def far(self, part: str) -> bool:
        """Whether a limb is on the athlete's far side from the camera (drawn thinner, darker)."""
        return self.near is not None and part.startswith(
            "left" if self.near == "right" else "right"
        )

    def segment_key(self, t_s: float) -> tuple[str, str, str]:
        """(movement, facing, travel) of the report's movement segment at time `t_s`."""
        mv = self.rep.get("movement", {})
        key = (mv.get("type", "other"), mv.get("facing", "none"), mv.get("travel", "none"))
        for seg in mv.get("segments", []):
            if seg["start_s"] <= t_s <= seg["end_s"]:
                key = (
                    seg.get("movement", key[0]),
                    seg.get("facing", key[1]),
                    seg.get("travel", key[2]),
                )
        return key
