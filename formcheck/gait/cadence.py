"""Steps and cadence: the frames where the legs pass each other, and the cadence from their
intervals, checked against the leg motion's frequency."""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from formcheck.gait.arrays import _fps
from formcheck.gait.result import Gait


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
