"""Pose estimation behind a small protocol, and where the pose model file is found.

`mediapipe` is imported only by `formcheck.pose.mediapipe`, and only when an estimator is made.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from formcheck.errors import ModelError

DEFAULT_MODEL_NAME = "pose_landmarker_full.task"
MODEL_ENV = "FORMCHECK_MODEL"
_BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_FIX = (
    "rebuild it with `python tools/build_model.py` (see models/README.md) or pass "
    "--model PATH to a MediaPipe pose_landmarker_*.task file"
)


@dataclass(frozen=True)
class DetectedPose:
    """One person in one frame.

    Attributes:
        xy: (33, 2) float32 normalized image coordinates (x right, y down).
        visibility: (33,) float32 in [0, 1].
        world: (33, 3) float32 metres, hip-centred.
    """

    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray


class PoseEstimator(Protocol):
    """Finds people's poses in the frames of one video, in order."""

    def estimate(self, rgb: np.ndarray, timestamp_ms: int) -> list[DetectedPose]:
        """Poses in an RGB uint8 frame (H, W, 3); `timestamp_ms` must increase strictly."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    """The model file used: recorded in every report."""

    path: Path
    name: str
    sha256: str

    def to_dict(self) -> dict:
        """A JSON-ready dict (the path is not included: it is machine-specific)."""
        return {"name": self.name, "sha256": self.sha256}


def _candidates() -> list[Path]:
    here = Path(__file__).resolve()
    return [
        here.parents[2] / "models" / DEFAULT_MODEL_NAME,  # source checkout / editable install
        Path(sys.prefix) / "share" / "formcheck" / "models" / DEFAULT_MODEL_NAME,  # wheel install
    ]


def find_model(explicit: str | os.PathLike | None = None) -> ModelInfo:
    """Locate and check the pose model: `explicit`, else $FORMCHECK_MODEL, else the bundled one.

    Raises:
        ModelError: the file is missing, or it is not a MediaPipe pose `.task` bundle.
    """
    if explicit is None and os.environ.get(MODEL_ENV):
        explicit = os.environ[MODEL_ENV]
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ModelError(f"pose model not found — {_FIX}", path)
    else:
        found = [p for p in _candidates() if p.is_file()]
        if not found:
            raise ModelError(f"pose model not found — {_FIX}", _candidates()[0])
        path = found[0]
    check_model(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ModelInfo(path=path, name=path.name, sha256=digest)


def check_model(path: Path) -> None:
    """Check that `path` is a readable `.task` bundle holding the two pose models."""
    try:
        if path.stat().st_size == 0:
            raise ModelError(f"the pose model file is empty — {_FIX}", path)
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            bad = bundle.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"the pose model is corrupt or not a .task bundle ({exc}) — {_FIX}", path) from exc
    missing = [m for m in _BUNDLE_MEMBERS if m not in names]
    if missing:
        raise ModelError(f"the pose model lacks {', '.join(missing)} — {_FIX}", path)
    if bad is not None:
        raise ModelError(f"the pose model is corrupt ({bad} fails its checksum) — {_FIX}", path)


def load_estimator(
    model: ModelInfo, num_poses: int = 1, video: bool = True, min_confidence: float = 0.5
) -> PoseEstimator:
    """Make the MediaPipe estimator for one clip (VIDEO mode, or IMAGE mode for single frames)."""
    from formcheck.pose.mediapipe import MediaPipeEstimator

    return MediaPipeEstimator(
        model.path,
        num_poses=num_poses,
        video=video,
        min_detection_confidence=min_confidence,
        min_presence_confidence=min_confidence,
    )
