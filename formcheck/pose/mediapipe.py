"""The MediaPipe Tasks PoseLandmarker, in VIDEO mode. The only module that imports mediapipe."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types
from pathlib import Path

import numpy as np

from formcheck.errors import ModelError
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.pose import DetectedPose


#: mediapipe's vision package imports its drawing helpers, and they import matplotlib.pyplot:
#: about half a second of start-up for plotting code formcheck never calls.
_DRAWING = ("mediapipe.tasks.python.vision.drawing_utils", "mediapipe.tasks.python.vision.drawing_styles")


class _OnDemand(types.ModuleType):
    """Stands in for a module until one of its attributes is read, then imports the real one."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # the import machinery probing module attributes
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        return getattr(real, name)


class _Deferred(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """While mediapipe is imported, finds the drawing modules as `_OnDemand` stand-ins."""

    def find_spec(self, name: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name in _DRAWING else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _OnDemand(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


_IMPORTED = threading.Lock()


def _import_mediapipe() -> types.ModuleType:
    """Import mediapipe without its drawing helpers (and matplotlib.pyplot) until they are used.

    One thread at a time: models load side by side in threads, and mediapipe's package imports
    its submodules in a cycle that Python's per-module import locks report as a deadlock when
    two threads import it at once (and a second thread would see the half-imported module).
    """
    with _IMPORTED:
        if "mediapipe" not in sys.modules:
            finder = _Deferred()
            sys.meta_path.insert(0, finder)
            try:
                importlib.import_module("mediapipe")
            finally:
                sys.meta_path.remove(finder)
        importlib.import_module("mediapipe.tasks.python.vision")
        return sys.modules["mediapipe"]


class MediaPipeEstimator:
    """Pose per frame with MediaPipe's PoseLandmarker.

    VIDEO mode tracks people across frames (frames must come in order); IMAGE mode detects
    afresh in every frame (used to count the people in sparse frames).

    Must be closed explicitly (or used as a context manager): MediaPipe's native graph crashes
    at interpreter exit when left open.
    """

    def __init__(
        self,
        model_path: Path,
        num_poses: int = 1,
        video: bool = True,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        mp = _import_mediapipe()
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import (
            PoseLandmarker,
            PoseLandmarkerOptions,
            RunningMode,
        )

        self._mp = mp
        self._video = video
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"MediaPipe cannot load the pose model ({str(exc).splitlines()[0]}) — rebuild it "
                "with `python tools/build_model.py` or pass --model PATH to a pose_landmarker_*.task",
                model_path,
            ) from exc

    def estimate(self, rgb: np.ndarray, timestamp_ms: int) -> list[DetectedPose]:
        """Poses found in one RGB uint8 frame; `timestamp_ms` must increase strictly (VIDEO mode)."""
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._video:
            result = self._landmarker.detect_for_video(image, int(timestamp_ms))
        else:
            result = self._landmarker.detect(image)
        poses = []
        for lms, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            a = np.array([(p.x, p.y, p.visibility or 0.0) for p in lms], np.float32)
            w = np.array([(p.x, p.y, p.z) for p in world], np.float32)
            if a.shape[0] != NUM_LANDMARKS:
                continue
            poses.append(DetectedPose(xy=a[:, :2], visibility=a[:, 2], world=w))
        return poses

    def close(self) -> None:
        """Release the native graph."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipeEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
