"""What the clip shows: directions, steps and strides, cadence, movement type, camera view.

Backwards locomotion breaks the usual assumption that people travel the way they face, so the
facing direction and the travel direction are measured separately (reference §2.2):

* facing: the sign of x(foot_index) − x(heel), visibility-weighted, with nose vs ears as backup;
* travel: the slope of the hip midpoint over time in the image; where the hips do not travel in
  the image (treadmill), from the feet relative to the hips: in stance a foot moves against the
  direction of travel.

Foot contacts follow Zeni et al. (2008) in the *travel* frame: a foot lands when it is furthest
in the travel direction relative to the hips and leaves when it is furthest the other way. In
backwards running that is the forefoot landing behind the body, heel last (reference §2.2–2.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from formcheck.clean import autocorrelation
from formcheck.landmarks import Landmark as L
from formcheck.metrics import midpoint, points
from formcheck.series import PoseSeries

SIDES = ("left", "right")
#: Foot events closer than this (fraction of a stride) to the ends of the footage are not used.
EDGE_MARGIN_STRIDES = 0.1


@dataclass(frozen=True)
class GaitOptions:
    """Thresholds of the gait stage (each a heuristic; see the reference)."""

    step_freq_hz: tuple[float, float] = (1.2, 4.0)  # reference §2.3: 72–240 steps/min
    stationary_speed_legs_s: float = 0.35  # hips travel slower than this: no travel in the image
    run_duty_factor: float = 0.5  # stance / stride below this = flight phases = running
    side_view_max_width: float = 0.35  # shoulder width / trunk length
    front_view_min_width: float = 0.65
    window_s: float = 2.0  # windows for direction / movement-type changes
    min_periodicity: float = 0.15  # autocorrelation peak of the feet's alternation
    min_foot_spread: float = 0.35  # p90 distance between the ankles, leg lengths
    min_body_travel_confidence: float = 0.6  # treadmill: how consistently planted feet sweep


@dataclass
class Contact:
    """One foot contact: initial contact (IC) to toe-off (TO)."""

    foot: str
    ic_frame: int
    to_frame: int | None
    ic_s: float
    to_s: float | None


@dataclass
class Gait:
    """Everything the gait stage found."""

    facing: int  # +1 image right, -1 image left, 0 unknown
    facing_confidence: float
    travel: int  # +1, -1, 0 (none)
    travel_source: str  # "image" | "body" | "none"
    travel_confidence: float
    speed_legs_s: float  # hip speed in the image, leg lengths per second (signed)
    leg_length: float  # frame-height units
    view: str  # side | oblique | front | back | unknown
    near_side: str | None  # "left"/"right": the side facing the camera in side/oblique views
    contacts: list[Contact] = field(default_factory=list)
    cadence_spm: float | None = None
    cadence_iqr_spm: float | None = None
    cadence_source: str = "none"
    duty_factor: float | None = None
    locomotion: str = "unknown"  # running | walking | stationary | unknown
    locomotion_confidence: float = 0.0
    movement: str = "other"
    movement_confidence: float = 0.0
    segments: list[dict] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)


def _nanmedian(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def _sign(v: float, dead: float = 0.0) -> int:
    if not np.isfinite(v) or abs(v) <= dead:
        return 0
    return 1 if v > 0 else -1


def leg_length(p: np.ndarray) -> float:
    """Median hip-to-ankle distance over both legs (frame-height units)."""
    d = [np.linalg.norm(p[:, L[f"{s}_HIP"]] - p[:, L[f"{s}_ANKLE"]], axis=-1) for s in ("LEFT", "RIGHT")]
    return _nanmedian(np.concatenate(d))


def facing_series(p: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """(T,) facing evidence in [-1, 1] per frame: + = faces image right."""
    num = np.zeros(len(p))
    den = np.zeros(len(p))
    for s in ("LEFT", "RIGHT"):
        toe, heel = L[f"{s}_FOOT_INDEX"], L[f"{s}_HEEL"]
        dx = p[:, toe, 0] - p[:, heel, 0]
        w = np.nan_to_num(np.minimum(vis[:, toe], vis[:, heel]))
        ok = np.isfinite(dx)
        num[ok] += w[ok] * np.sign(dx[ok])
        den[ok] += w[ok]
    # Backup: the nose is in front of the ears.
    dx = p[:, L.NOSE, 0] - midpoint(p, L.LEFT_EAR, L.RIGHT_EAR)[:, 0]
    w = 0.5 * np.nan_to_num(vis[:, L.NOSE])
    ok = np.isfinite(dx) & (np.abs(dx) > 0.005)
    num[ok] += w[ok] * np.sign(dx[ok])
    den[ok] += w[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _stride_period_s(p: np.ndarray, t: np.ndarray, opts: GaitOptions) -> float | None:
    """Stride period from the autocorrelation of the horizontal distance between the ankles.

    None when the feet do not alternate clearly (periodicity below `min_periodicity`) or never
    get far apart (`min_foot_spread` leg lengths): standing, lunging, exercising on the spot.
    """
    d = p[:, L.LEFT_ANKLE, 0] - p[:, L.RIGHT_ANKLE, 0]
    ok = np.isfinite(d)
    if ok.sum() < 20:
        return None
    fps = (len(t) - 1) / (t[-1] - t[0])
    d = np.interp(np.arange(len(d)), np.flatnonzero(ok), d[ok])
    ac = autocorrelation(d)
    if ac is None:
        return None
    lo = int(fps * 2.0 / opts.step_freq_hz[1])  # stride = 2 steps
    hi = min(int(fps * 2.0 / opts.step_freq_hz[0]), len(ac) - 1)
    if hi <= lo + 1:
        return None
    peaks, props = find_peaks(ac[lo : hi + 1], height=opts.min_periodicity)
    if not len(peaks):
        return None
    spread = np.linalg.norm(p[:, L.LEFT_ANKLE] - p[:, L.RIGHT_ANKLE], axis=-1)
    leg = leg_length(p)
    if not np.isfinite(leg) or np.nanpercentile(spread, 90) < opts.min_foot_spread * leg:
        return None
    # The first clear peak, not the highest: a periodic signal's autocorrelation peaks again at
    # two strides, and on a short clip that later, noisier peak can come out higher.
    heights = props["peak_heights"]
    best = peaks[np.flatnonzero(heights >= 0.7 * heights.max())[0]] + lo
    return best / fps


def _events(
    rel: np.ndarray, distance: int, prominence: float, margin: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Peak frames of `rel` and their sub-frame offsets (parabolic interpolation, in frames).

    A peak closer than `margin` frames to the first or last valid frame is left out: the foot
    may still be reaching when the footage ends (or the low-pass filter's edge bends it), so
    whether and when it peaks depends on exactly which frames the model saw last.
    """
    ok = np.isfinite(rel)
    if ok.sum() < 5:
        return np.array([], int), np.array([])
    valid = np.flatnonzero(ok)
    filled = np.interp(np.arange(len(rel)), valid, rel[ok])
    peaks, _ = find_peaks(filled, distance=max(distance, 1), prominence=prominence)
    peaks = peaks[ok[peaks] & (peaks >= valid[0] + margin) & (peaks <= valid[-1] - margin)]
    offsets = np.zeros(len(peaks))
    for k, i in enumerate(peaks):
        if 0 < i < len(filled) - 1:
            a, b, c = filled[i - 1], filled[i], filled[i + 1]
            den = a - 2 * b + c
            offsets[k] = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den < 0 else 0.0
    return peaks, offsets


def find_contacts(
    p: np.ndarray, t: np.ndarray, travel: int, backward: bool, stride_s: float, leg: float
) -> list[Contact]:
    """Foot contacts per foot, in the travel frame (Zeni), sorted by time."""
    fps = (len(t) - 1) / (t[-1] - t[0])
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
    distance = int(0.6 * stride_s * fps)
    margin = int(round(EDGE_MARGIN_STRIDES * stride_s * fps))
    prominence = 0.15 * leg
    out: list[Contact] = []
    for side in ("LEFT", "RIGHT"):
        # Backwards: lands on the forefoot, leaves from the heel; forwards the reverse.
        ic_lm = L[f"{side}_FOOT_INDEX"] if backward else L[f"{side}_HEEL"]
        to_lm = L[f"{side}_HEEL"] if backward else L[f"{side}_FOOT_INDEX"]
        ic_rel = travel * (p[:, ic_lm, 0] - hip_x)
        to_rel = -travel * (p[:, to_lm, 0] - hip_x)
        ics, ic_off = _events(ic_rel, distance, prominence, margin)
        tos, to_off = _events(to_rel, distance, prominence, margin)
        dt = 1.0 / fps
        for k, ic in enumerate(ics):
            nxt = ics[k + 1] if k + 1 < len(ics) else len(t)
            sel = np.flatnonzero((tos > ic) & (tos < nxt))
            to = int(tos[sel[0]]) if len(sel) else None
            to_s = float(t[to] + to_off[sel[0]] * dt) if to is not None else None
            out.append(Contact(side.lower(), int(ic), to, float(t[ic] + ic_off[k] * dt), to_s))
    out.sort(key=lambda c: c.ic_frame)
    # A landing far sooner than half a stride after the previous one is not a step (a foot
    # wobbling near its extreme, or both feet's peaks where the legs overlap): keep the first.
    kept: list[Contact] = []
    for c in out:
        if kept and c.ic_s - kept[-1].ic_s < 0.4 * stride_s / 2:
            continue
        kept.append(c)
    return kept


def _cadence(contacts: list[Contact]) -> tuple[float | None, float | None, str]:
    """Steps per minute from alternate-foot step intervals (else strides / 2).

    Intervals between landings and between take-offs are pooled: both measure the step period,
    and together they make the estimate the same for a clip and its time-reversed copy (time
    reversal swaps landings and take-offs).
    """
    steps = []
    for times in (
        [(c.ic_s, c.foot) for c in contacts],
        sorted((c.to_s, c.foot) for c in contacts if c.to_s is not None),
    ):
        steps += [b[0] - a[0] for a, b in zip(times, times[1:], strict=False) if a[1] != b[1]]
    if len(steps) >= 3:
        steps_a = np.array(steps)
        # Mean of the intervals near the median: robust to a missed or extra contact, and not
        # quantised to whole frames the way a median of frame-based intervals is.
        keep = np.abs(steps_a - np.median(steps_a)) <= 0.3 * np.median(steps_a)
        if keep.sum() >= 3:  # else the intervals are too irregular to be steps
            spm = 60.0 / steps_a[keep]
            q1, q3 = np.percentile(spm, [25, 75])
            return float(60.0 / steps_a[keep].mean()), float(q3 - q1), "steps"
    strides = []
    for foot in SIDES:
        ts = [c.ic_s for c in contacts if c.foot == foot]
        strides += list(np.diff(ts))
    if len(strides) >= 2:
        spm = 120.0 / np.array(strides)
        q1, q3 = np.percentile(spm, [25, 75])
        return float(np.median(spm)), float(q3 - q1), "strides"
    return None, None, "none"


def _duty_factor(contacts: list[Contact]) -> float | None:
    vals = []
    for foot in SIDES:
        own = [c for c in contacts if c.foot == foot]
        for a, b in zip(own, own[1:], strict=False):
            if a.to_s is not None and b.ic_s > a.ic_s:
                vals.append((a.to_s - a.ic_s) / (b.ic_s - a.ic_s))
    return float(np.median(vals)) if vals else None


def _body_travel(p: np.ndarray, t: np.ndarray) -> tuple[int, float]:
    """Travel direction from the feet relative to the hips: in stance (low foot) a foot moves
    against the direction of travel, on a treadmill as on the ground."""
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
    votes = []
    for side in ("LEFT", "RIGHT"):
        foot = midpoint(p, L[f"{side}_HEEL"], L[f"{side}_FOOT_INDEX"])
        rel_v = np.gradient(foot[:, 0] - hip_x, t)
        y = foot[:, 1]
        ok = np.isfinite(rel_v) & np.isfinite(y)
        if ok.sum() < 10:
            continue
        low = y[ok] >= np.percentile(y[ok], 60)  # image y grows downwards: the low foot
        votes.append(np.median(rel_v[ok][low]))
    if not votes:
        return 0, 0.0
    v = float(np.mean(votes))
    scale = float(np.nanmedian(np.abs(np.gradient(hip_x, t)))) + 1e-3
    return -_sign(v), float(min(1.0, abs(v) / (abs(v) + scale)))


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


def _windows(p: np.ndarray, t: np.ndarray, face: np.ndarray, leg: float, opts: GaitOptions) -> list[dict]:
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
    out = []
    start = float(t[0])
    while start < t[-1] - 0.5 * opts.window_s or not out:
        sel = (t >= start) & (t < start + opts.window_s)
        ok = sel & np.isfinite(hip_x)
        speed = float("nan")
        if ok.sum() >= 5:
            speed = float(np.polyfit(t[ok], hip_x[ok], 1)[0]) / leg
        out.append(
            {
                "start_s": round(start, 3),
                "end_s": round(min(start + opts.window_s, float(t[-1])), 3),
                "facing": _sign(_nanmedian(face[sel]), 0.2),
                "travel": _sign(speed, opts.stationary_speed_legs_s),
                "speed_legs_s": None if not np.isfinite(speed) else round(speed, 3),
            }
        )
        start += opts.window_s
        if start >= t[-1]:
            break
    return out


def analyse(series: PoseSeries, opts: GaitOptions = GaitOptions()) -> Gait:
    """Directions, contacts, cadence, movement type and camera view of a cleaned series."""
    from formcheck.metrics import frame_metrics  # local: metrics needs the facing sign first

    p = points(series)
    t = series.t_s
    vis = series.visibility
    leg = leg_length(p)
    face = facing_series(p, vis)
    face_med = _nanmedian(face)
    facing = _sign(face_med, 0.1)
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
    ok = np.isfinite(hip_x)
    speed = float(np.polyfit(t[ok], hip_x[ok], 1)[0]) / leg if ok.sum() >= 5 and leg > 0 else 0.0
    travel = _sign(speed, opts.stationary_speed_legs_s)
    source = "image" if travel else "none"
    travel_conf = min(1.0, abs(speed) / (2 * opts.stationary_speed_legs_s)) if travel else 0.0
    stride_s = _stride_period_s(p, t, opts)
    if not travel and stride_s is not None:
        # No travel in the image: a treadmill, or someone moving on the spot. Only a clear,
        # consistent sweep of the planted feet against one direction counts as locomotion.
        body, body_conf = _body_travel(p, t)
        if body and body_conf >= opts.min_body_travel_confidence:
            travel, travel_conf, source = body, body_conf, "body"
        else:
            stride_s = None
    width = frame_metrics(series, facing or 1)["shoulder_width_ratio"]
    view, near = camera_view(width, vis, p, opts)
    g = Gait(
        facing=facing,
        facing_confidence=round(min(1.0, abs(face_med)) if np.isfinite(face_med) else 0.0, 3),
        travel=travel,
        travel_source=source,
        travel_confidence=round(travel_conf, 3),
        speed_legs_s=round(speed, 3),
        leg_length=leg,
        view=view,
        near_side=near,
    )
    g.windows = _windows(p, t, face, leg, opts)
    if stride_s is None or not travel or not np.isfinite(leg):
        g.locomotion = "stationary" if not travel and stride_s is None else "unknown"
        g.locomotion_confidence = 0.5 if g.locomotion == "stationary" else 0.0
        g.movement = "stationary" if g.locomotion == "stationary" else "other"
        g.movement_confidence = g.locomotion_confidence
        g.segments = [_segment(g, t)]
        return g
    backward = facing != 0 and facing == -travel
    g.contacts = find_contacts(p, t, travel, backward, stride_s, leg)
    g.cadence_spm, g.cadence_iqr_spm, g.cadence_source = _cadence(g.contacts)
    if g.cadence_spm is None:
        g.cadence_spm, g.cadence_source = 120.0 / stride_s, "autocorrelation"
    g.duty_factor = _duty_factor(g.contacts)
    strides = max(0, len(g.contacts) - 2) / 2
    if g.duty_factor is not None:
        g.locomotion = "running" if g.duty_factor < opts.run_duty_factor else "walking"
        margin = min(1.0, abs(g.duty_factor - opts.run_duty_factor) / 0.1)
        g.locomotion_confidence = round(margin * min(1.0, strides / 4), 3)
    if facing == 0:
        g.movement = "other"
    elif g.locomotion in ("running", "walking"):
        g.movement = f"{'backward' if backward else 'forward'}_{g.locomotion}"
    g.movement_confidence = round(
        g.locomotion_confidence * g.facing_confidence * max(g.travel_confidence, 0.5), 3
    )
    g.segments = _segments(g, t)
    return g


def _segment(g: Gait, t: np.ndarray, start: float | None = None, end: float | None = None) -> dict:
    return {
        "start_s": round(float(t[0]) if start is None else start, 3),
        "end_s": round(float(t[-1]) if end is None else end, 3),
        "movement": g.movement,
        "facing": g.facing,
        "travel": g.travel,
    }


def _segments(g: Gait, t: np.ndarray) -> list[dict]:
    """Split the clip where the windows' facing/travel pattern changes (e.g. a walk-up, then
    backwards running). Windows that agree with the whole clip keep its movement type; windows
    where the athlete is out of view (or not found) are `not_in_view`, not "stationary"."""
    segs: list[dict] = []
    for w in g.windows:
        if w["speed_legs_s"] is None:  # the athlete was found in too few of its frames
            kind = "not_in_view"
        elif g.travel_source == "image":
            if w["travel"] == 0:
                kind = "stationary"
            elif w["facing"] == 0:
                kind = "other"
            else:
                kind = f"{'backward' if w['facing'] == -w['travel'] else 'forward'}_{g.locomotion}"
        else:
            kind = g.movement
        if segs and segs[-1]["movement"] == kind:
            segs[-1]["end_s"] = w["end_s"]
        else:
            segs.append({"start_s": w["start_s"], "end_s": w["end_s"], "movement": kind,
                         "facing": w["facing"], "travel": w["travel"]})  # fmt: skip
    return segs or [_segment(g, t)]
