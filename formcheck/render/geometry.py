"""Pixel geometry the annotators share: image angles, whole-pixel points, boxes around
landmarks, and `finite_at`, the one guard between a series with holes and cv2 (NaN has no pixel)."""

from __future__ import annotations

import warnings

import numpy as np


def finite_at(values: np.ndarray | None, i: int) -> np.ndarray | None:
    """`values[i]` (a number or a row) when `i` is inside the series and all of it is finite, else
    None: frames past either end, frames without a pose and NaN metrics all come out as None."""
    if values is None or not 0 <= i < len(values):
        return None
    v = values[i]
    return v if np.isfinite(v).all() else None


def angle_deg(v: np.ndarray) -> np.ndarray:
    """Image angle of vectors (..., 2), degrees, clockwise from +x (y points down), as cv2 uses."""
    return np.degrees(np.arctan2(v[..., 1], v[..., 0]))


def wrap_deg(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


def pt(p: np.ndarray) -> tuple[int, int]:
    """A point in whole pixels; callers pass finite points (NaN has no pixel)."""
    return round(float(p[0])), round(float(p[1]))


def boxes(px: np.ndarray) -> np.ndarray:
    """(T, 4) box x0, y0, x1, y1 in pixels around the landmarks `px` (T, K, 2), with room for the
    head; NaN rows for frames without any of them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: frames without a pose
        x0, y0 = np.nanmin(px[..., 0], axis=1), np.nanmin(px[..., 1], axis=1)
        x1, y1 = np.nanmax(px[..., 0], axis=1), np.nanmax(px[..., 1], axis=1)
    pad = 0.08 * (y1 - y0)
    return np.stack([x0 - pad, y0 - 2 * pad, x1 + pad, y1 + pad], axis=1)
