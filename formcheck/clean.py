"""Clean a raw pose series for offline analysis.

Order matters: left/right swaps are repaired first (a swapped frame looks like a huge jump), then
outliers are rejected, short gaps filled, and a zero-lag Butterworth low-pass applied to each run
of valid frames. Long gaps stay missing: nothing is invented.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


@dataclass(frozen=True)
class CleanOptions:
    """Cleaning settings.

    Attributes:
        max_gap_s: gaps up to this long are filled by interpolation; longer ones stay missing.
        outlier_mad_k: a landmark whose frame-to-frame jump exceeds k x MAD of its jumps (and
            `outlier_min_jump`) is rejected.
        outlier_min_jump: jumps smaller than this (fraction of frame height) are never outliers.
        cutoff_hz: low-pass cutoff; None = chosen from the frame rate (reference §4).
        min_visibility: landmarks less visible than this count as missing.
    """

    max_gap_s: float = 0.25
    outlier_mad_k: float = 8.0
    outlier_min_jump: float = 0.05
    cutoff_hz: float | None = None
    min_visibility: float = 0.2


@dataclass
class CleanStats:
    """What cleaning changed, for the report."""

    swapped_frames_repaired: int = 0
    outliers_rejected: int = 0
    frames_filled: int = 0
    cutoff_hz: float = 0.0


#: Step periods the swap repair looks for (72–240 steps/min, as the gait stage).
STEP_PERIOD_S = (0.25, 0.85)
_LEFT_FOOT = [L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX]
_RIGHT_FOOT = [L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]


def _foot_spread(xy: np.ndarray) -> np.ndarray:
    """(T,) left minus right foot x (ankle, heel, toe averaged); NaN where no foot is seen."""
    diff = xy[:, _LEFT_FOOT, 0] - xy[:, _RIGHT_FOOT, 0]
    counts = np.isfinite(diff).sum(axis=1)
    mean = np.nansum(np.nan_to_num(diff), axis=1) / np.maximum(counts, 1)
    return np.where(counts > 0, mean, np.nan)


def autocorrelation(x: np.ndarray) -> np.ndarray | None:
    """Autocorrelation of `x` (mean removed) at lags 0..N−1, 1 at lag 0, each lag divided by its
    number of terms (unbiased); None for a constant signal. By FFT: a 10-minute 60 fps series
    takes milliseconds, not the seconds of a direct sum."""
    a = np.asarray(x, np.float64) - np.mean(x)
    n = len(a)
    spec = np.fft.rfft(a, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec), 2 * n)[:n]
    if ac[0] <= 1e-12 * n:
        return None
    return ac / ac[0] * n / (n - np.arange(n))


def step_period_frames(apart: np.ndarray, fps: float) -> float | None:
    """The step period in frames, from the autocorrelation of how far apart the feet are.

    `apart` is |left − right| foot x, gaps filled: it dips once per step whichever foot is which,
    so swapped labels do not change it. The period is the first clear autocorrelation peak in
    the step range, even when a later one is higher: a glitch that comes back once a stride
    lifts the stride's peak, and too long a period would join real crossings (too short a one
    only makes the repair as strict as it was without it). None when there is no peak.
    """
    lo, hi = int(STEP_PERIOD_S[0] * fps), min(int(np.ceil(STEP_PERIOD_S[1] * fps)), len(apart) // 2)
    if hi <= lo + 2:
        return None
    ac = autocorrelation(apart)
    if ac is None:
        return None
    peaks, props = find_peaks(ac[lo : hi + 1], height=0.1)
    if not len(peaks):
        return None
    heights = props["peak_heights"]
    return float(peaks[np.flatnonzero(heights >= 0.35 * heights.max())[0]] + lo)


#: What each cut chosen by `_choose_crossings` earns: a cut near a clip's end, where the partial
#: step costs nothing either way, is kept when it fits; a glitch half a step from a crossing is not.
_CUT_GAIN = 0.2


def _choose_crossings(cands: np.ndarray, depth: np.ndarray, n: int, step: float) -> list[int]:
    """The candidate meetings of the feet that are crossings: one a step, as regular as can be.

    A path through the candidates (dynamic programming) pays for each gap between chosen cuts by
    its squared relative distance from the step period, and a little for how far apart the feet
    still are at a cut (`depth`, in amplitudes of their spread: 0 = touching). A glitch mid-step
    or a second meeting in the jitter where the legs overlap splits one step in two, which costs
    more than skipping it; a real crossing left out doubles a gap, which costs more still. The
    partial steps before the first cut and after the last cost only what they exceed a step by.
    """
    m = len(cands)
    if m == 0:
        return []
    cost = np.empty(m)
    prev = np.full(m, -1)
    reach = np.searchsorted(cands, cands - 3.0 * step)  # predecessors up to three steps back
    for j in range(m):
        cost[j] = max(0.0, cands[j] / step - 1.0) ** 2  # the first cut
        if j > reach[j]:
            i = np.arange(reach[j], j)
            c = cost[i] + ((cands[j] - cands[i]) / step - 1.0) ** 2
            k = int(np.argmin(c))
            if c[k] < cost[j]:
                cost[j], prev[j] = c[k], i[k]
        cost[j] += depth[j] - _CUT_GAIN
    total = cost + np.maximum(0.0, (n - cands) / step - 1.0) ** 2
    j = int(np.argmin(total))
    if total[j] >= max(0.0, n / step - 1.0) ** 2:
        return []  # no cut at all fits better (a clip shorter than a step or two)
    path = []
    while j >= 0:
        path.append(int(cands[j]))
        j = int(prev[j])
    return path[::-1]


def repair_leg_swaps(xy: np.ndarray, t: np.ndarray) -> int:
    """Undo left/right leg swaps in place; returns the number of frames changed.

    In side views MediaPipe often swaps the legs' labels as they pass each other, and keeps the
    wrong labels for a while. In steady gait the legs cross once per step, so the horizontal
    distance between the feet changes sign at every crossing. The series is cut where the feet
    meet; the segments must alternate in sign, and a segment that does not is a swapped one.

    Not every meeting is a crossing: where the legs overlap, the model's feet jitter and meet
    twice, and a glitch can put one foot on the other for a few frames mid-step. One false cut
    would flip the expected sign of every segment after it, so the cuts are chosen among the
    meetings as the most regular sequence one step period apart (`_choose_crossings`; the period
    comes from how far apart the feet are, which swaps leave alone). Single frames inside a
    segment with the feet clearly on the wrong side (labels flickering away from a cut) are
    swapped back one by one.
    """
    d = _foot_spread(xy)
    ok = np.isfinite(d)
    if ok.sum() < 10 or len(t) < 10:
        return 0
    leg = np.nanmedian(np.linalg.norm(xy[:, L.LEFT_HIP] - xy[:, L.LEFT_ANKLE], axis=-1))
    d = np.interp(np.arange(len(d)), np.flatnonzero(ok), d[ok])
    amplitude = np.percentile(np.abs(d), 90)
    if not np.isfinite(leg) or amplitude < 0.3 * leg:
        return 0  # feet never far apart: no gait to read the crossings from
    fps = (len(t) - 1) / max(t[-1] - t[0], 1e-6)
    step = step_period_frames(np.abs(d), fps)
    low = -0.25 * amplitude
    if step is not None:  # every meeting is a candidate: the regular path through them decides
        touches, _ = find_peaks(-np.abs(d), height=low)
        depth = np.abs(d[touches]) / amplitude
        touches = np.array(_choose_crossings(touches, depth, len(d), step), int)
    else:
        touches, _ = find_peaks(-np.abs(d), distance=max(1, int(0.15 * fps)), height=low)
    bounds = [0, *touches.tolist(), len(d)]
    segs = list(zip(bounds, bounds[1:], strict=False))
    signs = np.array([np.sign(np.median(d[a:b])) for a, b in segs])
    lengths = np.array([b - a for a, b in segs])
    expected = np.array([(-1) ** k for k in range(len(segs))])
    if (lengths * (signs == expected)).sum() < (lengths * (signs == -expected)).sum():
        expected = -expected
    perm = np.arange(xy.shape[1])
    for lm_l, lm_r in ((L.LEFT_KNEE, L.RIGHT_KNEE), *zip(_LEFT_FOOT, _RIGHT_FOOT, strict=True)):
        perm[lm_l], perm[lm_r] = lm_r, lm_l
    swap = np.zeros(len(d), bool)
    for (a, b), sign, exp in zip(segs, signs, expected, strict=True):
        if sign != 0 and sign != exp:
            swap[a:b] = True
        if step is not None:  # the flicker of single frames, judged against the segment's side
            side = -exp if swap[a] else exp
            swap[a:b] ^= (np.sign(d[a:b]) == -side) & (np.abs(d[a:b]) > 0.25 * amplitude) & ok[a:b]
    xy[swap] = xy[swap][:, perm]
    return int(swap.sum())


def _reject_outliers(xy: np.ndarray, k: float, min_jump: float) -> int:
    jumps = np.linalg.norm(np.diff(xy, axis=0), axis=-1)  # (T-1, 33)
    med = np.nanmedian(jumps, axis=0)
    mad = np.nanmedian(np.abs(jumps - med), axis=0) + 1e-6
    limit = np.maximum(med + k * 1.4826 * mad, min_jump)
    bad_jump = jumps > limit
    # A spike is a jump in and a jump straight back out.
    spike = np.zeros(xy.shape[:2], bool)
    spike[1:-1] = bad_jump[:-1] & bad_jump[1:]
    xy[spike] = np.nan
    return int(spike.sum())


def _runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], valid.astype(np.int8), [0]))))
    return list(zip(edges[::2], edges[1::2], strict=True))


def _fill_gaps(y: np.ndarray, t: np.ndarray, max_gap_s: float) -> int:
    """Linear interpolation over interior gaps not longer than max_gap_s; in place on 1-D y."""
    valid = ~np.isnan(y)
    if valid.sum() < 2:
        return 0
    filled = 0
    for start, end in _runs(~valid):
        if start == 0 or end == len(y):
            continue
        if t[end] - t[start - 1] > max_gap_s:
            continue
        y[start:end] = np.interp(t[start:end], (t[start - 1], t[end]), (y[start - 1], y[end]))
        filled += end - start
    return filled


@functools.lru_cache(maxsize=8)
def _butter_sos(cutoff_hz: float, fps: float) -> np.ndarray:
    """The 2nd-order low-pass's sections: designed once per clip, not once per coordinate."""
    return butter(2, cutoff_hz, fs=fps, output="sos")


def _lowpass(y: np.ndarray, fps: float, cutoff_hz: float) -> None:
    """Zero-lag Butterworth (2nd order, run forward and back) on each valid run; in place."""
    if cutoff_hz >= fps / 2 * 0.95:
        return
    sos = _butter_sos(cutoff_hz, fps).copy()  # SciPy's filter wants a writable array
    for start, end in _runs(~np.isnan(y)):
        if end - start > 15:
            y[start:end] = sosfiltfilt(sos, y[start:end])


def default_cutoff_hz(fps: float) -> float:
    """6 Hz at 30 fps rising to 8 Hz at >= 60 fps (reference §4)."""
    return float(np.clip(6.0 + (fps - 30.0) / 15.0, 6.0, 8.0))


def clean(raw: PoseSeries, options: CleanOptions = CleanOptions()) -> tuple[PoseSeries, CleanStats]:
    """The cleaned copy of `raw` and what was changed."""
    s = raw.copy()
    stats = CleanStats()
    t = s.t_s
    fps = (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 30.0
    low = s.visibility < options.min_visibility
    s.xy[low] = np.nan
    stats.swapped_frames_repaired = repair_leg_swaps(s.xy, t)
    stats.outliers_rejected = _reject_outliers(s.xy, options.outlier_mad_k, options.outlier_min_jump)
    cutoff = options.cutoff_hz or default_cutoff_hz(fps)
    stats.cutoff_hz = cutoff
    before = int(np.isnan(s.xy[:, :, 0]).sum())
    for j in range(s.xy.shape[1]):
        for c in range(2):
            y = s.xy[:, j, c].astype(np.float64)
            _fill_gaps(y, t, options.max_gap_s)
            _lowpass(y, fps, cutoff)
            s.xy[:, j, c] = y
        v = s.visibility[:, j].astype(np.float64)
        _fill_gaps(v, t, options.max_gap_s)
        s.visibility[:, j] = np.where(np.isnan(s.xy[:, j, 0]), np.nan, v)
    stats.frames_filled = before - int(np.isnan(s.xy[:, :, 0]).sum())
    return s, stats
