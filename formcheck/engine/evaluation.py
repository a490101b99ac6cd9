"""`evaluate`: clean → ground → gait → metrics → cues → scores, as one report dict; and the video's
facts corrected by what decoding found."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np

from formcheck import __version__, camera
from formcheck.clean import clean
from formcheck.cues import Profile
from formcheck.engine.caveats import _real_time_estimate, _warnings
from formcheck.engine.components import _component_values
from formcheck.engine.grading import _overall
from formcheck.engine.scoring import _Context, _score_cue
from formcheck.engine.strides import _stride_table
from formcheck.engine.values import _dir, _r
from formcheck.gait import analyse
from formcheck.landmarks import Landmark as L
from formcheck.metrics import frame_metrics
from formcheck.series import PoseSeries, VideoInfo
from formcheck.video import DecodeStats

SCHEMA_VERSION = "1.2"
KEY_LANDMARKS = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE,
                 L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]  # fmt: skip


def with_decoded_count(info: VideoInfo, raw: PoseSeries, stats: DecodeStats) -> VideoInfo:
    """The video's facts corrected by what decoding actually found (frame count, duration)."""
    n = len(raw)
    duration = float(raw.t_s[-1]) + (float(raw.t_s[-1]) / (n - 1) if n > 1 else 1.0 / info.fps)
    return dataclasses.replace(info, frames=n, duration_s=round(duration, 4))


def _ground_series(series: PoseSeries) -> tuple[PoseSeries, camera.CameraSummary]:
    """The series relative to the ground when the camera moved (panned, followed), with what the
    camera did; the series itself when it stood still or its motion was not measured."""
    hip = (series.xy[:, L.LEFT_HIP, 0] + series.xy[:, L.RIGHT_HIP, 0]) / 2
    if series.motion is None or len(series.motion) != len(series):
        return series, camera.summarise(None, series.t_s, hip, hip)
    mid = (series.xy[:, L.LEFT_HIP] + series.xy[:, L.RIGHT_HIP]) / 2
    traj = camera.trajectory(series.motion, series.t_s, np.stack([mid[:, 0] * series.aspect, mid[:, 1]], -1))
    steady = series.copy()
    steady.xy = camera.stabilise(series.xy, traj, series.aspect)
    ground_hip = (steady.xy[:, L.LEFT_HIP, 0] + steady.xy[:, L.RIGHT_HIP, 0]) / 2
    cam = camera.summarise(series.motion, series.t_s, hip, ground_hip)
    return (series if cam.label in ("static", "unknown") else steady), cam


def evaluate(raw: PoseSeries, meta: dict, profile: Profile) -> tuple[PoseSeries, dict]:
    """Clean the raw series and build the full report dict (everything but the output files).

    Missing landmarks are NaN throughout and every statistic treats NaN as "not measured", so
    numpy's warnings about all-NaN slices carry no news here and are silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _evaluate(raw, meta, profile)


def _evaluate(raw: PoseSeries, meta: dict, profile: Profile) -> tuple[PoseSeries, dict]:
    series, cstats = clean(raw)
    ground, cam = _ground_series(series)
    g = analyse(ground)
    m = frame_metrics(series, g.facing or 1)
    strides = _stride_table(m, g, series) if g.contacts else []
    det = raw.detected
    coverage = float(det.mean()) if len(det) else 0.0
    vis = float(np.nanmean(series.visibility[:, KEY_LANDMARKS])) if det.any() else 0.0
    info = meta["input"]
    dur = float(series.t_s[-1] - series.t_s[0]) if len(series) > 1 else 0.0
    ctx = _Context(g, len(g.contacts), vis, dur, info["fps"], profile.min_visibility)
    values = _component_values(m, g, series, strides)
    cues = [_score_cue(spec, values, ctx, m, strides, series.t_s) for spec in profile.cues]
    subject = meta.get("subject", {"method": "single", "reason": "the pose model tracked one person", "people_max": 1})
    valid_steps = [r["step_length_legs"] for r in strides if r.get("valid") and r["step_length_legs"] is not None]
    rep = {
        "schema_version": SCHEMA_VERSION,
        "formcheck_version": __version__,
        "profile": {"name": profile.name, "source": Path(profile.path).name if profile.path != "built-in" else "built-in"},
        "input": info,
        "model": meta["model"],
        "subject": subject,
        "detection": {
            "frames_with_pose": int(det.sum()),
            "coverage": round(coverage, 4),
            "mean_visibility": round(vis, 3),
            "damaged_packets": meta.get("decode", {}).get("damaged_packets", 0),
            "analysis_fps": meta.get("analysis", {}).get("analysis_fps"),
            "frames_analysed": meta.get("analysis", {}).get("frames_analysed", len(raw)),
        },
        "cleaning": dataclasses.asdict(cstats),
        "camera_view": {"view": g.view, "near_side": g.near_side},
        "camera": cam.to_dict(),
        "movement": {
            "type": g.movement,
            "confidence": g.movement_confidence,
            "locomotion": g.locomotion,
            "locomotion_confidence": g.locomotion_confidence,
            "axis": g.axis,
            "facing": _dir(g.facing, g.axis),
            "facing_confidence": g.facing_confidence,
            "travel": _dir(g.travel, g.axis),
            "travel_source": g.travel_source,
            "travel_confidence": g.travel_confidence,
            "treadmill": g.treadmill,
            "belt": _dir(-g.travel) if g.treadmill else None,
            "locomotion_signals": g.locomotion_signals,
            "speed_leg_lengths_per_s": g.speed_legs_s,
            "segments": [{**s, "facing": _dir(s["facing"], g.axis), "travel": _dir(s["travel"], g.axis)} for s in g.segments],
            "directions_over_time": [{**w, "facing": _dir(w["facing"], g.axis), "travel": _dir(w["travel"], g.axis)} for w in g.windows],
        },
        "gait": {
            "cadence_spm": _r(g.cadence_spm, 1),
            "cadence_iqr_spm": _r(g.cadence_iqr_spm, 1),
            "cadence_source": g.cadence_source,
            "step_count": len(g.contacts),
            "stride_count": len(strides),
            "valid_strides": sum(1 for r in strides if r.get("valid")),
            "duty_factor": _r(g.duty_factor, 3),
            "duty_factor_uncertainty": _r(g.duty_factor_uncertainty, 3),
            "contact_time_s": _r(g.contact_time_s, 3),
            "contact_time_uncertainty_s": _r(g.contact_time_uncertainty_s, 3),
            "step_period_s": _r(g.step_period_s, 3),
            "cadence_check": g.cadence_check,
            "slow_motion_suspected": g.slow_motion_suspected,
            "real_time_estimate": _real_time_estimate(g),
            "leg_length_frame_heights": _r(g.leg_length, 4),
            "step_length_leg_ratio": _r(float(np.median(valid_steps)), 3) if valid_steps else None,
            "steps": [
                {"time_s": _r(c.ic_s, 3), "frame": c.ic_frame, "foot": c.foot, "toe_off_s": _r(c.to_s, 3),
                 "toe_off_frame": c.to_frame} for c in g.contacts
            ],  # fmt: skip
            "strides": strides,
        },
        "cues": cues,
        "overall": _overall(cues),
        "warnings": _warnings(g, coverage, info["fps"], vis, meta.get("decode", {}), subject, cam),
    }
    rep["_frame_metrics"] = m  # for the CSV writer and the overlay; never serialised
    return series, rep
