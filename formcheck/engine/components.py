"""The measured value of every cue component: medians over the valid strides, per-frame values
from the running (or walking) segments, and the clip-wide measures (head turns, arm-leg phase,
the standing start)."""

from __future__ import annotations

import numpy as np

from formcheck.engine.strides import _crossover_rate, _stride_foot
from formcheck.engine.values import _nanmed
from formcheck.gait import Gait
from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


def _head_turns(series: PoseSeries, g: Gait) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Runs of frames (≥ 0.2 s) where the head faces against the body: looks over the shoulder."""
    p = series.xy
    nose_dx = (p[:, L.NOSE, 0] - (p[:, L.LEFT_EAR, 0] + p[:, L.RIGHT_EAR, 0]) / 2) * g.facing
    turned = np.nan_to_num(nose_dx, nan=1.0) < -0.004
    edges = np.flatnonzero(np.diff(np.concatenate(([0], turned.astype(int), [0]))))
    t = series.t_s
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if t[b - 1] - t[a] >= 0.2]
    mask = np.zeros(len(p), bool)
    for a, b in runs:
        mask[a:b] = True
    return runs, mask


def _arm_leg_offset(m: dict, g: Gait, series: PoseSeries, side: str) -> float | None:
    """|relative phase − 180°| between the arm swing and the same side's thigh, from the lag of
    their cross-correlation (reference §2.6); 0 = perfect opposition."""
    arm, thigh = m[f"shoulder_flexion_{side}_deg"], m[f"thigh_angle_{side}_deg"]
    ok = np.isfinite(arm) & np.isfinite(thigh)
    if ok.sum() < 30 or not g.cadence_spm:
        return None
    a, b = arm[ok] - arm[ok].mean(), thigh[ok] - thigh[ok].mean()
    if a.std() < 1e-6 or b.std() < 1e-6:
        return None
    t = series.t_s
    fps = (len(t) - 1) / (t[-1] - t[0])
    stride_frames = 2 * 60.0 / g.cadence_spm * fps
    half = int(stride_frames / 2)
    lags = np.arange(-half, half + 1)
    cc = [np.dot(a[max(0, -k) : len(a) - max(0, k)], b[max(0, k) : len(b) - max(0, -k)]) / (len(a) - abs(k)) for k in lags]
    phase = abs(int(lags[int(np.argmax(cc))])) / stride_frames * 360.0  # 0 = in phase
    return float(abs(180.0 - phase))


def _ramp_time(series: PoseSeries, g: Gait) -> float | None:
    """Seconds from a standing start to 90 % of top speed, when the clip shows the start."""
    hip_x = (series.xy[:, L.LEFT_HIP, 0] + series.xy[:, L.RIGHT_HIP, 0]) / 2 * series.aspect
    t = series.t_s
    ok = np.isfinite(hip_x)
    if ok.sum() < 30 or not g.leg_length or not ok[:3].all():
        return None  # the athlete must be in view from the first frame to see a start
    last = int(np.flatnonzero(ok)[-1]) + 1
    t, ok, hip_x = t[:last], ok[:last], hip_x[:last]
    x = np.interp(t, t[ok], hip_x[ok])
    win = max(3, int(0.5 * (len(t) - 1) / (t[-1] - t[0])))
    v = np.abs(np.convolve(np.gradient(x, t), np.ones(win) / win, mode="same")) / g.leg_length
    top = np.percentile(v, 95)
    if v[:win].mean() > 0.25 * top:  # already moving when the clip starts
        return None
    start = int(np.argmax(v > 0.2 * top))
    reach = int(np.argmax(v >= 0.9 * top))
    return float(t[reach] - t[start]) if reach > start else None


def _moving_frames(g: Gait, t: np.ndarray) -> np.ndarray:
    """(T,) bool: frames in the clip's running or walking segments (all frames when it has none)."""
    out = np.zeros(len(t), bool)
    for seg in g.segments:
        if seg["movement"].endswith(("_running", "_walking")):
            out |= (t >= seg["start_s"] - 1e-6) & (t <= seg["end_s"] + 1e-6)
    return out if out.any() else np.ones(len(t), bool)


def _component_values(m: dict, g: Gait, series: PoseSeries, strides: list[dict]) -> dict[str, tuple[float | None, str | None]]:
    """(value, stride-table key) per component id; the key locates per-stride failures."""
    valid = [r for r in strides if r.get("valid")]
    side = g.near_side or (_stride_foot(g) if g.contacts else "left")

    def med(key: str) -> float | None:
        vals = [r[key] for r in valid if r.get(key) is not None]
        return float(np.median(vals)) if vals else None

    runs, turned = _head_turns(series, g)
    dur = float(series.t_s[-1] - series.t_s[0])
    means = [r["trunk_lean_deg"] for r in valid if r["trunk_lean_deg"] is not None]
    lean = m["trunk_lean_deg"]
    # Per-frame values come from the athlete's running (or walking) segments only: not from a
    # set position, a turnaround or a pause.
    moving = _moving_frames(g, series.t_s)
    during = _nanmed(lean[turned & moving]) if (turned & moving).any() else None
    outside = _nanmed(lean[~turned & moving])
    return {
        "neck_angle": (_nanmed(m["neck_angle_deg"][~turned & moving]), None),
        "trunk_lean": (med("trunk_lean_deg"), "trunk_lean_deg"),
        "trunk_range": (med("trunk_range_deg"), "trunk_range_deg"),
        "trunk_variability": (float(np.std(means, ddof=1)) if len(means) >= 3 else None, None),
        "pelvic_drop": (med("pelvic_drop_deg"), "pelvic_drop_deg"),
        "lateral_sway": (med("lateral_sway_deg"), "lateral_sway_deg"),
        "amplitude": (med("arm_swing_deg"), "arm_swing_deg"),
        "elbow": (_nanmed(m[f"elbow_flexion_{side}_deg"][moving]), None),
        "arm_leg_phase": (_arm_leg_offset(m, g, series, side), None),
        "step_length": (med("step_length_legs"), "step_length_legs"),
        "reach": (med("reach_legs"), "reach_legs"),
        "cadence": (g.cadence_spm, None),
        "stance_flexion": (med("knee_flexion_peak_deg"), "knee_flexion_peak_deg"),
        "contact_flexion": (med("knee_flexion_contact_deg"), "knee_flexion_contact_deg"),
        "shoulder_drop": (_nanmed(m["shoulder_drop_ratio"][~turned & moving]), None),
        "foot_width": (med("foot_width_hips"), "foot_width_hips"),
        "crossover": (_crossover_rate(valid), None),
        "looks_per_min": (len(runs) / dur * 60.0 if dur > 0 else None, None),
        "posture_while_looking": (abs(during - outside) if during is not None and outside is not None else None, None),
        "ramp_time": (_ramp_time(series, g), None),
    }
