"""Pure data that flows through the pipeline: the video's facts and the pose series of a clip.

Coordinates are normalized image coordinates of the upright (rotation-applied) frame: x to the
right, y down, both in [0, 1] inside the frame. A frame without a pose is a row of NaN, never
(0, 0). World coordinates are MediaPipe's metric, hip-centred coordinates.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import AnalysisError
from formcheck.landmarks import NUM_LANDMARKS


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, read from its container and its first frame.

    Attributes:
        path: the file.
        width, height: size of the *displayed* (rotation-applied) frame in pixels.
        fps: average frame rate (float; phones record variable frame rate).
        frames: number of frames (estimated from duration x fps before a full decode).
        duration_s: duration in seconds.
        rotation_deg: clockwise rotation applied to the stored pixels to display them upright.
        codec: the video codec's name.
    """

    path: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    rotation_deg: int
    codec: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass
class PoseSeries:
    """One person's pose over a whole clip.

    Attributes:
        xy: ndarray of shape (T, 33, 2), float32, normalized image coordinates; NaN = missing.
        visibility: ndarray of shape (T, 33), float32 in [0, 1]; NaN = missing.
        world: ndarray of shape (T, 33, 3), float32, metres, hip-centred; NaN = missing.
        t_s: ndarray of shape (T,), float64, presentation time of each frame in seconds.
        width, height: the displayed frame's size in pixels (to convert to pixels / aspect).
        motion: ndarray of shape (T, k) float32 or None: the camera's motion per frame, measured
            on the background (`formcheck.camera`); None where it was not measured (live, synthetic).
    """

    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    t_s: np.ndarray
    width: int
    height: int
    motion: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = len(self.t_s)
        expected = {
            "xy": (t, NUM_LANDMARKS, 2),
            "visibility": (t, NUM_LANDMARKS),
            "world": (t, NUM_LANDMARKS, 3),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise AnalysisError(f"PoseSeries.{name} has shape {actual}, expected {shape}")

    @classmethod
    def empty(cls, frames: int, width: int, height: int) -> PoseSeries:
        """A series of `frames` missing poses, to be filled frame by frame."""
        nan = np.float32(np.nan)
        return cls(
            xy=np.full((frames, NUM_LANDMARKS, 2), nan, np.float32),
            visibility=np.full((frames, NUM_LANDMARKS), nan, np.float32),
            world=np.full((frames, NUM_LANDMARKS, 3), nan, np.float32),
            t_s=np.full(frames, np.nan, np.float64),
            width=width,
            height=height,
        )

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: frames where a pose was found."""
        return ~np.isnan(self.xy[:, 0, 0])

    @property
    def aspect(self) -> float:
        """Width / height of the frame; multiply normalized x by it to get units of frame height."""
        return self.width / self.height

    def truncated(self, n: int) -> PoseSeries:
        """The first `n` frames (used when a container announced more frames than it held)."""
        return PoseSeries(
            self.xy[:n], self.visibility[:n], self.world[:n], self.t_s[:n], self.width, self.height,
            None if self.motion is None else self.motion[:n],
        )

    def copy(self) -> PoseSeries:
        """A deep copy."""
        return PoseSeries(
            self.xy.copy(),
            self.visibility.copy(),
            self.world.copy(),
            self.t_s.copy(),
            self.width,
            self.height,
            None if self.motion is None else self.motion.copy(),
        )

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """The arrays keyed for an npz file."""
        return {
            f"{prefix}xy": self.xy,
            f"{prefix}visibility": self.visibility,
            f"{prefix}world": self.world,
        }


def save_npz(path: Path, raw: PoseSeries, clean: PoseSeries, meta: dict) -> None:
    """Save the raw and the cleaned series of a clip, with JSON metadata, to one npz file."""
    np.savez_compressed(
        path,
        t_s=raw.t_s,
        size=np.array([raw.width, raw.height]),
        meta=np.array(json.dumps(meta)),
        **raw.arrays("raw_"),
        **clean.arrays(),
        **({} if raw.motion is None else {"camera_motion": raw.motion}),
    )


def load_npz(path: Path) -> tuple[PoseSeries, PoseSeries, dict]:
    """Load what `save_npz` wrote: (raw, clean, meta)."""
    with np.load(path, allow_pickle=False) as z:
        width, height = (int(v) for v in z["size"])
        t_s = z["t_s"]
        motion = z["camera_motion"] if "camera_motion" in z.files else None
        raw = PoseSeries(z["raw_xy"], z["raw_visibility"], z["raw_world"], t_s, width, height, motion)
        clean = PoseSeries(z["xy"], z["visibility"], z["world"], t_s.copy(), width, height,
                           None if motion is None else motion.copy())  # fmt: skip
        meta = json.loads(str(z["meta"]))
    return raw, clean, meta


def interpolate_skipped(series: PoseSeries, skipped: np.ndarray) -> None:
    """Fill frames the model skipped by linear interpolation in time between analysed frames.

    Only runs of skipped frames with an analysed, detected frame on each side are filled.
    """
    if not skipped.any():
        return
    known = ~skipped & series.detected
    idx = np.flatnonzero(known)
    if len(idx) < 2:
        return
    fill = skipped & (np.arange(len(series)) > idx[0]) & (np.arange(len(series)) < idx[-1])
    # A skipped frame is filled only when the analysed frames around it both have a pose.
    prev = np.maximum.accumulate(np.where(~skipped, np.arange(len(series)), -1))
    nxt = np.minimum.accumulate(np.where(~skipped, np.arange(len(series)), len(series))[::-1])[::-1]
    ok_prev = np.zeros(len(series), bool)
    ok_next = np.zeros(len(series), bool)
    ok_prev[prev >= 0] = series.detected[prev[prev >= 0]]
    ok_next[nxt < len(series)] = series.detected[nxt[nxt < len(series)]]
    fill &= ok_prev & ok_next
    if not fill.any():
        return
    t = series.t_s
    for arr in (series.xy, series.visibility, series.world):
        flat = arr.reshape(len(series), -1)
        for j in range(flat.shape[1]):
            flat[fill, j] = np.interp(t[fill], t[idx], flat[idx, j])
