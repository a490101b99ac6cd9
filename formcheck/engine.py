"""The backwards-running engine: clean → gait → metrics → cues → scores, as one report dict.

`evaluate(raw, meta, profile)` is deterministic in its inputs, so `formcheck rescore` reproduces a
report from the saved raw landmarks.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np

from formcheck import __version__, camera
from formcheck.clean import clean
from formcheck.cues import ComponentSpec, CueSpec, Profile, load_profile, worst
from formcheck.gait import Gait, analyse
from formcheck.landmarks import Landmark as L
from formcheck.metrics import frame_metrics
from formcheck.series import PoseSeries, VideoInfo
from formcheck.video import DecodeStats

SCHEMA_VERSION = "1.2"
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


def _finite(a: np.ndarray) -> np.ndarray:
    return a[np.isfinite(a)]


def _nanmed(a: np.ndarray) -> float | None:
    a = _finite(np.asarray(a, float))
    return float(np.median(a)) if a.size else None


def _stride_foot(g: Gait) -> str:
    counts = {f: sum(c.foot == f for c in g.contacts) for f in ("left", "right")}
    if g.near_side and counts[g.near_side] >= 2:
        return g.near_side
    return max(counts, key=counts.get)


def _range(a: np.ndarray) -> float | None:
    a = _finite(a)
    return float(a.max() - a.min()) if a.size else None


def _angle_range(a: np.ndarray) -> float | None:
    """Peak-to-peak of an angle series in degrees that may wrap at ±180°."""
    a = _finite(a)
    return float(np.ptp(np.degrees(np.unwrap(np.radians(a))))) if a.size else None


def _mean(a: np.ndarray) -> float | None:
    a = _finite(a)
    return float(a.mean()) if a.size else None


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


def _crossover_rate(strides: list[dict]) -> float | None:
    """Per cent of the landings that cross the midline (None when no landing was judged)."""
    seen = [r["crossover"] for r in strides if r.get("crossover") is not None]
    return 100.0 * sum(seen) / len(seen) if seen else None


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


@dataclasses.dataclass(frozen=True)
class _Context:
    gait: Gait
    steps: int
    visibility: float
    duration_s: float
    fps: float
    min_visibility: float


def _not_assessed(c: ComponentSpec, ctx: _Context, value: float | None) -> str | None:
    """Why a component cannot be assessed on this clip (None when it can)."""
    g = ctx.gait
    if g.view not in c.views:
        need = " or ".join(c.views)
        return f"needs a {need} view but the camera sees the athlete from the {g.view} — film from the {c.views[0]}"
    if c.running_only and g.locomotion != "running":
        return f"its bands are for running and this clip shows {g.locomotion if g.locomotion != 'unknown' else 'no clear running or walking'}"
    if c.needs_image_travel and g.travel_source != "image":
        return "needs the athlete to travel across the frame (not on a treadmill or on the spot)"
    if c.real_time and g.slow_motion_suspected:
        return (f"the clip looks like slowed playback ({g.cadence_spm:.0f} steps/min in clip time), so rates and "
                "durations cannot be judged — upload the clip at its real speed")
    if ctx.steps < c.min_steps:
        return f"needs at least {c.min_steps} steps but {ctx.steps} were found — film a longer stretch"
    if ctx.duration_s < c.min_duration_s:
        return f"needs at least {c.min_duration_s:.0f} s of running but the clip has {ctx.duration_s:.0f} s — film a longer stretch"
    if ctx.visibility < ctx.min_visibility:
        return f"landmark visibility is {ctx.visibility:.2f}, below {ctx.min_visibility} — film closer, in better light, with fitted clothes"
    if value is None:
        if c.needs_start:
            return "the clip does not show a standing start — start filming before the first step"
        return "too few valid strides or visible landmarks in this clip to measure it — film a longer stretch, side-on"
    return None


def _intervals(comp: ComponentSpec, strides: list[dict], key: str | None, frames: np.ndarray | None, t: np.ndarray) -> list[dict]:
    """Time intervals where a component was not good: per stride, or per frame for per-frame values."""
    out: list[dict] = []
    if key is not None:
        for r in strides:
            v = r.get(key)
            if v is not None and r.get("valid") and comp.band(v) != "good":
                out.append({"start_s": r["start_s"], "end_s": r["end_s"], "band": comp.band(v)})
        return out
    if frames is None:
        return out
    bands = np.array([comp.band(v) if np.isfinite(v) else "good" for v in frames])
    bad = bands != "good"
    edges = np.flatnonzero(np.diff(np.concatenate(([0], bad.astype(int), [0]))))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if t[b - 1] - t[a] >= 0.2:
            out.append({"start_s": _r(t[a], 3), "end_s": _r(t[b - 1], 3), "band": "poor" if (bands[a:b] == "poor").any() else "fair"})
    return out


def _merge_intervals(intervals: list[dict]) -> list[dict]:
    out: list[dict] = []
    for iv in sorted(intervals, key=lambda i: i["start_s"]):
        if out and iv["start_s"] <= out[-1]["end_s"]:
            out[-1]["end_s"] = max(out[-1]["end_s"], iv["end_s"])
            out[-1]["band"] = worst([out[-1]["band"], iv["band"]])
        else:
            out.append(dict(iv))
    return out


def _extremes(comp: ComponentSpec, strides: list[dict], key: str | None) -> tuple[float | None, float | None]:
    """Times (s, mid-stride) of the worst and the best stride for a per-stride component."""
    if key is None:
        return None, None
    rows = [r for r in strides if r.get(key) is not None and r.get("valid")]
    if not rows:
        return None, None
    ranked = sorted(rows, key=lambda r: comp.score(r[key]))
    mid = lambda r: round((r["start_s"] + r["end_s"]) / 2, 3)  # noqa: E731
    return mid(ranked[0]), mid(ranked[-1])


_PER_FRAME = {"neck_angle": "neck_angle_deg", "shoulder_drop": "shoulder_drop_ratio"}


def _score_cue(spec: CueSpec, values: dict, ctx: _Context, m: dict, strides: list[dict], t: np.ndarray) -> dict:
    comps, scored = [], []
    for c in spec.components:
        value, key = values.get(c.id, (None, None))
        reason = _not_assessed(c, ctx, value)
        row = {"id": c.id, "unit": c.unit, "target": {"good": list(c.good), "fair": list(c.fair)}, "advisory": c.advisory,
               "meaning": c.meaning, "source": c.source}  # fmt: skip
        if reason is None:
            assert value is not None
            row.update(value=round(value, 2), band=c.band(value), score=round(c.score(value), 1), reason=None)
            frames = m.get(_PER_FRAME.get(c.id, ""), None)
            if c.id == "elbow":
                frames = m[f"elbow_flexion_{ctx.gait.near_side or 'left'}_deg"]
            row["intervals"] = _intervals(c, strides, key, frames, t)
            row["worst_s"], row["best_s"] = _extremes(c, strides, key)
            scored.append((c, row, value))
        else:
            row.update(value=None, band="not_assessed", score=None, reason=reason, intervals=[], worst_s=None, best_s=None)
        comps.append(row)
    cue = {"id": spec.id, "title": spec.title, "body": spec.body, "weight": spec.weight, "components": comps}
    if not scored:
        reasons = "; ".join(dict.fromkeys(r["reason"] for r in comps))
        return {**cue, "band": "not_assessed", "score": None, "value": None, "unit": spec.components[0].unit,
                "confidence": 0.0, "reason": reasons, "feedback": f"Not assessed: {reasons}.", "tip": None,
                "intervals": [], "worst_s": None, "best_s": None, "advisory": all(c.advisory for c in spec.components)}  # fmt: skip
    main_c, main_row, main_v = scored[0]
    band = worst([r["band"] for _, r, _ in scored])
    w = np.array([c.weight for c, _, _ in scored])
    score = float((w * np.array([r["score"] for _, r, _ in scored])).sum() / w.sum())
    worst_c, worst_row, worst_v = min(scored, key=lambda s: s[1]["score"])
    conf = min(1.0, ctx.steps / 7) if any(c.min_steps for c, _, _ in scored) else 1.0
    conf *= min(1.0, ctx.visibility / 0.8) * (0.8 if ctx.gait.view == "oblique" else 1.0) * (0.8 if ctx.fps < 50 else 1.0)
    return {
        **cue,
        "band": band,
        "score": round(score, 1),
        "value": main_row["value"],
        "unit": main_c.unit,
        "target": main_row["target"],
        "confidence": round(conf, 2),
        "reason": None if conf >= 0.6 else "few steps, low visibility or a low frame rate lower the confidence",
        "feedback": _feedback(spec, scored, band),
        "tip": None if band == "good" else spec.tip(worst_c, worst_v),
        "intervals": _merge_intervals([iv for _, r, _ in scored for iv in r["intervals"]]),
        "worst_s": worst_row["worst_s"] if worst_row["worst_s"] is not None else main_row["worst_s"],
        "best_s": main_row["best_s"],
        "advisory": all(c.advisory for c, _, _ in scored),
    }


def _feedback(spec: CueSpec, scored: list, band: str) -> str:
    word = {"good": "Good", "fair": "Nearly there", "poor": "Work on this"}[band]
    parts = []
    for c, row, v in scored:
        lo, hi = c.good
        target = f"{lo:g}–{hi:g}" if hi < 999 else f"≥ {lo:g}"
        parts.append(f"{c.id.replace('_', ' ')} {v:.1f} {c.unit} (target {target})")
    return f"{word} — {spec.title.lower()}: " + "; ".join(parts) + "."


#: The cues an overall grade cannot do without (the exercise's headline cues), and how many cues
#: in all must have been assessed for a grade.
HEADLINE_CUES = ("upright_posture", "forward_lean", "core_stability", "arm_swing")
MIN_GRADED_CUES = 5


def _overall(cues: list[dict]) -> dict:
    scored = [c for c in cues if c["score"] is not None and c["weight"] > 0]
    assessed = [c["id"] for c in cues if c["band"] != "not_assessed"]
    missing = [c["id"] for c in cues if c["band"] == "not_assessed"]
    if not scored:
        return {"score": None, "grade": None, "summary": "Not enough of the movement was visible to score the form.",
                "focus": [], "assessed": assessed, "not_assessed": missing, "graded": False}  # fmt: skip
    # A grade stands for the form: only when the headline cues and enough of the rest were seen.
    lacking = [c for c in cues if c["id"] in HEADLINE_CUES and c["band"] == "not_assessed"]
    if lacking or len(assessed) < MIN_GRADED_CUES:
        reasons = sorted({c["reason"] for c in cues if c["band"] == "not_assessed" and c.get("reason")},
                         key=lambda r: -sum(c.get("reason") == r for c in cues))  # fmt: skip
        what = ", ".join(c["title"].lower() for c in lacking) if lacking else f"only {len(assessed)} of {len(cues)} cues"
        summary = f"Not graded: {what} could not be assessed"
        if reasons:
            summary += f" ({reasons[0]})"
        return {"score": None, "grade": None, "summary": summary + ".", "focus": [], "assessed": assessed,
                "not_assessed": missing, "graded": False,
                "not_graded_because": [c["id"] for c in lacking] or ["too_few_cues"]}  # fmt: skip
    w = np.array([c["weight"] * (0.5 if c["advisory"] else 1.0) * max(c["confidence"], 0.3) for c in scored])
    score = float((w * np.array([c["score"] for c in scored])).sum() / w.sum())
    grade = next(g for lim, g in GRADES if score >= lim)
    todo = sorted((c for c in scored if c["band"] != "good"), key=lambda c: (c["score"], -c["weight"]))
    good = [c["title"].lower() for c in scored if c["band"] == "good"]
    parts = [f"Overall {score:.0f}/100 ({grade})"]
    if good:
        parts.append("Good: " + "; ".join(good[:3]))
    if todo:
        parts.append("Work on: " + "; ".join(c["title"].lower() for c in todo[:3]))
    return {
        "score": round(score, 1),
        "grade": grade,
        "summary": ". ".join(parts) + ".",
        "focus": [c["id"] for c in todo[:3]],
        "assessed": assessed,
        "not_assessed": missing,
        "graded": True,
    }


def _warnings(g: Gait, coverage: float, fps: float, vis: float, decode: dict, subject: dict, cam: camera.CameraSummary) -> list[str]:
    w = []
    damaged = decode.get("damaged_packets", 0)
    if coverage < 0.9:
        w.append(f"A person was detected in only {coverage:.0%} of frames; keep the whole body in view.")
    if fps < 50:
        w.append(f"The clip is {fps:.0f} fps; 60 fps or more measures angles and foot contacts better.")
    if vis < 0.6:
        w.append(f"Mean landmark visibility is {vis:.2f}; film closer, in better light, with fitted clothing.")
    if g.view != "side":
        w.append(f"The camera sees the athlete from the {g.view}; film side-on for the posture and stride cues.")
    if cam.label in ("panning", "following"):
        w.append(f"The camera was {cam.label} (the background moved): travel was measured against the background, not the picture.")
    if len(cam.shots) > 1:
        cuts = ", ".join(f"{shot['start_s']:.1f}" for shot in cam.shots[1:])
        w.append(f"The clip has {len(cam.shots)} shots (cuts at {cuts} s).")
    if g.travel_source == "body":
        w.append(f"A treadmill (the hips stay in place while the legs cycle): the direction of travel was taken from the "
                 f"planted feet, which the belt carries {_dir(-g.travel)}.")
    if g.slow_motion_suspected:
        w.append(f"The cadence is {g.cadence_spm:.0f} steps/min, below any real-time running or walking: the clip is "
                 "probably slowed playback. Cadence and contact time are in clip time; the duty factor and angles are unaffected.")
    if g.cadence_check.get("note"):
        w.append(f"Cadence: {g.cadence_check['note']}.")
    if g.facing == 0:
        w.append("The facing direction could not be determined.")
    if damaged:
        w.append(f"{damaged} damaged packet(s) in the file were skipped; the frames around them may be missing or blurred.")
    if decode.get("frames_expected") and decode.get("frames_decoded", 0) < 0.98 * decode["frames_expected"]:
        w.append(
            f"Only {decode['frames_decoded']} of the {decode['frames_expected']} frames the file announces could be "
            "decoded (a cut-off or damaged file); the analysis covers what was readable."
        )
    if subject.get("people_max", 1) > 1:
        w.append(f"Up to {subject['people_max']} people were in view; the athlete was chosen as the one who moved most steadily across the frame.")
    if g.movement not in ("backward_running", "backward_walking"):
        w.append(f"This clip looks like {g.movement.replace('_', ' ')}, not backwards running; the cues are scored for backwards running.")
    return w


#: Cadence the slowed-playback estimate assumes (recreational running, reference §1a: 171 ± 8).
ASSUMED_RUN_CADENCE_SPM = 170.0


def _real_time_estimate(g: Gait) -> dict | None:
    """For a clip whose cadence no human runs or walks at in real time (slowed playback): what the
    timings would be if the athlete ran at a typical cadence — an estimate, labelled as such.
    The duty factor is a ratio and needs no correction."""
    if not g.slow_motion_suspected or not g.cadence_spm or g.locomotion != "running":
        return None
    factor = ASSUMED_RUN_CADENCE_SPM / g.cadence_spm
    return {
        "assumed_cadence_spm": ASSUMED_RUN_CADENCE_SPM,
        "slow_motion_factor": round(factor, 1),
        # From the duty factor (a ratio, the same at any playback speed) and the assumed stride.
        "contact_time_s": _r(g.duty_factor * 120.0 / ASSUMED_RUN_CADENCE_SPM, 3) if g.duty_factor else None,
        "note": f"the clip's cadence ({g.cadence_spm:.0f} steps/min) is below any real-time gait: it is "
                f"probably slowed playback; timings here assume {ASSUMED_RUN_CADENCE_SPM:.0f} steps/min",
    }


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


def _dir(sign: int, axis: str = "image_x") -> str:
    """A direction in words: across the picture (right / left) or along the camera's line of
    sight (toward_camera / away_from_camera, for front and rear views)."""
    if axis == "depth":
        return {1: "toward_camera", -1: "away_from_camera", 0: "none"}[int(sign)]
    return {1: "right", -1: "left", 0: "none"}[int(sign)]


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
