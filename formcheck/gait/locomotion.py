"""Running or walking: weighted votes of independent signals (pelvis phase, stance knee, arm
carriage, duty factor, cadence), combined into a type and a confidence."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _fps, _moving_mean
from formcheck.gait.options import GaitOptions
from formcheck.gait.result import Gait
from formcheck.landmarks import Landmark as L
from formcheck.metrics import joint_angle, midpoint
from formcheck.series import PoseSeries


def _pelvis_phase(p: np.ndarray, spread: np.ndarray, t: np.ndarray, leg: float, step_s: float, active: np.ndarray) -> float | None:
    """Correlation of pelvis height with the legs' spread, both with their step-long moving mean
    removed: < 0 walking (pelvis high when the legs pass), > 0 running (low at mid-stance)."""
    fps = _fps(t)
    w = int(round(step_s * fps))
    if w < 3:
        return None
    height = -midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 1] / leg
    height = np.where(active, height, np.nan)
    sp = np.where(active, np.abs(spread), np.nan)
    h = height - _moving_mean(height, w)
    s = sp - _moving_mean(sp, w)
    ok = np.isfinite(h) & np.isfinite(s)
    if ok.sum() < max(10, 2 * w) or h[ok].std() < 1e-6 or s[ok].std() < 1e-6:
        return None
    return float(np.corrcoef(h[ok], s[ok])[0, 1])


def _midstance_knee(p: np.ndarray, crossings: np.ndarray) -> float | None:
    """Median flexion of the straighter knee when the legs pass each other (the stance knee)."""
    if len(crossings) < 2:
        return None
    vals = []
    for i in crossings:
        k = []
        for s in ("LEFT", "RIGHT"):
            ang = joint_angle(p[i, L[f"{s}_HIP"]], p[i, L[f"{s}_KNEE"]], p[i, L[f"{s}_ANKLE"]])
            if np.isfinite(ang):
                k.append(180.0 - float(ang))
        if k:
            vals.append(min(k))
    return float(np.median(vals)) if vals else None


def _vote(signals: dict, name: str, value: float | None, vote: float, weight: float, note: str) -> None:
    signals[name] = {"value": None if value is None else round(float(value), 3),
                     "vote": round(float(np.clip(vote, -1, 1)), 3), "weight": round(float(weight), 3), "note": note}  # fmt: skip


def _arm_carriage(series: PoseSeries, p: np.ndarray, active: np.ndarray) -> float | None:
    """Median elbow flexion (both arms) over the stepping frames, from the model's 3D world
    landmarks (a front or rear view foreshortens the forearm in the image), from the image
    where the world landmarks are missing or degenerate."""
    if active.sum() < 5:
        return None
    w = series.world
    vals = []
    for s in ("LEFT", "RIGHT"):
        a, b, c = (L[f"{s}_{j}"] for j in ("SHOULDER", "ELBOW", "WRIST"))
        world = 180.0 - joint_angle(w[:, a], w[:, b], w[:, c])
        image = 180.0 - joint_angle(p[:, a], p[:, b], p[:, c])
        vals.append(np.where(np.isfinite(world), world, image))
    flex = np.nanmean(np.stack(vals), axis=0)[active]
    flex = flex[np.isfinite(flex)]
    return float(np.median(flex)) if len(flex) >= 5 else None


def classify_locomotion(g: Gait, pelvis_r: float | None, knee_deg: float | None, opts: GaitOptions,
                        elbow_deg: float | None = None) -> None:
    """Running or walking from the independent signals; sets locomotion, confidence, signals.

    Each vote lies in [-1, 1] (+ running); the type is the sign of the weighted sum and the
    confidence the weighted sum's size over the weights of the signals that could be read.
    """
    sig: dict = {}
    if pelvis_r is not None:
        # From the front or behind the feet's vertical spread peaks twice in a running step (the
        # legs apart in depth, then the recovering heel kicked up at mid-stance), so its phase
        # against the pelvis says nothing there: reported, not counted.
        depth = g.axis == "depth"
        _vote(sig, "pelvis_phase", pelvis_r, pelvis_r / 0.3, 0.0 if depth else 1.0,
              "pelvis height vs leg spread: + lowest at mid-stance (running), − highest (walking)"
              + ("; not counted from the front or behind" if depth else ""))
    if knee_deg is not None and g.view in ("side", "oblique"):
        _vote(sig, "midstance_knee_deg", knee_deg, (knee_deg - opts.knee_midstance_split_deg) / 10.0, 1.0,
              f"stance knee flexion as the legs pass: running ~40°, walking ~15–20° (split {opts.knee_midstance_split_deg:.0f}°)")
    if elbow_deg is not None:
        _vote(sig, "arm_carriage_deg", elbow_deg, (elbow_deg - opts.elbow_split_deg) / 20.0, 0.5,
              f"elbow flexion while stepping: runners hold the forearm about square to the upper arm (~70–110°), "
              f"walkers let it hang (~20–40°) (split {opts.elbow_split_deg:.0f}°)")
    if g.duty_factor is not None:
        clear = abs(g.duty_factor - opts.run_duty_factor) > (g.duty_factor_uncertainty or 0)
        _vote(sig, "duty_factor", g.duty_factor, (opts.run_duty_factor - g.duty_factor) / 0.1, 1.0 if clear else 0.4,
              "stance / stride from the contacts (±1 frame each end): < 0.5 flight phases (running)")
    cad = g.cadence_spm
    if cad is not None and cad >= opts.real_time_floor_spm:
        if cad >= opts.run_cadence_spm:
            v = min(1.0, (cad - opts.run_cadence_spm + 10) / 20)
        elif cad <= opts.walk_cadence_spm:
            v = -min(1.0, (opts.walk_cadence_spm - cad + 10) / 30)
        else:
            v = 0.0
        _vote(sig, "cadence_prior", cad, v, 0.5, "adults rarely run below ~140 or walk above ~140 steps/min (playback-speed dependent)")
    total_w = sum(s["weight"] for s in sig.values())
    score = sum(s["vote"] * s["weight"] for s in sig.values())
    g.locomotion_signals = sig
    if total_w <= 0:
        g.locomotion, g.locomotion_confidence = "unknown", 0.0
        return
    g.locomotion = "running" if score > 0 else "walking"
    g.locomotion_confidence = round(min(1.0, abs(score) / total_w) * min(1.0, total_w / 1.5), 3)
