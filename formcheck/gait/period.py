"""The step period: the first clear peak of the feet's spread's autocorrelation, gaps masked out."""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from formcheck.gait.arrays import _fps
from formcheck.gait.options import GaitOptions


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
