"""The stride table: one row per stride of the stride foot, with its quality gate, and the
crossover steps seen from the front or behind."""

from __future__ import annotations

import numpy as np

from formcheck.engine.values import _angle_range, _mean, _nanmed, _r, _range
from formcheck.gait import Gait
from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


def _stride_foot(g: Gait) -> str:
    counts = {f: sum(c.foot == f for c in g.contacts) for f in ("left", "right")}
    if g.near_side and counts[g.near_side] >= 2:
        return g.near_side
    return max(counts, key=counts.get)


def _stride_table(m: dict[str, np.ndarray], g: Gait, series: PoseSeries) -> list[dict]:
    """One row per stride of the stride foot (the camera-near foot when it can)."""
    foot = _stride_foot(g)
    other = "right" if foot == "left" else "left"
    side = g.near_side or foot
    t = series.t_s
    leg = g.leg_length
    p = series.xy.astype(np.float64) * np.array([series.aspect, 1.0])
    hip_x = (p[:, L.LEFT_HIP, 0] + p[:, L.RIGHT_HIP, 0]) / 2
    ic_lm = L[f"{foot.upper()}_FOOT_INDEX"] if g.facing == -g.travel else L[f"{foot.upper()}_HEEL"]
    tilt_med = _nanmed(m["pelvis_tilt_deg"])
    sway_med = _nanmed(m["trunk_tilt_image_deg"])
    own = [c for c in g.contacts if c.foot == foot]
    rows = []
    for k, (a, b) in enumerate(zip(own, own[1:], strict=False)):
        i0, i1, to = a.ic_frame, b.ic_frame, a.to_frame
        sl = slice(i0, i1 + 1)
        # The stance frames, less one at each end when there are enough: contact edges are
        # uncertain by a frame, and a frame of swing would add its bent knee to the peak.
        end = to if to is not None else i0
        stance = slice(i0 + 1, end) if end - i0 >= 4 else slice(i0, end + 1)
        hip_w = float(np.linalg.norm(p[i0, L.LEFT_HIP] - p[i0, L.RIGHT_HIP]))
        rows.append(
            {
                "stride": k + 1,
                "foot": foot,
                "start_s": _r(t[i0], 3),
                "end_s": _r(t[i1], 3),
                "start_frame": int(i0),
                "end_frame": int(i1),
                "duration_s": _r(t[i1] - t[i0], 3),
                "contact_s": _r(t[to] - t[i0], 3) if to is not None else None,
                "trunk_lean_deg": _r(_mean(m["trunk_lean_deg"][sl])),
                "trunk_range_deg": _r(_range(m["trunk_lean_deg"][sl])),
                "knee_flexion_peak_deg": _r(float(np.nanmax(m[f"knee_flexion_{foot}_deg"][stance]))) if to is not None and np.isfinite(m[f"knee_flexion_{foot}_deg"][stance]).any() else None,
                "knee_flexion_contact_deg": _r(m[f"knee_flexion_{foot}_deg"][i0]),
                "arm_swing_deg": _r(_angle_range(m[f"shoulder_flexion_{side}_deg"][sl])),
                "step_length_legs": _r(abs(p[i0, L[f"{foot.upper()}_ANKLE"], 0] - p[i0, L[f"{other.upper()}_ANKLE"], 0]) / leg, 3),
                "reach_legs": _r(g.travel * (p[i0, ic_lm, 0] - hip_x[i0]) / leg, 3),
                "pelvic_drop_deg": _r(float(np.nanmax(np.abs(m["pelvis_tilt_deg"][sl] - tilt_med)))) if tilt_med is not None and np.isfinite(m["pelvis_tilt_deg"][sl]).any() else None,
                "lateral_sway_deg": _r(float(np.nanmax(np.abs(m["trunk_tilt_image_deg"][sl] - sway_med)))) if sway_med is not None and np.isfinite(m["trunk_tilt_image_deg"][sl]).any() else None,
                "foot_width_hips": _r(abs(p[i0, L.LEFT_ANKLE, 0] - p[i0, L.RIGHT_ANKLE, 0]) / hip_w, 3) if hip_w > 0 else None,
                "crossover": _crossover(p, i0, foot, g.view),
            }
        )
    # Quality gate (reference §2.5): a stride off the median duration by > 25 % is not used.
    if rows:
        med = float(np.median([r["duration_s"] for r in rows]))
        for r in rows:
            r["valid"] = bool(abs(r["duration_s"] - med) <= 0.25 * med)
    return rows


def _crossover(p: np.ndarray, i: int, foot: str, view: str) -> bool | None:
    """Whether the landing foot comes down across the body's midline (a crossover step), seen
    from the front or behind: the athlete's left is the image right when they face the camera."""
    if view not in ("front", "back"):
        return None
    ankle = p[i, L[f"{foot.upper()}_ANKLE"], 0]
    mid = (p[i, L.LEFT_HIP, 0] + p[i, L.RIGHT_HIP, 0]) / 2
    if not (np.isfinite(ankle) and np.isfinite(mid)):
        return None
    toward_left = (ankle - mid) * (1.0 if view == "front" else -1.0)  # + = on the athlete's left
    return bool(toward_left < 0) if foot == "left" else bool(toward_left > 0)


def _crossover_rate(strides: list[dict]) -> float | None:
    """Per cent of the landings that cross the midline (None when no landing was judged)."""
    seen = [r["crossover"] for r in strides if r.get("crossover") is not None]
    return 100.0 * sum(seen) / len(seen) if seen else None
