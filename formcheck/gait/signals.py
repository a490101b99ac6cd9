"""The per-frame signals the gait stages read from the pose: leg length, facing, the feet and how
far apart they are (sideways or in depth), and the body's size in the picture."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _nanmedian
from formcheck.landmarks import Landmark as L
from formcheck.metrics import midpoint


def leg_length(p: np.ndarray) -> float:
    """Median hip-to-ankle distance over both legs (frame-height units)."""
    d = [np.linalg.norm(p[:, L[f"{s}_HIP"]] - p[:, L[f"{s}_ANKLE"]], axis=-1) for s in ("LEFT", "RIGHT")]
    return _nanmedian(np.concatenate(d))


def facing_series(p: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """(T,) facing evidence in [-1, 1] per frame: + = faces image right."""
    num = np.zeros(len(p))
    den = np.zeros(len(p))
    for s in ("LEFT", "RIGHT"):
        toe, heel = L[f"{s}_FOOT_INDEX"], L[f"{s}_HEEL"]
        dx = p[:, toe, 0] - p[:, heel, 0]
        w = np.nan_to_num(np.minimum(vis[:, toe], vis[:, heel]))
        ok = np.isfinite(dx)
        num[ok] += w[ok] * np.sign(dx[ok])
        den[ok] += w[ok]
    # Backup: the nose is in front of the ears.
    dx = p[:, L.NOSE, 0] - midpoint(p, L.LEFT_EAR, L.RIGHT_EAR)[:, 0]
    w = 0.5 * np.nan_to_num(vis[:, L.NOSE])
    ok = np.isfinite(dx) & (np.abs(dx) > 0.005)
    num[ok] += w[ok] * np.sign(dx[ok])
    den[ok] += w[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def foot_points(p: np.ndarray, side: str) -> np.ndarray:
    """(T, 2) one point per foot: heel–toe midpoint, else the ankle."""
    s = side.upper()
    mid = midpoint(p, L[f"{s}_HEEL"], L[f"{s}_FOOT_INDEX"])
    ankle = p[:, L[f"{s}_ANKLE"]]
    return np.where(np.isfinite(mid), mid, ankle)


def _foot_difference(p: np.ndarray, leg: float, coord: int) -> np.ndarray:
    """(T,) left minus right foot (ankle, heel, toe averaged) in image coordinate `coord`
    (0 = x, 1 = y), in leg lengths; NaN where unseen."""
    d = np.stack([p[:, L[f"LEFT_{k}"], coord] - p[:, L[f"RIGHT_{k}"], coord] for k in ("ANKLE", "HEEL", "FOOT_INDEX")], 1)
    cnt = np.isfinite(d).sum(1)
    mean = np.nansum(np.nan_to_num(d), 1) / np.maximum(cnt, 1)
    return np.where(cnt > 0, mean / leg, np.nan)


def spread_signal(p: np.ndarray, leg: float) -> np.ndarray:
    """(T,) left minus right foot x in leg lengths (ankle and foot averaged); NaN where unseen."""
    return _foot_difference(p, leg, 0)


def depth_spread_signal(p: np.ndarray, leg: float) -> np.ndarray:
    """(T,) left minus right foot image y in leg lengths: filmed from the front or behind, the
    feet take turns being the nearer (lower in the picture) one, once per step."""
    return _foot_difference(p, leg, 1)


def body_scale(p: np.ndarray) -> np.ndarray:
    """(T,) log of the body's size in the picture (shoulders to ankles, frame heights): grows as
    the athlete comes closer, shrinks as they go away."""
    top = midpoint(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[:, 1]
    ankles = np.nanmax(p[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1], axis=1)
    h = ankles - top
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(h > 0, np.log(np.where(h > 0, h, 1.0)), np.nan)


def depth_facing_series(p: np.ndarray, vis: np.ndarray, world: np.ndarray) -> np.ndarray:
    """(T,) in [-1, 1]: + faces the camera, - faces away. The athlete's left shoulder is on the
    image right when they face the camera; and their nose is nearer the camera than their ears."""
    lx = p[:, L.LEFT_SHOULDER, 0] - p[:, L.RIGHT_SHOULDER, 0]
    lh = p[:, L.LEFT_HIP, 0] - p[:, L.RIGHT_HIP, 0]
    nose_z = world[:, L.NOSE, 2] - 0.5 * (world[:, L.LEFT_EAR, 2] + world[:, L.RIGHT_EAR, 2])
    votes = np.stack([np.sign(lx), np.sign(lh), -np.sign(nose_z)], 1)
    with np.errstate(invalid="ignore"):
        return np.nanmean(votes, axis=1)
