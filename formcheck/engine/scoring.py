"""Scoring one cue: each component assessed (or why not) against the profile's bands, where on
the clip it was not good, and the cue's score, confidence and feedback."""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.cues import ComponentSpec, CueSpec, worst
from formcheck.engine.values import _r
from formcheck.gait import Gait


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
