"""Angles and per-frame metrics from a pose series (pure numpy).

All geometry is done in "frame-height units": x is multiplied by the frame's aspect ratio so that
angles are true image angles. Angles are in degrees; NaN in gives NaN out.
"""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


def points(series: PoseSeries) -> np.ndarray:
    """(T, 33, 2) coordinates with x scaled by the aspect ratio (units of frame height)."""
    p = series.xy.astype(np.float64).copy()
    p[..., 0] *= series.aspect
    return p


def midpoint(p: np.ndarray, a: int, b: int) -> np.ndarray:
    """(T, 2) midpoint of landmarks a and b."""
    return (p[:, a] + p[:, b]) / 2.0


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (0..180) for (..., 2) arrays.

    >>> import numpy as np
    >>> float(joint_angle(np.array([1.0, 0]), np.array([0.0, 0]), np.array([0.0, 1])))
    90.0
    """
    u = a - b
    v = c - b
    dot = (u * v).sum(-1)
    norm = np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arccos(np.clip(dot / norm, -1.0, 1.0)))


def lean_from_vertical(lower: np.ndarray, upper: np.ndarray, facing: float) -> np.ndarray:
    """Signed angle (deg) of the segment lower→upper from the image vertical.

    Positive = tilted toward `facing` (+1: image right, -1: image left), i.e. a forward lean of
    the trunk in the athlete's own (facing) frame.
    """
    v = upper - lower
    return np.degrees(np.arctan2(facing * v[..., 0], -v[..., 1]))


def frame_metrics(series: PoseSeries, facing: float) -> dict[str, np.ndarray]:
    """Per-frame metrics, each (T,) float64, NaN where the landmarks are missing.

    Returns:
        trunk_lean_deg: shoulder-mid vs hip-mid from vertical, + = toward the chest (facing).
        neck_angle_deg: angle between hip→shoulder and shoulder→ear (0 = head stacked on trunk).
        knee_flexion_{left,right}_deg: 180 − hip-knee-ankle angle.
        elbow_flexion_{left,right}_deg: 180 − shoulder-elbow-wrist angle.
        shoulder_flexion_{left,right}_deg: upper arm vs trunk line, + = arm toward facing.
        thigh_angle_{left,right}_deg: thigh vs vertical, + = knee toward facing.
        trunk_tilt_image_deg: trunk vs image vertical, + = image right (lateral sway, frontal views).
        shoulder_drop_ratio: vertical ear-to-shoulder distance / trunk length (small = shrugged).
        pelvis_tilt_deg: hip line vs horizontal (frontal views).
        shoulder_width_ratio: shoulder width / trunk length (small in side views).
    """
    p = points(series)
    hip = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)
    sho = midpoint(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    ear = midpoint(p, L.LEFT_EAR, L.RIGHT_EAR)
    out: dict[str, np.ndarray] = {
        "trunk_lean_deg": lean_from_vertical(hip, sho, facing),
        "neck_angle_deg": 180.0 - joint_angle(hip, sho, ear),
    }
    trunk_dir = sho - hip
    for side, s in (("left", "LEFT"), ("right", "RIGHT")):
        h, k, a = p[:, L[f"{s}_HIP"]], p[:, L[f"{s}_KNEE"]], p[:, L[f"{s}_ANKLE"]]
        sh, el, wr = p[:, L[f"{s}_SHOULDER"]], p[:, L[f"{s}_ELBOW"]], p[:, L[f"{s}_WRIST"]]
        out[f"knee_flexion_{side}_deg"] = 180.0 - joint_angle(h, k, a)
        out[f"elbow_flexion_{side}_deg"] = 180.0 - joint_angle(sh, el, wr)
        # Upper arm relative to the trunk line (pointing down from the shoulder).
        arm = lean_from_vertical(sh, el, facing)  # ~±180 when the arm hangs down
        down_trunk = lean_from_vertical(sho, hip, facing)
        out[f"shoulder_flexion_{side}_deg"] = _wrap(down_trunk - arm)
        out[f"thigh_angle_{side}_deg"] = _wrap(180.0 - lean_from_vertical(h, k, facing))
    # Frontal-plane trunk tilt in the image (lateral sway in front/back views): + = image right.
    out["trunk_tilt_image_deg"] = lean_from_vertical(hip, sho, 1.0)
    # Shrug proxy: how far the shoulders sit below the ears, in trunk lengths.
    with np.errstate(invalid="ignore", divide="ignore"):
        out["shoulder_drop_ratio"] = (sho[:, 1] - ear[:, 1]) / np.linalg.norm(sho - hip, axis=-1)
    lh, rh = p[:, L.LEFT_HIP], p[:, L.RIGHT_HIP]
    d = rh - lh
    out["pelvis_tilt_deg"] = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))
    trunk_len = np.linalg.norm(trunk_dir, axis=-1)
    sw = np.abs(p[:, L.LEFT_SHOULDER, 0] - p[:, L.RIGHT_SHOULDER, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["shoulder_width_ratio"] = sw / trunk_len
    return out


def _wrap(deg: np.ndarray) -> np.ndarray:
    """Wrap angles to (-180, 180]."""
    return (deg + 180.0) % 360.0 - 180.0
