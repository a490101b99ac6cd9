"""Overlapping windows over the clip (in view, standing, travelling) and the segments they make:
not in view, stationary, turning, or locomotion with its own facing and travel."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _nanmedian, _runs, _sign
from formcheck.gait.options import GaitOptions
from formcheck.gait.result import Gait


def travel_threshold(step_s: float | None, opts: GaitOptions) -> float:
    """Hip speed (leg lengths / s) below which the athlete does not travel in the image: the
    absolute floor, or 0.15 leg lengths a step when that is less (slowed playback moves slowly
    in clip time but covers as much ground per step)."""
    if not step_s:
        return opts.stationary_speed_legs_s
    return min(opts.stationary_speed_legs_s, 0.15 / step_s)


#: Filmed from in front or behind, the feet's vertical spread (in leg lengths) shrinks in
#: proportion to the body's size in the picture as the athlete gets further away (perspective:
#: measured on real clips, spread / size holds within ±20 % from 0.43 to 0.12 frame heights).
#: The stepping threshold follows it, down to this fraction, where the window also travels.
MIN_PERSPECTIVE_SCALE = 0.25
#: Filmed from in front or behind, a window whose facing votes (shoulders' and hips' left-right
#: order, the face) agree less than this (|mean| of votes in [-1, 1]) keeps the facing of the
#: nearest window that is sure: a far, small figure's left and right are often swapped.
SURE_FACING = 0.5
#: A lone window travelling against both neighbours (facing the same way throughout) at less
#: than this many times the travel threshold takes their travel: a reversal too short and weak
#: to tell from the hips' (or, in depth, the body size's) noise — a zoom, a stumble, a bad fit.
WEAK_REVERSAL = 2.0


def _windows(pos: np.ndarray, t: np.ndarray, face: np.ndarray, spread: np.ndarray, leg: float,
             win_s: float, treadmill: bool, dead: float, opts: GaitOptions, depth: bool = False) -> list[dict]:  # fmt: skip
    """Overlapping windows (hop = half a window): presence, speed along the axis (`pos` / `leg`
    per second), facing, stepping. `depth`: travel along the line of sight, `pos` is the log of
    the body's size (see `MIN_PERSPECTIVE_SCALE`, `SURE_FACING`)."""
    out, sure = [], []  # sure: how far each window's facing votes agree
    hop = win_s / 2
    ref_size = float(np.nanpercentile(pos, 90)) if depth and np.isfinite(pos).any() else float("nan")
    start = float(t[0])
    end_t = float(t[-1])
    while True:
        sel = (t >= start) & (t < start + win_s)
        ok = sel & np.isfinite(pos)
        frac = ok.sum() / max(sel.sum(), 1)
        speed = float("nan")
        if ok.sum() >= 5 and np.ptp(t[ok]) > 0.3 * win_s:
            speed = float(np.polyfit(t[ok], pos[ok], 1)[0]) / leg
        sp = np.abs(spread[sel])
        sp = sp[np.isfinite(sp)]
        cyc = float(np.percentile(sp, 90) - np.percentile(sp, 10)) if sp.size >= 5 else 0.0
        travel = _sign(speed, dead)
        need = opts.min_cycle_range
        if depth and travel and ok.any() and np.isfinite(ref_size):
            need *= float(np.clip(np.exp(np.nanmedian(pos[ok]) - ref_size), MIN_PERSPECTIVE_SCALE, 1.0))
        stepping = cyc >= need
        if frac < 0.5 or not np.isfinite(speed):
            kind = "not_in_view"
        elif stepping and (travel or treadmill):
            kind = "locomotion"
        else:
            kind = "stationary"
        votes = face[sel][np.isfinite(face[sel])]
        sure.append(abs(float(votes.mean())) if votes.size else 0.0)
        out.append({"start_s": round(start, 3), "end_s": round(min(start + win_s, end_t), 3),
                    "facing": _sign(_nanmedian(face[sel]), 0.2), "travel": travel,
                    "speed_legs_s": None if not np.isfinite(speed) else round(speed, 3),
                    "kind": kind})  # fmt: skip
        if start + win_s >= end_t:
            break
        start += hop
    if depth:
        _hold_facing(out, sure)
    _drop_weak_reversals(out, dead)
    return out


def _drop_weak_reversals(windows: list[dict], dead: float) -> None:
    """A window whose travel reverses that of both neighbours, facing as they do, at a speed
    below `WEAK_REVERSAL` times the threshold `dead`, takes the neighbours' travel."""
    for k in range(1, len(windows) - 1):
        a, w, c = windows[k - 1], windows[k], windows[k + 1]
        speed = w["speed_legs_s"]
        if not w["travel"] or speed is None or abs(speed) >= WEAK_REVERSAL * dead:
            continue
        if a["travel"] == c["travel"] == -w["travel"] and a["facing"] == w["facing"] == c["facing"] != 0:
            w["travel"] = a["travel"]


def _hold_facing(windows: list[dict], sure: list[float]) -> None:
    """Windows unsure of the facing (`sure` below `SURE_FACING`) take that of the nearest
    window that is sure (in time)."""
    held = [k for k, w in enumerate(windows) if sure[k] >= SURE_FACING and w["facing"]]
    if not held:
        return
    for k, w in enumerate(windows):
        if sure[k] < SURE_FACING:
            w["facing"] = windows[min(held, key=lambda j: (abs(j - k), j))]["facing"]


def _frame_kinds(t: np.ndarray, windows: list[dict]) -> np.ndarray:
    """Each frame takes the kind of the window whose centre is nearest."""
    centres = np.array([(w["start_s"] + w["end_s"]) / 2 for w in windows])
    idx = np.abs(t[:, None] - centres[None, :]).argmin(1)
    return np.array([windows[i]["kind"] for i in idx])


def _segments(g: Gait, t: np.ndarray, windows: list[dict], present: np.ndarray) -> list[dict]:
    """The clip as a sequence of segments: not in view, stationary, turning, or locomotion with
    its own facing and travel (a walk-up, then backwards running; a turnaround)."""
    segs: list[dict] = []
    for w in windows:
        kind = w["kind"]
        fac, trav = w["facing"], (w["travel"] if g.travel_source == "image" else g.travel)
        if kind == "locomotion":
            if g.locomotion not in ("running", "walking"):
                kind = "other"
            elif fac == 0 or trav == 0:
                kind = "turning"
            else:
                kind = f"{'backward' if fac == -trav else 'forward'}_{g.locomotion}"
        w["_label"] = (kind, fac, trav)
    # Out of view: the frames of every absence of 0.3 s or more, exactly. Every other frame takes
    # the label of the nearest window centre that saw the athlete; runs of one label are segments.
    absent = np.zeros(len(t), bool)
    for a, b in _runs(~present):
        if t[min(b, len(t) - 1)] - t[max(a - 1, 0)] >= 0.3 or a == 0 or b == len(t):
            absent[a:b] = True
    seen = [k for k, w in enumerate(windows) if w["kind"] != "not_in_view"]
    centres = np.array([(windows[k]["start_s"] + windows[k]["end_s"]) / 2 for k in seen])
    if seen:
        idx = np.array(seen)[np.abs(t[:, None] - centres[None, :]).argmin(1)]
        labels = ["not_in_view" if absent[i] else windows[idx[i]]["_label"][0] for i in range(len(t))]
    else:
        idx = np.zeros(len(t), int)
        labels = ["not_in_view" if absent[i] else "other" for i in range(len(t))]
    for i, lab in enumerate(labels):
        w = windows[idx[i]]
        if segs and segs[-1]["movement"] == lab:
            segs[-1]["end_s"] = round(float(t[i]), 3)
        else:
            segs.append({"start_s": round(float(t[i]), 3), "end_s": round(float(t[i]), 3), "movement": lab,
                         "facing": w["_label"][1], "travel": w["_label"][2]})  # fmt: skip
    for w in windows:
        w.pop("_label", None)
    # A pause between two stretches of travel the other way round is a turnaround.
    for k in range(1, len(segs) - 1):
        a, b, c = segs[k - 1], segs[k], segs[k + 1]
        moving = ("_running", "_walking", "turning")
        if b["movement"] in ("stationary", "other") and a["movement"].endswith(moving) and c["movement"].endswith(moving):
            if a["travel"] * c["travel"] < 0 or a["facing"] * c["facing"] < 0:
                b["movement"] = "turning"
    out: list[dict] = []
    for s in segs:
        if s["movement"] in ("stationary", "not_in_view"):
            s["travel"] = 0  # standing or out of view is no travel, whatever the hips' drift in the window
        conf = g.locomotion_confidence if s["movement"].endswith(("_running", "_walking")) else 0.5
        s["confidence"] = round(conf, 3)
        if out and out[-1]["movement"] == s["movement"]:
            out[-1]["end_s"] = s["end_s"]
        else:
            out.append(s)
    return out
