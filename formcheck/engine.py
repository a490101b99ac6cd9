"""The backwards-running engine: clean → gait → metrics → cues → scores, as one report dict.

`evaluate(raw, meta, profile)` is deterministic in its inputs, so `formcheck rescore` reproduces a
report from the saved raw landmarks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from formcheck import __version__
from formcheck.clean import clean
from formcheck.cues import CueSpec, Profile, load_profile
from formcheck.gait import Gait, analyse
from formcheck.landmarks import Landmark as L
from formcheck.metrics import frame_metrics
from formcheck.series import PoseSeries, VideoInfo
from formcheck.video import DecodeStats

SCHEMA_VERSION = "1.0"
KEY_LANDMARKS = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE,
                 L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]  # fmt: skip
GRADES = ((85, "A"), (70, "B"), (55, "C"), (40, "D"), (0, "E"))

__all__ = ["SCHEMA_VERSION", "evaluate", "load_profile", "with_decoded_count"]


def with_decoded_count(info: VideoInfo, raw: PoseSeries, stats: DecodeStats) -> VideoInfo:
    """The video's facts corrected by what decoding actually found (frame count, duration)."""
    n = len(raw)
    duration = float(raw.t_s[-1]) + (float(raw.t_s[-1]) / (n - 1) if n > 1 else 1.0 / info.fps)
    return dataclasses.replace(info, frames=n, duration_s=round(duration, 4))


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _strides(g: Gait, foot: str) -> list[tuple[int, int, int | None]]:
    """(ic, next_ic, to) frame triples of one foot."""
    own = [c for c in g.contacts if c.foot == foot]
    return [(a.ic_frame, b.ic_frame, a.to_frame) for a, b in zip(own, own[1:], strict=False)]


def _stride_foot(g: Gait) -> str:
    counts = {f: sum(c.foot == f for c in g.contacts) for f in ("left", "right")}
    if g.near_side and counts[g.near_side] >= 2:
        return g.near_side
    return max(counts, key=counts.get)


def _per_stride(m: dict[str, np.ndarray], g: Gait, series: PoseSeries) -> list[dict]:
    """The stride table: one row per stride of the stride foot (near side when it can)."""
    foot = _stride_foot(g)
    t = series.t_s
    leg = g.leg_length
    p = series.xy.astype(np.float64) * np.array([series.aspect, 1.0])
    rows = []
    for k, (a, b, to) in enumerate(_strides(g, foot)):
        sl = slice(a, b + 1)
        stance = slice(a, (to if to is not None else a) + 1)
        lean = m["trunk_lean_deg"][sl]
        knee = m[f"knee_flexion_{foot}_deg"][stance]
        arm = m[f"shoulder_flexion_{g.near_side or foot}_deg"][sl]
        other = "right" if foot == "left" else "left"
        step = abs(p[a, L[f"{foot.upper()}_ANKLE"], 0] - p[a, L[f"{other.upper()}_ANKLE"], 0]) / leg
        hips = p[sl][:, [L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=1)
        hip_w = np.linalg.norm(p[a, L.LEFT_HIP] - p[a, L.RIGHT_HIP])
        rows.append(
            {
                "stride": k + 1,
                "foot": foot,
                "start_s": _r(t[a], 3),
                "end_s": _r(t[b], 3),
                "duration_s": _r(t[b] - t[a], 3),
                "contact_s": _r(t[to] - t[a], 3) if to is not None else None,
                "trunk_lean_deg": _r(np.nanmean(lean)) if np.isfinite(lean).any() else None,
                "trunk_range_deg": _r(np.nanmax(lean) - np.nanmin(lean)) if np.isfinite(lean).any() else None,
                "knee_flexion_peak_deg": _r(np.nanmax(knee)) if to is not None and np.isfinite(knee).any() else None,
                "arm_swing_deg": _r(np.nanmax(arm) - np.nanmin(arm)) if np.isfinite(arm).any() else None,
                "step_length_legs": _r(step, 3),
                "pelvis_tilt_deg": _r(np.nanmax(np.abs(m["pelvis_tilt_deg"][sl] - np.nanmedian(m["pelvis_tilt_deg"])))) if np.isfinite(m["pelvis_tilt_deg"][sl]).any() else None,
                "foot_width_hips": _r(abs(p[a, L.LEFT_ANKLE, 0] - p[a, L.RIGHT_ANKLE, 0]) / hip_w, 3) if hip_w > 0 else None,
                "hip_travel": _r(float(hips[-1, 0] - hips[0, 0]) / leg, 3),
            }
        )
    # Quality gate (reference §2.5): strides whose duration is off the median by > 25 % are flagged.
    if rows:
        med = np.median([r["duration_s"] for r in rows])
        for r in rows:
            r["valid"] = bool(abs(r["duration_s"] - med) <= 0.25 * med)
    return rows


def _head_turns(series: PoseSeries, g: Gait) -> tuple[int, np.ndarray]:
    """Frames where the head faces against the body (a look over the shoulder), and their count."""
    p = series.xy
    nose_dx = (p[:, L.NOSE, 0] - (p[:, L.LEFT_EAR, 0] + p[:, L.RIGHT_EAR, 0]) / 2) * g.facing
    turned = np.nan_to_num(nose_dx, nan=1.0) < -0.004
    edges = np.flatnonzero(np.diff(np.concatenate(([0], turned.astype(int), [0]))))
    fps = (len(p) - 1) / max(series.t_s[-1] - series.t_s[0], 1e-6)
    runs = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if (b - a) / fps >= 0.2]
    mask = np.zeros(len(p), bool)
    for a, b in runs:
        mask[a:b] = True
    return len(runs), mask


def _values(m: dict, g: Gait, series: PoseSeries, strides: list[dict]) -> dict[str, tuple[float | None, list]]:
    """Each cue's measured value and the per-stride (or per-frame) statuses source."""
    valid = [r for r in strides if r.get("valid")]
    side = g.near_side or _stride_foot(g)

    def med(key: str) -> float | None:
        vals = [r[key] for r in valid if r.get(key) is not None]
        return float(np.median(vals)) if vals else None

    looks, turned = _head_turns(series, g)
    neck = m["neck_angle_deg"][~turned]
    elbow = m[f"elbow_flexion_{side}_deg"]
    dur = float(series.t_s[-1] - series.t_s[0])
    return {
        "trunk_lean": (med("trunk_lean_deg"), "trunk_lean_deg"),
        "upright_posture": (_nanmed(neck), None),
        "trunk_stability": (med("trunk_range_deg"), "trunk_range_deg"),
        "pelvis_level": (med("pelvis_tilt_deg"), "pelvis_tilt_deg"),
        "arm_swing": (med("arm_swing_deg"), "arm_swing_deg"),
        "elbow_carriage": (_nanmed(elbow), None),
        "arm_leg_coordination": (_arm_leg_offset(m, g, series, side), None),
        "cadence": (g.cadence_spm, None),
        "step_length": (med("step_length_legs"), "step_length_legs"),
        "knee_flexion": (med("knee_flexion_peak_deg"), "knee_flexion_peak_deg"),
        "foot_width": (med("foot_width_hips"), "foot_width_hips"),
        "look_over_shoulder": (looks / dur * 60.0 if dur > 0 else None, None),
        "gradual_start": (None, None),
    }


def _nanmed(a: np.ndarray) -> float | None:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else None


def _arm_leg_offset(m: dict, g: Gait, series: PoseSeries, side: str) -> float | None:
    """|relative phase − 180°| between the arm swing and the same side's thigh, from the lag of
    their cross-correlation over the clip (reference §2.6)."""
    arm = m[f"shoulder_flexion_{side}_deg"]
    thigh = m[f"thigh_angle_{side}_deg"]
    ok = np.isfinite(arm) & np.isfinite(thigh)
    if ok.sum() < 30 or not g.cadence_spm:
        return None
    a = arm[ok] - arm[ok].mean()
    b = thigh[ok] - thigh[ok].mean()
    if a.std() < 1e-6 or b.std() < 1e-6:
        return None
    t = series.t_s
    fps = (len(t) - 1) / (t[-1] - t[0])
    stride_frames = 2 * 60.0 / g.cadence_spm * fps
    lags = np.arange(-int(stride_frames / 2), int(stride_frames / 2) + 1)
    cc = [np.dot(a[max(0, -k) : len(a) - max(0, k)], b[max(0, k) : len(b) - max(0, -k)]) for k in lags]
    lag = lags[int(np.argmax(cc))]
    phase = abs(lag) / stride_frames * 360.0  # 0 = in phase
    return float(abs(180.0 - phase))


def _reason(spec: CueSpec, g: Gait, steps: int, value: float | None, vis: float, profile: Profile, dur: float) -> str | None:
    if spec.not_assessable:
        return spec.not_assessable
    if g.view not in spec.views:
        needs = " or ".join(spec.views)
        return f"needs a {needs} view; the camera sees the athlete from the {g.view} — film from the {spec.views[0]} to assess it"
    if spec.running_only and g.locomotion != "running":
        return f"the bands are for running; this clip shows {g.locomotion} movement"
    if spec.needs_image_travel and g.travel_source != "image":
        return "needs the athlete to travel across the frame (not a treadmill)"
    if steps < spec.min_steps:
        return f"needs at least {spec.min_steps} steps; {steps} were found — film a longer stretch"
    if dur < spec.min_duration_s:
        return f"needs at least {spec.min_duration_s:.0f} s of running; the clip has {dur:.0f} s"
    if vis < profile.min_visibility:
        return f"landmark visibility is {vis:.2f}, below {profile.min_visibility} — film closer, in better light"
    if value is None:
        return "the landmarks it needs were not found in enough frames"
    return None


def _failures(spec: CueSpec, strides: list[dict], key: str | None, m_frames: np.ndarray | None, t: np.ndarray) -> list[dict]:
    """Time intervals where the cue was not good: per stride, or per frame for per-frame cues."""
    out: list[dict] = []
    if key is not None:
        for r in strides:
            v = r.get(key)
            if v is not None and r.get("valid") and spec.band(v) != "good":
                out.append({"start_s": r["start_s"], "end_s": r["end_s"], "status": spec.band(v)})
        return out
    if m_frames is None:
        return out
    bad = np.array([np.isfinite(v) and spec.band(v) != "good" for v in m_frames])
    edges = np.flatnonzero(np.diff(np.concatenate(([0], bad.astype(int), [0]))))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if t[b - 1] - t[a] >= 0.2:
            worst = "poor" if any(spec.band(v) == "poor" for v in m_frames[a:b] if np.isfinite(v)) else "fair"
            out.append({"start_s": _r(t[a], 3), "end_s": _r(t[b - 1], 3), "status": worst})
    return out


def _extreme(spec: CueSpec, strides: list[dict], key: str | None) -> tuple[float | None, float | None]:
    """Times (s) of the worst and the best stride for a per-stride cue."""
    if key is None:
        return None, None
    rows = [r for r in strides if r.get(key) is not None and r.get("valid")]
    if not rows:
        return None, None
    scored = sorted(rows, key=lambda r: spec.score(r[key]))
    mid = lambda r: round((r["start_s"] + r["end_s"]) / 2, 3)  # noqa: E731
    return mid(scored[0]), mid(scored[-1])


def _score_cues(profile: Profile, g: Gait, m: dict, series: PoseSeries, strides: list[dict], vis: float) -> list[dict]:
    values = _values(m, g, series, strides)
    steps = len(g.contacts)
    dur = float(series.t_s[-1] - series.t_s[0])
    per_frame = {"upright_posture": m["neck_angle_deg"], "elbow_carriage": m[f"elbow_flexion_{g.near_side or 'left'}_deg"]}
    fps = (len(series) - 1) / max(dur, 1e-6)
    out = []
    for spec in profile.cues:
        value, key = values.get(spec.id, (None, None))
        reason = _reason(spec, g, steps, value, vis, profile, dur)
        cue = {
            "id": spec.id,
            "title": spec.title,
            "group": spec.group,
            "body": spec.body,
            "unit": spec.unit,
            "target": {"good": list(spec.good), "fair": list(spec.fair)},
            "advisory": spec.advisory,
            "weight": spec.weight,
            "meaning": spec.meaning,
            "source": spec.source,
        }
        if reason is not None:
            cue.update(status="not_assessed", score=None, value=None, confidence=0.0, reason=reason,
                       feedback=f"Not assessed: {reason}.", tip=None, failures=[], worst_s=None, best_s=None)  # fmt: skip
        else:
            assert value is not None
            band = spec.band(value)
            conf = min(1.0, steps / 7) if spec.min_steps else 1.0
            conf *= min(1.0, vis / 0.8) * (0.8 if g.view == "oblique" else 1.0) * (0.8 if fps < 50 else 1.0)
            worst, best = _extreme(spec, strides, key)
            cue.update(
                status=band,
                score=round(spec.score(value), 1),
                value=round(value, 2),
                confidence=round(conf, 2),
                reason=None if conf >= 0.6 else "few steps, low visibility or a low frame rate lower the confidence",
                feedback=_feedback(spec, value, band),
                tip=None if band == "good" else spec.tip(value),
                failures=_failures(spec, strides, key, per_frame.get(spec.id), series.t_s),
                worst_s=worst,
                best_s=best,
            )
        out.append(cue)
    return out


def _feedback(spec: CueSpec, value: float, band: str) -> str:
    lo, hi = spec.good
    unit = f" {spec.unit}" if spec.unit else ""
    target = f"{lo:g}–{hi:g}{unit}" if hi < 999 else f"≥ {lo:g}{unit}"
    word = {"good": "Good", "fair": "Nearly there", "poor": "Work on this"}[band]
    return f"{word}: {spec.title.lower()} — {value:.1f}{unit} (target {target})."


def _overall(cues: list[dict]) -> dict:
    scored = [c for c in cues if c["score"] is not None and c["weight"] > 0]
    assessed = [c["id"] for c in cues if c["status"] != "not_assessed"]
    missing = [c["id"] for c in cues if c["status"] == "not_assessed"]
    if not scored:
        return {"score": None, "grade": None, "summary": "Not enough was visible to score the form.",
                "focus": [], "assessed": assessed, "not_assessed": missing}  # fmt: skip
    w = np.array([c["weight"] * (0.5 if c["advisory"] else 1.0) * max(c["confidence"], 0.3) for c in scored])
    s = np.array([c["score"] for c in scored])
    score = float((w * s).sum() / w.sum())
    grade = next(g for lim, g in GRADES if score >= lim)
    todo = sorted((c for c in scored if c["status"] != "good"), key=lambda c: (c["score"], -c["weight"]))
    good = [c["title"].lower() for c in scored if c["status"] == "good"]
    parts = [f"Overall {score:.0f}/100 ({grade})."]
    if good:
        parts.append("Good: " + ", ".join(good[:3]) + ".")
    if todo:
        parts.append("Work on: " + ", ".join(c["title"].lower() for c in todo[:3]) + ".")
    return {
        "score": round(score, 1),
        "grade": grade,
        "summary": " ".join(parts),
        "focus": [c["id"] for c in todo[:3]],
        "assessed": assessed,
        "not_assessed": missing,
    }


def _warnings(g: Gait, coverage: float, fps: float, vis: float, damaged: int) -> list[str]:
    w = []
    if coverage < 0.9:
        w.append(f"A person was detected in only {coverage:.0%} of frames; keep the whole body in view.")
    if fps < 50:
        w.append(f"The clip is {fps:.0f} fps; 60 fps or more measures angles and contacts better.")
    if vis < 0.6:
        w.append(f"Mean landmark visibility is {vis:.2f}; film closer, in better light, with fitted clothing.")
    if g.view not in ("side",):
        w.append(f"The camera sees the athlete from the {g.view}; film side-on for posture and stride cues.")
    if g.travel_source == "body":
        w.append("No travel across the frame (treadmill?): the direction of travel was taken from the feet relative to the hips.")
    if g.facing == 0:
        w.append("The facing direction could not be determined.")
    if damaged:
        w.append(f"{damaged} damaged packet(s) in the file were skipped.")
    if g.movement not in ("backward_running", "backward_walking"):
        w.append(f"This clip looks like {g.movement.replace('_', ' ')}, not backwards running; cues are scored for backwards running.")
    return w


def evaluate(raw: PoseSeries, meta: dict, profile: Profile) -> tuple[PoseSeries, dict]:
    """Clean the raw series and build the full report dict (everything but the output files)."""
    series, cstats = clean(raw)
    g = analyse(series)
    m = frame_metrics(series, g.facing or 1)
    strides = _per_stride(m, g, series) if g.contacts else []
    det = raw.detected
    coverage = float(det.mean()) if len(det) else 0.0
    vis = float(np.nanmean(series.visibility[:, KEY_LANDMARKS])) if det.any() else 0.0
    info = meta["input"]
    cues = _score_cues(profile, g, m, series, strides, vis)
    rep = {
        "schema_version": SCHEMA_VERSION,
        "formcheck_version": __version__,
        "profile": {"name": profile.name, "source": Path(profile.path).name if profile.path != "built-in" else "built-in"},
        "input": info,
        "model": meta["model"],
        "detection": {
            "frames_with_pose": int(det.sum()),
            "coverage": round(coverage, 4),
            "mean_visibility": round(vis, 3),
            "damaged_packets": meta.get("decode", {}).get("damaged_packets", 0),
        },
        "cleaning": {**dataclasses.asdict(cstats)},
        "movement": {
            "type": g.movement,
            "confidence": g.movement_confidence,
            "locomotion": g.locomotion,
            "locomotion_confidence": g.locomotion_confidence,
            "facing": _dir(g.facing),
            "facing_confidence": g.facing_confidence,
            "travel": _dir(g.travel),
            "travel_source": g.travel_source,
            "travel_confidence": g.travel_confidence,
            "speed_leg_lengths_per_s": g.speed_legs_s,
            "camera_view": g.view,
            "near_side": g.near_side,
            "segments": [{**s, "facing": _dir(s["facing"]), "travel": _dir(s["travel"])} for s in g.segments],
            "athlete": {"selected": "the single person tracked by the pose model", "people_detected": 1},
        },
        "gait": {
            "cadence_spm": _r(g.cadence_spm, 1),
            "cadence_iqr_spm": _r(g.cadence_iqr_spm, 1),
            "cadence_source": g.cadence_source,
            "steps": len(g.contacts),
            "strides": len(strides),
            "valid_strides": sum(1 for r in strides if r.get("valid")),
            "duty_factor": _r(g.duty_factor, 3),
            "leg_length_frame_heights": _r(g.leg_length, 4),
            "contacts": [
                {"foot": c.foot, "ic_s": _r(c.ic_s, 3), "to_s": _r(c.to_s, 3), "ic_frame": c.ic_frame,
                 "to_frame": c.to_frame} for c in g.contacts
            ],  # fmt: skip
            "stride_table": strides,
        },
        "cues": cues,
        "overall": _overall(cues),
        "warnings": _warnings(g, coverage, info["fps"], vis, meta.get("decode", {}).get("damaged_packets", 0)),
    }
    rep["_frame_metrics"] = m  # consumed by the CSV writer and the overlay; never serialised
    return series, rep


def _dir(sign: int) -> str:
    return {1: "right", -1: "left", 0: "none"}[int(sign)]
