"""What the clip shows: directions, segments, steps, contacts, cadence, running or walking, view.

Built for phone footage, where feet jitter and vanish and nothing moves the way a synthetic
figure does, so each fact comes from the signals that survive that:

* **Stepping** — how far apart the feet are horizontally (the *spread*, in leg lengths) dips
  once per step whichever foot is which, so the step period comes from its autocorrelation
  (gaps masked out, no interpolation across them), over any period from 0.15 to 4 s: slowed
  playback and slow pathological gait are still gait.
* **Segments** — short windows say where the athlete is out of view, standing (feet not
  cycling), travelling or turning; everything after that looks only at the stepping stretches.
* **Directions** — facing from the feet (toe ahead of heel) with the nose as backup; travel from
  the hips crossing the frame, or, on a treadmill (hips in place while the legs cycle), from the
  stance foot sweeping against it (reference §2.2, real-footage.md "Treadmill").
* **Contacts** — a foot is on the ground while it is low *and* still relative to the ground (the
  belt on a treadmill): the foot-velocity idea of O'Connor et al. (2007) with a height gate,
  thresholds relative to the foot's own swing speed (so playback speed does not matter).
  Impossible contacts are dropped: longer than a stride, shorter than two frames, or a second
  landing of the same foot without a swing in between.
* **Running or walking** — votes from independent signals, each with a weight, combined into a
  type and a confidence (real-footage.md): the pelvis's vertical phase against the legs'
  spread (walking vaults over a stiff leg: highest at mid-stance; running bounces: lowest
  there — Cavagna et al. 1977), the stance knee's flexion at mid-stance (~15–20° walking,
  ~40° running), the duty factor where contacts are trustworthy (with its ±1-frame
  uncertainty), and a cadence prior that stays silent below real-time plausibility (slowed
  playback). The report lists every signal and its vote.
* **Cadence** — from the intervals between leg crossings where they are consistent, checked
  against the frequency of the leg motion (the autocorrelation); when they disagree the report
  says so and uses the better-supported one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from formcheck.landmarks import Landmark as L
from formcheck.metrics import joint_angle, midpoint, points
from formcheck.series import PoseSeries

SIDES = ("left", "right")


@dataclass(frozen=True)
class GaitOptions:
    """Thresholds of the gait stage (each a heuristic; see the reference)."""

    step_period_s: tuple[float, float] = (0.15, 4.0)  # any gait, slowed playback included
    stationary_speed_legs_s: float = 0.35  # hips travel slower than this: no travel in the image
    run_duty_factor: float = 0.5  # stance / stride below this = flight phases = running
    side_view_max_width: float = 0.35  # shoulder width / trunk length
    front_view_min_width: float = 0.65
    window_s: float = 2.0  # shortest window for the segments (longer for slow gait)
    min_periodicity: float = 0.2  # autocorrelation peak of the feet's spread
    min_cycle_range: float = 0.3  # leg lengths: spread range in a window to count as stepping
    min_body_travel_confidence: float = 0.5  # treadmill: how consistently planted feet sweep
    knee_midstance_split_deg: float = 27.0  # walking ~15–20°, running ~40° (real-footage.md)
    run_cadence_spm: float = 150.0  # above: a running vote (adults rarely walk this fast)
    walk_cadence_spm: float = 125.0  # below (and above the real-time floor): a walking vote
    real_time_floor_spm: float = 80.0  # below: no human gait in real time; slowed playback?
    stance_speed_fraction: float = 0.3  # stance: foot slower than this x its swing speed
    stance_height_legs: float = 0.2  # ... and within this of its own lowest level nearby
    depth_view_min_width: float = 0.5  # shoulder width / trunk above this: maybe front or rear
    depth_speed_per_s: float = 0.04  # body size changing faster than this (log units / s): travel
    elbow_split_deg: float = 50.0  # elbow flexion while stepping: runners ~70-110°, walkers ~20-40°


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
    travel: int  # +1, -1, 0 (none); on the depth axis +1 = toward the camera
    travel_source: str  # "image" | "body" (treadmill: from the stance foot) | "none"
    travel_confidence: float
    speed_legs_s: float  # hip speed in the image, leg lengths per second (signed)
    leg_length: float  # frame-height units
    view: str  # side | oblique | front | back | unknown
    near_side: str | None  # "left"/"right": the side facing the camera in side/oblique views
    treadmill: bool = False
    axis: str = "image_x"  # "image_x" (across the picture) | "depth" (toward / away from the camera)
    contacts: list[Contact] = field(default_factory=list)
    cadence_spm: float | None = None
    cadence_iqr_spm: float | None = None
    cadence_source: str = "none"
    cadence_check: dict = field(default_factory=dict)
    step_period_s: float | None = None
    duty_factor: float | None = None
    duty_factor_uncertainty: float | None = None
    contact_time_s: float | None = None
    contact_time_uncertainty_s: float | None = None
    slow_motion_suspected: bool = False
    locomotion: str = "unknown"  # running | walking | stationary | unknown
    locomotion_confidence: float = 0.0
    locomotion_signals: dict = field(default_factory=dict)
    movement: str = "other"
    movement_confidence: float = 0.0
    segments: list[dict] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)


# --- small helpers ---------------------------------------------------------------------------


def _nanmedian(a: np.ndarray) -> float:
    a = np.asarray(a, float)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def _sign(v: float, dead: float = 0.0) -> int:
    if not np.isfinite(v) or abs(v) <= dead:
        return 0
    return 1 if v > 0 else -1


def _fps(t: np.ndarray) -> float:
    return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 30.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2], edges[1::2], strict=True))


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean that ignores NaN (NaN where the window holds nothing)."""
    width = max(1, int(width))
    ok = np.isfinite(x)
    k = np.ones(width)
    s = np.convolve(np.where(ok, x, 0.0), k, mode="same")
    n = np.convolve(ok.astype(float), k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / n, np.nan)


def _rolling_max(x: np.ndarray, width: int) -> np.ndarray:
    """Centred rolling maximum ignoring NaN."""
    half = max(1, int(width) // 2)
    out = np.full(len(x), np.nan)
    filled = np.where(np.isfinite(x), x, -np.inf)
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.concatenate((np.full(half, -np.inf), filled, np.full(half, -np.inf)))
    win = sliding_window_view(padded, 2 * half + 1).max(axis=1)
    out[np.isfinite(win)] = win[np.isfinite(win)]
    return out


def masked_autocorrelation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Autocorrelation of `x` (NaN = missing) over the valid pairs at each lag, and the number
    of such pairs; 1 at lag 0. Gaps are masked, never bridged. None for a flat signal."""
    ok = np.isfinite(x)
    if ok.sum() < 4:
        return None
    a = np.where(ok, x - np.nanmean(x), 0.0)
    m = ok.astype(float)
    n = len(a)
    fa, fm = np.fft.rfft(a, 2 * n), np.fft.rfft(m, 2 * n)
    num = np.fft.irfft(fa * np.conj(fa), 2 * n)[:n]
    cnt = np.rint(np.fft.irfft(fm * np.conj(fm), 2 * n)[:n])
    if num[0] <= 1e-12 * n:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = np.where(cnt > 0, (num / np.maximum(cnt, 1)) / (num[0] / cnt[0]), np.nan)
    return ac, cnt


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


def foot_points(p: np.ndarray, side: str) -> np.ndarray:
    """(T, 2) one point per foot: heel–toe midpoint, else the ankle."""
    s = side.upper()
    mid = midpoint(p, L[f"{s}_HEEL"], L[f"{s}_FOOT_INDEX"])
    ankle = p[:, L[f"{s}_ANKLE"]]
    return np.where(np.isfinite(mid), mid, ankle)


def _foot_difference(p: np.ndarray, leg: float, coord: int) -> np.ndarray:
    """(T,) left minus right foot (ankle, heel, toe averaged) in image coordinate `coord`
    (0 = x, 1 = y), in leg lengths; NaN where unseen."""
    d = np.stack([p[:, L[f"LEFT_{k}"], coord] - p[:, L[f"RIGHT_{k}"], coord] for k in ("ANKLE", "HEEL", "FOOT_INDEX")], 1)
    cnt = np.isfinite(d).sum(1)
    mean = np.nansum(np.nan_to_num(d), 1) / np.maximum(cnt, 1)
    return np.where(cnt > 0, mean / leg, np.nan)


def spread_signal(p: np.ndarray, leg: float) -> np.ndarray:
    """(T,) left minus right foot x in leg lengths (ankle and foot averaged); NaN where unseen."""
    return _foot_difference(p, leg, 0)


def depth_spread_signal(p: np.ndarray, leg: float) -> np.ndarray:
    """(T,) left minus right foot image y in leg lengths: filmed from the front or behind, the
    feet take turns being the nearer (lower in the picture) one, once per step."""
    return _foot_difference(p, leg, 1)


def body_scale(p: np.ndarray) -> np.ndarray:
    """(T,) log of the body's size in the picture (shoulders to ankles, frame heights): grows as
    the athlete comes closer, shrinks as they go away."""
    top = midpoint(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[:, 1]
    ankles = np.nanmax(p[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1], axis=1)
    h = ankles - top
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(h > 0, np.log(np.where(h > 0, h, 1.0)), np.nan)


def depth_facing_series(p: np.ndarray, vis: np.ndarray, world: np.ndarray) -> np.ndarray:
    """(T,) in [-1, 1]: + faces the camera, - faces away. The athlete's left shoulder is on the
    image right when they face the camera; and their nose is nearer the camera than their ears."""
    lx = p[:, L.LEFT_SHOULDER, 0] - p[:, L.RIGHT_SHOULDER, 0]
    lh = p[:, L.LEFT_HIP, 0] - p[:, L.RIGHT_HIP, 0]
    nose_z = world[:, L.NOSE, 2] - 0.5 * (world[:, L.LEFT_EAR, 2] + world[:, L.RIGHT_EAR, 2])
    votes = np.stack([np.sign(lx), np.sign(lh), -np.sign(nose_z)], 1)
    with np.errstate(invalid="ignore"):
        return np.nanmean(votes, axis=1)


# --- the step period -------------------------------------------------------------------------


def step_period(spread: np.ndarray, t: np.ndarray, opts: GaitOptions) -> tuple[float | None, float]:
    """(step period in s, autocorrelation height) from how far apart the feet are.

    |spread| dips once per step whichever foot is which (label swaps leave it alone). The period
    is the first clear autocorrelation peak (≥ 0.7 x the highest) in the allowed range, with
    enough valid pairs behind it; a periodic signal peaks again at two and three periods, and on
    a short clip a later peak can come out higher. None when nothing repeats.
    """
    fps = _fps(t)
    x = np.abs(spread)
    res = masked_autocorrelation(x)
    if res is None:
        return None, 0.0
    ac, cnt = res
    valid = int(np.isfinite(x).sum())
    lo = max(2, int(opts.step_period_s[0] * fps))
    hi = min(int(opts.step_period_s[1] * fps), len(ac) - 2)
    enough = cnt >= max(8, 0.3 * valid)
    if hi <= lo + 1:
        return None, 0.0
    seg = np.where(enough[: hi + 2], np.nan_to_num(ac[: hi + 2], nan=-1.0), -1.0)
    peaks, props = find_peaks(seg[lo - 1 :], height=opts.min_periodicity)
    peaks = peaks + lo - 1
    keep = (peaks >= lo) & (peaks <= hi)
    peaks, heights = peaks[keep], props["peak_heights"][keep]
    if not len(peaks):
        return None, 0.0
    k = int(np.flatnonzero(heights >= 0.7 * heights.max())[0])
    i = int(peaks[k])
    a, b, c = seg[i - 1], seg[i], seg[i + 1]
    den = a - 2 * b + c
    off = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den < 0 else 0.0
    period = (i + off) / fps
    # |spread| repeats every step only when the two halves of a stride look alike; with one leg
    # seen worse than the other (perspective, a limp) it repeats every stride. The signed spread
    # tells them apart: one step apart the feet have swapped sides (anti-correlated).
    signed = masked_autocorrelation(spread)
    if signed is not None:
        sac = signed[0]
        j, h = int(round(period * fps)), int(round(period * fps / 2))
        if h >= lo and np.isfinite(sac[j]) and np.isfinite(sac[h]) and sac[j] > 0.3 and sac[h] < -0.1:
            period /= 2
    return period, float(heights[k])


# --- windows and segments --------------------------------------------------------------------


def travel_threshold(step_s: float | None, opts: GaitOptions) -> float:
    """Hip speed (leg lengths / s) below which the athlete does not travel in the image: the
    absolute floor, or 0.15 leg lengths a step when that is less (slowed playback moves slowly
    in clip time but covers as much ground per step)."""
    if not step_s:
        return opts.stationary_speed_legs_s
    return min(opts.stationary_speed_legs_s, 0.15 / step_s)


def _windows(pos: np.ndarray, t: np.ndarray, face: np.ndarray, spread: np.ndarray, leg: float,
             win_s: float, treadmill: bool, dead: float, opts: GaitOptions) -> list[dict]:  # fmt: skip
    """Overlapping windows (hop = half a window): presence, speed along the axis (`pos` / `leg`
    per second), facing, stepping."""
    out = []
    hop = win_s / 2
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
        stepping = cyc >= opts.min_cycle_range
        if frac < 0.5 or not np.isfinite(speed):
            kind = "not_in_view"
        elif stepping and (travel or treadmill):
            kind = "locomotion"
        else:
            kind = "stationary"
        out.append({"start_s": round(start, 3), "end_s": round(min(start + win_s, end_t), 3),
                    "facing": _sign(_nanmedian(face[sel]), 0.2), "travel": travel,
                    "speed_legs_s": None if not np.isfinite(speed) else round(speed, 3),
                    "kind": kind})  # fmt: skip
        if start + win_s >= end_t:
            break
        start += hop
    return out


def _frame_kinds(t: np.ndarray, windows: list[dict]) -> np.ndarray:
    """Each frame takes the kind of the window whose centre is nearest."""
    centres = np.array([(w["start_s"] + w["end_s"]) / 2 for w in windows])
    idx = np.abs(t[:, None] - centres[None, :]).argmin(1)
    return np.array([windows[i]["kind"] for i in idx])


# --- contacts --------------------------------------------------------------------------------


def stance_masks(p: np.ndarray, t: np.ndarray, leg: float, step_s: float, belt_vx: float,
                 active: np.ndarray, opts: GaitOptions) -> dict[str, np.ndarray]:  # fmt: skip
    """(T,) bool per foot: on the ground = low and still relative to the ground (the belt)."""
    fps = _fps(t)
    out = {}
    for side in SIDES:
        f = foot_points(p, side) / leg
        v = np.stack([np.gradient(f[:, 0], t), np.gradient(f[:, 1], t)], 1)
        v[:, 0] -= belt_vx
        speed = np.linalg.norm(v, axis=1)
        ok = np.isfinite(speed) & active
        if ok.sum() < 10:
            out[side] = np.zeros(len(t), bool)
            continue
        swing = np.percentile(speed[ok], 90)
        y = f[:, 1]
        floor = _rolling_max(np.where(active, y, np.nan), int(2 * step_s * fps) + 1)  # one stride
        low = (floor - y) <= opts.stance_height_legs
        st = ok & (speed <= opts.stance_speed_fraction * swing) & low
        # Close one-frame holes (jitter), then drop single-frame blips.
        st[1:-1] |= st[:-2] & st[2:]
        for a, b in _runs(st):
            if b - a < 2:
                st[a:b] = False
        out[side] = st
        out[f"{side}_swing"] = ok & ((speed > 0.5 * swing) | ((floor - y) > 2 * opts.stance_height_legs))
    return out


def contacts_from_stance(stance: dict[str, np.ndarray], t: np.ndarray, step_s: float,
                         present: np.ndarray) -> list[Contact]:  # fmt: skip
    """Contacts from the stance runs, with impossible ones rejected or merged."""
    fps = _fps(t)
    out: list[Contact] = []
    for side in SIDES:
        runs = _runs(stance[side])
        merged: list[list[int]] = []
        swing = stance.get(f"{side}_swing", np.ones(len(t), bool))
        for a, b in runs:
            # The same foot "landing" again without a swing in between is one contact.
            if merged and (a - merged[-1][1]) < 0.35 * step_s * fps and not swing[merged[-1][1] : a].any():
                merged[-1][1] = b
            else:
                merged.append([a, b])
        for a, b in merged:
            # A blip (under two frames or a fifth of a step: even sprinters stand on the ground
            # for ~40 % of a step), or longer than a stride: not a contact.
            if b - a < 2 or (b - a) / fps < 0.2 * step_s or (b - a) / fps > 2.2 * step_s:
                continue
            # Cut by the footage's edges or a gap: the event there is not seen.
            if a == 0 or b >= len(t) or not present[a - 1] or not present[min(b, len(t) - 1)]:
                continue
            out.append(Contact(side, int(a), int(b - 1), float(t[a]), float(t[b - 1])))
    out.sort(key=lambda c: c.ic_frame)
    return out


def _duty(contacts: list[Contact], step_s: float, fps: float) -> tuple[float | None, float | None, float | None, float | None]:
    """(duty factor, its ±1-frame uncertainty, contact time s, its uncertainty) — medians over
    strides of plausible length (within ±35 % of two steps)."""
    duty, ct, unc = [], [], []
    for foot in SIDES:
        own = [c for c in contacts if c.foot == foot]
        for a, b in zip(own, own[1:], strict=False):
            stride = b.ic_s - a.ic_s
            if a.to_s is None or abs(stride - 2 * step_s) > 0.35 * 2 * step_s:
                continue
            c = a.to_s - a.ic_s + 1.0 / fps  # last stance frame inclusive
            duty.append(c / stride)
            ct.append(c)
            unc.append(2.0 / fps / stride)
    if not duty:
        return None, None, None, None
    return float(np.median(duty)), float(np.median(unc)), float(np.median(ct)), 1.0 / fps


def _duty_from_time(contacts: list[Contact], active: np.ndarray, step_s: float, fps: float) -> tuple[float | None, float | None]:
    """Duty factor as the share of the stepping time each foot spends in contact (when too few
    contacts pair up into whole strides), and its ±1-frame uncertainty."""
    n_active = int(active.sum())
    if n_active < 3 * step_s * fps or len(contacts) < 3:
        return None, None
    shares = []
    for foot in SIDES:
        frames = sum(c.to_frame - c.ic_frame + 1 for c in contacts if c.foot == foot)
        shares.append(frames / n_active)
    n_c = max(1, len(contacts) / 2)
    return float(np.mean(shares)), float(2 * n_c / n_active)


def _belt_velocity(p: np.ndarray, t: np.ndarray, leg: float, active: np.ndarray) -> float:
    """Horizontal velocity (leg lengths / s) of the low feet: the belt on a treadmill."""
    vals = []
    for side in SIDES:
        f = foot_points(p, side) / leg
        vx = np.gradient(f[:, 0], t)
        y = f[:, 1]
        ok = np.isfinite(vx) & np.isfinite(y) & active
        if ok.sum() < 10:
            continue
        low = y[ok] >= np.percentile(y[ok], 60)
        vals.append(vx[ok][low])
    return float(np.median(np.concatenate(vals))) if vals else 0.0


def _body_travel(p: np.ndarray, t: np.ndarray, leg: float, active: np.ndarray) -> tuple[int, float]:
    """Travel direction from the feet relative to the hips: in stance (low foot) a foot moves
    against the direction of travel, on a treadmill as on the ground."""
    hip_x = midpoint(p, L.LEFT_HIP, L.RIGHT_HIP)[:, 0] / leg
    votes, scales = [], []
    for side in SIDES:
        f = foot_points(p, side) / leg
        rel_v = np.gradient(f[:, 0] - hip_x, t)
        y = f[:, 1]
        ok = np.isfinite(rel_v) & np.isfinite(y) & active
        if ok.sum() < 10:
            continue
        low = y[ok] >= np.percentile(y[ok], 70)  # image y grows downwards: the low foot
        votes.append(np.median(rel_v[ok][low]))
        scales.append(np.median(np.abs(rel_v[ok])))
    if not votes:
        return 0, 0.0
    v = float(np.mean(votes))
    scale = float(np.mean(scales)) + 1e-6
    return -_sign(v), float(min(1.0, abs(v) / scale))


# --- running or walking ----------------------------------------------------------------------


def _crossings(spread: np.ndarray, t: np.ndarray, step_s: float, active: np.ndarray) -> np.ndarray:
    """Frames where the legs pass each other (|spread| minima, about one per step)."""
    fps = _fps(t)
    x = np.where(active, np.abs(spread), np.nan)
    ok = np.isfinite(x)
    if ok.sum() < 5:
        return np.array([], int)
    filled = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
    amp = np.nanpercentile(x, 90)
    pk, _ = find_peaks(-filled, distance=max(1, int(0.6 * step_s * fps)), prominence=0.2 * amp)
    return pk[ok[pk]]


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


# --- cadence ---------------------------------------------------------------------------------


def _cadence(g: Gait, crossings: np.ndarray, t: np.ndarray, step_s: float) -> None:
    """Cadence from consistent step intervals, cross-checked with the leg-motion frequency."""
    freq_spm = 60.0 / step_s
    iv = np.diff(t[crossings]) if len(crossings) >= 2 else np.array([])
    iv = iv[(iv > 0.6 * step_s) & (iv < 1.5 * step_s)]  # a missed or an extra crossing is no step
    steps_spm = None
    consistent = 0.0
    if len(iv) >= 3:
        med = float(np.median(iv))
        keep = np.abs(iv - med) <= 0.2 * med
        consistent = float(keep.mean())
        if keep.sum() >= 3:
            steps_spm = 60.0 / float(iv[keep].mean())
            q1, q3 = np.percentile(60.0 / iv[keep], [25, 75])
            g.cadence_iqr_spm = float(q3 - q1)
    check = {"from_steps_spm": None if steps_spm is None else round(steps_spm, 1),
             "from_leg_frequency_spm": round(freq_spm, 1), "step_intervals": int(len(iv)),
             "consistent_fraction": round(consistent, 2)}  # fmt: skip
    if steps_spm is not None and consistent >= 0.6:
        g.cadence_spm, g.cadence_source = steps_spm, "steps"
    else:
        g.cadence_spm, g.cadence_source = freq_spm, "leg_frequency"
    if steps_spm is not None:
        check["agree"] = bool(abs(steps_spm - freq_spm) <= 0.08 * freq_spm)
        if not check["agree"]:
            check["note"] = (f"step intervals give {steps_spm:.0f} and the leg motion's frequency "
                             f"{freq_spm:.0f} steps/min; used the {g.cadence_source.replace('_', ' ')}")  # fmt: skip
    g.cadence_check = check


# --- view ------------------------------------------------------------------------------------


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


# --- the whole analysis ----------------------------------------------------------------------


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
    windows = _windows(pos, t, face, spread, pos_unit, win_s, treadmill, dead, opts)
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
        conf = g.locomotion_confidence if s["movement"].endswith(("_running", "_walking")) else 0.5
        s["confidence"] = round(conf, 3)
        if out and out[-1]["movement"] == s["movement"]:
            out[-1]["end_s"] = s["end_s"]
        else:
            out.append(s)
    return out
