"""How the report writes its values: rounded numbers, summaries that skip what was not measured
(NaN), and directions in words."""

from __future__ import annotations

import numpy as np


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _finite(a: np.ndarray) -> np.ndarray:
    return a[np.isfinite(a)]


def _nanmed(a: np.ndarray) -> float | None:
    a = _finite(np.asarray(a, float))
    return float(np.median(a)) if a.size else None


def _range(a: np.ndarray) -> float | None:
    a = _finite(a)
    return float(a.max() - a.min()) if a.size else None


def _angle_range(a: np.ndarray) -> float | None:
    """Peak-to-peak of an angle series in degrees that may wrap at ±180°."""
    a = _finite(a)
    return float(np.ptp(np.degrees(np.unwrap(np.radians(a))))) if a.size else None


def _mean(a: np.ndarray) -> float | None:
    a = _finite(a)
    return float(a.mean()) if a.size else None


def _dir(sign: int, axis: str = "image_x") -> str:
    """A direction in words: across the picture (right / left) or along the camera's line of
    sight (toward_camera / away_from_camera, for front and rear views)."""
    if axis == "depth":
        return {1: "toward_camera", -1: "away_from_camera", 0: "none"}[int(sign)]
    return {1: "right", -1: "left", 0: "none"}[int(sign)]
