"""Causal smoothing for live use: the One Euro filter, vectorised over landmarks.

Offline analysis low-passes a whole clip forwards and backwards (zero lag, see `formcheck.clean`);
a live preview cannot look ahead. The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) is a
first-order low-pass whose cutoff rises with the signal's speed: a still joint is smoothed hard
(no jitter), a fast one lightly (little lag). Here every point of an array (e.g. the 33 landmarks
of a pose) has its own cutoff, driven by that point's speed (the norm over the last axis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroOptions:
    """Settings of the One Euro filter, for coordinates in units of frame height or width.

    Attributes:
        min_cutoff_hz: cutoff of a point at rest; lower = less jitter, more lag when slow.
        beta_s: how fast the cutoff rises with speed (cutoff += beta_s x speed, speed in units/s);
            higher = less lag in fast movement.
        d_cutoff_hz: cutoff of the low-pass applied to the speed estimate itself.
    """

    min_cutoff_hz: float = 1.5
    beta_s: float = 2.0
    d_cutoff_hz: float = 1.0


def smoothing_factor(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    """Weight of the new sample in an exponential low-pass with this cutoff and time step.

    >>> round(smoothing_factor(1.0 / (2 * math.pi), 1.0), 3)
    0.5
    """
    tau_s = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, np.float64))
    return 1.0 / (1.0 + tau_s / dt_s)


class OneEuroFilter:
    """One Euro filter over arrays of points, fed one sample at a time.

    Missing values (NaN) pass through as NaN and restart the filter for that point, so a joint
    that reappears is not dragged in from where it was last seen.

    Example:
        >>> f = OneEuroFilter()
        >>> f(np.array([[0.5, 0.5]]), 0.0).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, options: OneEuroOptions = OneEuroOptions()) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        """Forget every point's history (the next sample passes unchanged)."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t_s: float | None = None

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        """Filter one sample.

        Args:
            x: ndarray of shape (..., D): points with D coordinates (the last axis); NaN = missing.
            t_s: the sample's time in seconds; must increase from call to call.

        Returns:
            The filtered sample, float64, same shape as `x`.
        """
        x = np.asarray(x, np.float64)
        if self._x is None or self._t_s is None or self._x.shape != x.shape or t_s <= self._t_s:
            self._x, self._dx, self._t_s = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        o = self.options
        dt_s = t_s - self._t_s
        # A point missing now or before restarts from its new value, with no speed.
        fresh = ~(np.isfinite(x) & np.isfinite(self._x)).all(axis=-1, keepdims=True)
        prev_x = np.where(fresh, x, self._x)
        prev_dx = np.where(fresh, 0.0, self._dx)
        dx = smoothing_factor(o.d_cutoff_hz, dt_s) * ((x - prev_x) / dt_s - prev_dx) + prev_dx
        speed = np.linalg.norm(dx, axis=-1, keepdims=True)
        alpha = smoothing_factor(o.min_cutoff_hz + o.beta_s * speed, dt_s)
        out = prev_x + alpha * (x - prev_x)
        self._x, self._dx, self._t_s = out, dx, t_s
        return out.copy()
