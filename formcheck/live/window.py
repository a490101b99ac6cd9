"""The rolling window: the poses of the last seconds, handed to the cue worker a few times per
second, and the shown bands of its results (with hysteresis) and their recent history."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.camera import CameraMotion
from formcheck.cues import CueHysteresis
from formcheck.filters import OneEuroFilter
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.live.options import LiveOptions
from formcheck.live.source import SourceInfo
from formcheck.live.worker import CueWorker
from formcheck.series import PoseSeries

if TYPE_CHECKING:
    from formcheck.pose import DetectedPose, ModelInfo

_MIN_WINDOW_S = 1.5  # the cues are first scored once the window is this long


@dataclass
class _Pose:
    """One processed frame's pose: raw for the engine, smoothed for drawing."""

    t_s: float
    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    smooth_xy: np.ndarray
    motion: np.ndarray  # the background's motion since the previous processed frame (`formcheck.camera`)


def _no_pose() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nan = np.float32(np.nan)
    return (np.full((NUM_LANDMARKS, 2), nan, np.float32), np.full(NUM_LANDMARKS, nan, np.float32),
            np.full((NUM_LANDMARKS, 3), nan, np.float32))  # fmt: skip


class RollingWindow:
    """The last `window_s` seconds of poses and what the cue engine made of them.

    The raw poses go to the engine (`CueWorker`), the One Euro smoothed ones are drawn. Each
    scored window's bands pass through `CueHysteresis`; `history` keeps the shown bands over the
    window for the timeline strip, `rep` the last report, `note` what is shown instead of the
    movement type while there is no report.
    """

    def __init__(self, options: LiveOptions, info: SourceInfo, model: ModelInfo) -> None:
        self.o, self.info, self.model = options, info, model
        self.size = (info.width, info.height)
        self.poses: deque[_Pose] = deque()
        self.euro = OneEuroFilter(options.smoothing)
        self.camera = CameraMotion()  # a phone panning or following: travel against the ground, as offline
        self.hysteresis = CueHysteresis(options.hold_s)
        self.history: deque[tuple[float, dict[str, str]]] = deque()
        self.rep: dict | None = None
        self.note = "warming_up"  # shown instead of the movement type while there is no report
        self._last_eval_s = -np.inf

    def add(self, t_s: float, found: list[DetectedPose], rgb: np.ndarray) -> None:
        """The pose the model found in frame `rgb` (or none), smoothed, and the background's
        motion since the previous frame; poses too old leave."""
        self.size = (rgb.shape[1], rgb.shape[0])
        xy, vis, world = (found[0].xy, found[0].visibility, found[0].world) if found else _no_pose()
        motion = self.camera.update(rgb, [p.xy for p in found])
        self.poses.append(_Pose(t_s, xy, vis, world, self.euro(xy, t_s), motion))
        while self.poses[0].t_s < t_s - self.o.window_s:
            self.poses.popleft()

    def restart(self) -> None:
        """After a pause the window's poses are stale: start it afresh."""
        self.poses.clear()
        self.euro.reset()
        self.camera = CameraMotion()

    def score(self, worker: CueWorker, t_s: float) -> list[tuple[float, str, str]] | None:
        """Adopt the worker's result; give it the newest window when it is idle and one is due.

        Returns:
            The shown-band changes of the result adopted (maybe none); None if none was ready.
        """
        result = worker.poll()
        changes = self._adopt(*result) if result is not None else None
        due = t_s - self._last_eval_s >= 1.0 / self.o.cue_rate_hz
        if due and worker.idle and t_s - self.poses[0].t_s >= _MIN_WINDOW_S:
            self._last_eval_s = t_s
            worker.submit(self._raw_window(), self._meta())
        return changes

    def _raw_window(self) -> PoseSeries:
        ps = list(self.poses)
        series = PoseSeries(
            xy=np.stack([p.xy for p in ps]),
            visibility=np.stack([p.visibility for p in ps]),
            world=np.stack([p.world for p in ps]),
            t_s=np.array([p.t_s for p in ps], np.float64),
            width=self.size[0],
            height=self.size[1],
        )
        series.motion = np.stack([p.motion for p in ps])
        return series

    def _meta(self) -> dict:
        """What `engine.evaluate` needs to know about the input, as `pipeline.analyze` gives it."""
        info = self.info
        span = self.poses[-1].t_s - self.poses[0].t_s
        fps = (len(self.poses) - 1) / span if span > 0 else info.fps
        source = {"path": info.name, "width": self.size[0], "height": self.size[1], "fps": round(fps, 3),
                  "frames": len(self.poses), "duration_s": round(span, 4), "rotation_deg": 0,
                  "codec": info.kind, "sha256": None}  # fmt: skip
        return {
            "input": source,
            "model": self.model.to_dict(),
            "decode": {"damaged_packets": 0},
            "subject": {
                "method": "single",
                "people_max": 1,
                "reason": "live: the one person the model tracks",
            },
            "profile_path": self.o.profile_path,
        }

    def _adopt(self, t_s: float, rep: dict | None) -> list[tuple[float, str, str]]:
        """A scored window: hysteresis on the bands, history for the strip; the changes shown."""
        if rep is None:  # a full-length window without enough poses
            self.note = "no_athlete_in_view"
            bands = dict.fromkeys(self.hysteresis.shown, "not_assessed")
        else:
            self.rep, self.note = rep, ""
            bands = {c["id"]: c["band"] for c in rep["cues"]}
        changes = self.hysteresis.update(bands, t_s)
        self.history.append((t_s, dict(self.hysteresis.shown)))
        while len(self.history) > 1 and self.history[1][0] < t_s - self.o.window_s:
            self.history.popleft()
        return changes
