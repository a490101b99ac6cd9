"""On a treadmill, where the hips hold their place: the belt's speed and the direction of travel,
both from the feet on the ground."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _sign
from formcheck.gait.result import SIDES
from formcheck.gait.signals import foot_points
from formcheck.landmarks import Landmark as L
from formcheck.metrics import midpoint


def _belt_velocity(p: np.ndarray, t: np.ndarray, leg: float, active: np.ndarray) -> float:
    """Horizontal velocity (leg lengths / s) of the low feet: the belt on a treadmill."""
    vals = []
    for side in SIDES:
        f = foot_points(p, side) / leg
        vx = np.gradient(f[:, 0], t)
        y = f[:, 1]
        ok = np.isfinite(vx) & np.isfinite(y) & active
        if ok.sum() < 10:
            continue
        low = y[ok] >= np.percentile(y[ok], 60)
        vals.append(vx[ok][low])
    return float(np.median(np.concatenate(vals))) if vals else 0.0


def _body_travel(p: np.ndarray, t: np.ndarray, leg: float, active: np.ndarray) -> tuple[int, float]:
    """Travel direction from the feet relative to the hips: in stance (low foot) a foot moves
    against the direction of travel, on a treadmill as on the ground."""
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0] / leg
    votes, scales = [], []
    for side in SIDES:
        f = foot_points(p, side) / leg
        rel_v = np.gradient(f[:, 0] - hip_x, t)
        y = f[:, 1]
        ok = np.isfinite(rel_v) & np.isfinite(y) & active
        if ok.sum() < 10:
            continue
        low = y[ok] >= np.percentile(y[ok], 70)  # image y grows downwards: the low foot
        votes.append(np.median(rel_v[ok][low]))
        scales.append(np.median(np.abs(rel_v[ok])))
    if not votes:
        return 0, 0.0
    v = float(np.mean(votes))
    scale = float(np.mean(scales)) + 1e-6
    return -_sign(v), float(min(1.0, abs(v) / scale))
