"""NaN-aware helpers over time series that the gait stages share: medians, signs, runs, the
frame rate, moving means and maxima."""

from __future__ import annotations

import numpy as np


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
