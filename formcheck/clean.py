"""Clean a raw pose series for offline analysis.

Order matters: left/right swaps are repaired first (a swapped frame looks like a huge jump), then
outliers are rejected, short gaps filled, and a zero-lag Butterworth low-pass applied to each run
of valid frames. Long gaps stay missing: nothing is invented.
"""

from __future__ import annotations

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


def repair_leg_swaps(xy: np.ndarray, t: np.ndarray) -> int:
    """Undo left/right leg swaps in place; returns the number of frames changed.

    In side views MediaPipe often swaps the legs' labels as they pass each other, and keeps the
    wrong labels for a while. In steady gait the legs cross once per step, so the horizontal
    distance between the feet changes sign at every crossing. The series is cut where the feet
    meet; the segments must alternate in sign, and a segment that does not is a swapped one.
    """
    left = [L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX]
    right = [L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]
    diff = xy[:, left, 0] - xy[:, right, 0]
    counts = np.isfinite(diff).sum(axis=1)
    d = np.where(counts > 0, np.nansum(diff, axis=1) / np.maximum(counts, 1), np.nan)
    ok = np.isfinite(d)
    if ok.sum() < 10 or len(t) < 10:
        return 0
    leg = np.nanmedian(np.linalg.norm(xy[:, L.LEFT_HIP] - xy[:, L.LEFT_ANKLE], axis=-1))
    d = np.interp(np.arange(len(d)), np.flatnonzero(ok), d[ok])
    amplitude = np.percentile(np.abs(d), 90)
    if not np.isfinite(leg) or amplitude < 0.3 * leg:
        return 0  # feet never far apart: no gait to read the crossings from
    fps = (len(t) - 1) / max(t[-1] - t[0], 1e-6)
    touches, _ = find_peaks(-np.abs(d), distance=max(1, int(0.15 * fps)), height=-0.25 * amplitude)
    bounds = [0, *touches.tolist(), len(d)]
    segs = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    signs = np.array([np.sign(np.median(d[a:b])) for a, b in segs])
    lengths = np.array([b - a for a, b in segs])
    expected = np.array([(-1) ** k for k in range(len(segs))])
    if (lengths * (signs == expected)).sum() < (lengths * (signs == -expected)).sum():
        expected = -expected
    perm = np.arange(xy.shape[1])
    for lm_l, lm_r in ((L.LEFT_KNEE, L.RIGHT_KNEE), *zip(left, right, strict=True)):
        perm[lm_l], perm[lm_r] = lm_r, lm_l
    fixed = 0
    for (a, b), sign, exp in zip(segs, signs, expected, strict=True):
        if sign != 0 and sign != exp:
            xy[a:b] = xy[a:b][:, perm]
            fixed += b - a
    return fixed


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


def _lowpass(y: np.ndarray, fps: float, cutoff_hz: float) -> None:
    """Zero-lag Butterworth (2nd order, run forward and back) on each valid run; in place."""
    if cutoff_hz >= fps / 2 * 0.95:
        return
    sos = butter(2, cutoff_hz, fs=fps, output="sos")
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
