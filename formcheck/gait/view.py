"""The camera's view of the athlete (side, oblique, front, back) and the side nearer the camera."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _nanmedian
from formcheck.gait.options import GaitOptions
from formcheck.landmarks import Landmark as L


def camera_view(width_ratio: np.ndarray, vis: np.ndarray, p: np.ndarray, opts: GaitOptions) -> tuple[str, str | None]:
    """(view, near_side) from how wide the shoulders look and which side is more visible."""
    w = _nanmedian(width_ratio)
    left = np.nanmean(vis[:, [L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]])
    right = np.nanmean(vis[:, [L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE]])
    near = "left" if left >= right else "right"
    if not np.isfinite(w):
        return "unknown", None
    if w <= opts.side_view_max_width:
        return "side", near
    if w < opts.front_view_min_width:
        return "oblique", near
    # Front or back: the athlete's left shoulder is on the image right when they face the camera.
    lx = np.nanmedian(p[:, L.LEFT_SHOULDER, 0] - p[:, L.RIGHT_SHOULDER, 0])
    return ("front" if lx > 0 else "back"), None
