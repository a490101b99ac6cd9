"""`analyse`: the gait stage end to end, from a cleaned series to its `Gait` (the axis of travel,
a treadmill, directions, contacts, cadence, running or walking, the view and the segments)."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _fps, _nanmedian, _sign
from formcheck.gait.cadence import _cadence, _crossings
from formcheck.gait.contacts import _duty, _duty_from_time, contacts_from_stance, stance_masks
from formcheck.gait.locomotion import _arm_carriage, _midstance_knee, _pelvis_phase, classify_locomotion
from formcheck.gait.options import GaitOptions
from formcheck.gait.period import step_period
from formcheck.gait.result import Gait
from formcheck.gait.segments import _frame_kinds, _segments, _windows, travel_threshold
from formcheck.gait.signals import (
    body_scale, depth_facing_series, depth_spread_signal, facing_series, leg_length, spread_signal,
)  # fmt: skip
from formcheck.gait.treadmill import _belt_velocity, _body_travel
from formcheck.gait.view import camera_view
from formcheck.landmarks import Landmark as L
from formcheck.metrics import midpoint, points
from formcheck.series import PoseSeries


def analyse(series: PoseSeries, opts: GaitOptions = GaitOptions()) -> Gait:
    """Directions, segments, contacts, cadence, movement type and camera view of a cleaned series."""
    from formcheck.metrics import frame_metrics  # local: metrics needs the facing sign first

    p = points(series)
    t = series.t_s
    vis = series.visibility
    fps = _fps(t)
    leg = leg_length(p)
    hip = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)
    present = np.isfinite(hip[:, 0])
    face = facing_series(p, vis)
    if not np.isfinite(leg) or leg <= 0 or present.sum() < 5:
        g = Gait(0, 0.0, 0, "none", 0.0, 0.0, float("nan") if not np.isfinite(leg) else leg, "unknown", None)
        g.locomotion, g.movement = "unknown", "other"
        kind = "not_in_view" if present.sum() < 5 else "other"
        g.segments = [{"start_s": round(float(t[0]), 3), "end_s": round(float(t[-1]), 3), "movement": kind,
                       "facing": 0, "travel": 0, "confidence": 0.0}]  # fmt: skip
        return g
    spread = spread_signal(p, leg)
    step_s, periodicity = step_period(spread, t, opts)
    pos, pos_unit = hip[:, 0], leg  # travel across the picture, in leg lengths
    # Filmed from the front or behind: shoulders wide, and the feet take turns being the nearer
    # one more regularly than they pass each other sideways. Travel is then along the depth
    # axis, from the body's size; facing from the left-right order and the face.
    sw = _nanmedian(frame_metrics(series, 1)["shoulder_width_ratio"][present])
    axis = "image_x"
    if np.isfinite(sw) and sw >= opts.depth_view_min_width:
        d_spread = depth_spread_signal(p, leg)
        d_step, d_per = step_period(d_spread, t, opts)
        # Seen from behind, the sideways spread repeats once a stride (one leg is seen better):
        # its period near twice the depth spread's says the depth one counts steps.
        stride_like = step_s is not None and d_step is not None and abs(step_s / d_step - 2.0) < 0.3
        if d_step is not None and (step_s is None or d_per >= 0.75 * periodicity or stride_like):
            axis, spread, step_s, periodicity = "depth", d_spread, d_step, d_per
            pos, pos_unit = body_scale(p), 1.0
            face = depth_facing_series(p, vis, series.world)
    win_s = max(opts.window_s, 2.2 * step_s) if step_s else opts.window_s
    # Treadmill: the hips hold their place in the frame while the legs cycle.
    ok = present
    span_legs = (np.nanpercentile(hip[ok, 0], 95) - np.nanpercentile(hip[ok, 0], 5)) / leg
    treadmill = False
    if axis == "image_x" and step_s is not None and span_legs < 1.0 and np.isfinite(spread).sum() > 3 * step_s * fps:
        sp = np.abs(spread[np.isfinite(spread)])
        treadmill = bool(np.percentile(sp, 90) - np.percentile(sp, 10) >= opts.min_cycle_range)
    dead = travel_threshold(step_s, opts)
    if axis == "depth":  # size change per second; slowed playback: per step
        dead = min(opts.depth_speed_per_s, 0.02 / step_s) if step_s else opts.depth_speed_per_s
    windows = _windows(pos, t, face, spread, pos_unit, win_s, treadmill, dead, opts, depth=axis == "depth")
    kinds = _frame_kinds(t, windows)
    active = (kinds == "locomotion") & present
    if step_s is None:
        active[:] = False
    # Directions over the stepping stretches (the whole clip when there are none).
    use = active if active.any() else present
    facing_med = _nanmedian(face[use])
    facing = _sign(facing_med, 0.1)
    speed = 0.0
    if (use & present).sum() >= 5:
        # Travel: the hips' net displacement over the stepping stretches, per second stepping.
        # A turnaround leaves both signs: the clip's travel is the more common one.
        speeds = np.array([w["speed_legs_s"] for w in windows if w["kind"] == "locomotion" and w["speed_legs_s"] is not None])
        if len(speeds):
            major = 1.0 if (speeds > 0).sum() >= (speeds < 0).sum() else -1.0
            speed = float(np.median(speeds[np.sign(speeds) == major])) if (np.sign(speeds) == major).any() else 0.0
        else:
            okp = present & np.isfinite(pos)
            speed = float(np.polyfit(t[okp], pos[okp], 1)[0]) / pos_unit if okp.sum() >= 5 else 0.0
    travel = _sign(speed, dead)
    source = "image" if travel and not treadmill else "none"
    travel_conf = min(1.0, abs(speed) / (2 * dead)) if travel else 0.0
    if treadmill and active.any():
        body, body_conf = _body_travel(p, t, leg, active)
        if body and body_conf >= opts.min_body_travel_confidence:
            travel, travel_conf, source = body, body_conf, "body"
        else:
            travel, source, active[:] = 0, "none", False
            for w in windows:
                if w["kind"] == "locomotion":
                    w["kind"] = "stationary"
            kinds = _frame_kinds(t, windows)
    width = frame_metrics(series, facing or 1)["shoulder_width_ratio"]
    view, near = camera_view(width[use], vis[use], p[use], opts)
    if axis == "depth":
        view, near = ("front" if facing > 0 else "back" if facing < 0 else view), None
    g = Gait(
        facing=facing,
        facing_confidence=round(min(1.0, abs(facing_med)) if np.isfinite(facing_med) else 0.0, 3),
        travel=travel,
        travel_source=source,
        travel_confidence=round(travel_conf, 3),
        speed_legs_s=round(speed, 3),
        leg_length=leg,
        view=view,
        near_side=near,
        treadmill=treadmill and source == "body",
        step_period_s=None if step_s is None else round(step_s, 4),
        axis=axis,
    )
    g.windows = [{k: v for k, v in w.items() if k != "kind"} for w in windows]
    if step_s is None or not active.any() or not travel:
        g.locomotion = "stationary"
        g.locomotion_confidence = round(0.5 + 0.5 * float((kinds == "stationary").mean()), 3)
        g.movement = "stationary"
        g.movement_confidence = g.locomotion_confidence
        g.segments = _segments(g, t, windows, present)
        if not any(s["movement"] == "stationary" for s in g.segments):
            g.movement = "other" if present.any() else "not_in_view"
        return g
    belt = _belt_velocity(p, t, leg, active) if g.treadmill else 0.0
    stance = stance_masks(p, t, leg, step_s, belt, active, opts)
    g.contacts = contacts_from_stance(stance, t, step_s, present & active)
    g.duty_factor, g.duty_factor_uncertainty, g.contact_time_s, g.contact_time_uncertainty_s = _duty(g.contacts, step_s, fps)
    if g.duty_factor is None:
        g.duty_factor, g.duty_factor_uncertainty = _duty_from_time(g.contacts, active, step_s, fps)
        if g.duty_factor is not None:
            g.contact_time_s = float(np.median([c.to_s - c.ic_s + 1.0 / fps for c in g.contacts]))
            g.contact_time_uncertainty_s = 1.0 / fps
    crossings = _crossings(spread, t, step_s, active)
    _cadence(g, crossings, t, step_s)
    g.slow_motion_suspected = bool(g.cadence_spm is not None and g.cadence_spm < opts.real_time_floor_spm)
    pelvis_r = _pelvis_phase(p, spread, t, leg, step_s, active)
    knee = _midstance_knee(p, crossings) if axis == "image_x" else None  # a front view hides the bend
    classify_locomotion(g, pelvis_r, knee, opts, _arm_carriage(series, p, active))
    backward = facing != 0 and facing == -travel
    if facing == 0 or g.locomotion not in ("running", "walking"):
        g.movement = "other"
    else:
        g.movement = f"{'backward' if backward else 'forward'}_{g.locomotion}"
    g.movement_confidence = round(g.locomotion_confidence * g.facing_confidence * max(g.travel_confidence, 0.5), 3)
    g.segments = _segments(g, t, windows, present)
    # The clip's direction is that of most of its stepping time (a turnaround splits it).
    moving = [s for s in g.segments if s["movement"].endswith(("_running", "_walking"))]
    if moving and g.movement != "other":
        dur = {}
        for s in moving:
            d = s["movement"].split("_")[0]
            dur[d] = dur.get(d, 0.0) + s["end_s"] - s["start_s"]
        g.movement = f"{max(dur, key=dur.get)}_{g.locomotion}"
    return g
