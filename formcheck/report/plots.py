"""The report's plots (matplotlib), each returned as PNG bytes.

Figures are built with the object API and rendered by the Agg canvas inside each function:
nothing touches pyplot or the global backend, so importing this module has no side effects and
plotting works on machines without a display.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

GOOD_RGB = "#1a7f37"
FAIR_RGB = "#b58100"
POOR_RGB = "#c62828"
LEFT_RGB = "#1f6feb"
RIGHT_RGB = "#d2691e"
SIZE_IN = (7.2, 2.5)
DPI = 110


def _render(draw: Callable, size_in: tuple[float, float] = SIZE_IN) -> bytes:
    """Build a figure with `draw(ax)` and return it as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size_in, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw(ax)
    ax.grid(True, alpha=0.25, linewidth=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _usable(*arrays: np.ndarray | None, least: int = 5) -> bool:
    return all(a is not None and np.isfinite(a).sum() >= least for a in arrays)


def _bands(ax, target: dict | None, label: str) -> None:
    """Shade the fair and good bands of a target (open ends run off the plot)."""
    if not target:
        return
    (g_lo, g_hi), (f_lo, f_hi) = target["good"], target["fair"]
    ax.axhspan(f_lo, min(f_hi, 1e4), color=FAIR_RGB, alpha=0.08, linewidth=0)
    ax.axhspan(g_lo, min(g_hi, 1e4), color=GOOD_RGB, alpha=0.15, linewidth=0, label=label)


def _keep_view(
    ax, data: list[np.ndarray], target: dict | None, robust: bool = False
) -> tuple[float, float]:
    """Scale the y axis to the data and the good band, not to open-ended bands (with `robust`,
    to the 10–90 % range widened, so one outlier does not flatten the rest)."""
    vals = np.concatenate([d[np.isfinite(d)] for d in data if d is not None] or [np.zeros(1)])
    lo, hi = float(vals.min()), float(vals.max())
    if robust and vals.size >= 3:
        med = float(np.median(vals))
        lo, hi = max(lo, 0.6 * med), min(hi, 1.5 * med)
    if target:
        g_lo, g_hi = target["good"]
        lo, hi = min(lo, g_lo), max(hi, g_hi if g_hi < 999 else g_lo)
    pad = (hi - lo) * 0.1 or 1.0
    ax.set_ylim(lo - pad, hi + pad)
    return lo - pad, hi + pad


def trunk_lean(t_s: np.ndarray, lean_deg: np.ndarray | None, target: dict | None) -> bytes | None:
    """Trunk lean over time (+ = towards the chest) with its target band."""
    if not _usable(lean_deg):
        return None

    def draw(ax) -> None:
        _bands(ax, target, "target")
        ax.plot(t_s, lean_deg, color="#24292f", linewidth=1.6, label="trunk lean")
        ax.axhline(0, color="#57606a", linewidth=0.8)
        _keep_view(ax, [lean_deg], target)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("lean (°), + forward")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=3)

    return _render(draw)


def knee_flexion(
    t_s: np.ndarray,
    left_deg: np.ndarray | None,
    right_deg: np.ndarray | None,
    steps: list[dict],
    stance_target: dict | None,
) -> bytes | None:
    """Knee flexion of each leg over time, with the foot contacts and the stance-peak target."""
    if not (_usable(left_deg) or _usable(right_deg)):
        return None

    def draw(ax) -> None:
        _bands(ax, stance_target, "target at stance peak")
        for name, values, colour in (("left", left_deg, LEFT_RGB), ("right", right_deg, RIGHT_RGB)):
            if _usable(values):
                ax.plot(t_s, values, color=colour, linewidth=1.5, label=f"{name} knee")
        for s in steps:
            if s.get("time_s") is not None:
                ax.axvline(
                    s["time_s"],
                    color=LEFT_RGB if s.get("foot") == "left" else RIGHT_RGB,
                    linewidth=0.8,
                    linestyle=":",
                    alpha=0.9,
                )
        _keep_view(ax, [left_deg, right_deg], stance_target)
        ax.set_xlabel("time (s)   ·   dotted: foot contacts")
        ax.set_ylabel("knee flexion (°)")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=3)

    return _render(draw)


def arm_leg(
    t_s: np.ndarray, arm_deg: np.ndarray | None, thigh_deg: np.ndarray | None, side: str
) -> bytes | None:
    """The near arm's swing and the same side's thigh over time: in good form they mirror each
    other (the arm swings back as that leg swings forward)."""
    if not _usable(arm_deg, thigh_deg):
        return None

    def draw(ax) -> None:
        ax.plot(t_s, arm_deg, color=LEFT_RGB, linewidth=1.5, label=f"{side} upper arm (+ forward)")
        ax.plot(t_s, thigh_deg, color=RIGHT_RGB, linewidth=1.5, label=f"{side} thigh (+ forward)")
        ax.axhline(0, color="#57606a", linewidth=0.8)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("angle (°)")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=2)

    return _render(draw)


def step_times(steps: list[dict], cadence_target: dict | None) -> bytes | None:
    """Cadence of each step (60 / time between successive foot contacts) over the clip."""
    times = np.array([s["time_s"] for s in steps if s.get("time_s") is not None], float)
    feet = [s.get("foot") for s in steps if s.get("time_s") is not None]
    if len(times) < 3:
        return None
    dt = np.diff(times)
    ok = dt > 0
    spm = np.where(ok, 60.0 / np.where(ok, dt, 1.0), np.nan)

    def draw(ax) -> None:
        _bands(ax, cadence_target, "target")
        lo, hi = _keep_view(ax, [spm], cadence_target, robust=True)
        off = (spm > hi) | (spm < lo)  # outliers (e.g. a doubtful contact) sit on the edge
        ax.plot(times[1:], np.where(off, np.nan, spm), color="#57606a", linewidth=1.0)
        colours = np.array([LEFT_RGB if f == "left" else RIGHT_RGB for f in feet[1:]])
        ax.scatter(times[1:][~off], spm[~off], c=colours[~off], s=22, zorder=3)
        if off.any():
            ax.scatter(
                times[1:][off],
                np.where(spm[off] > hi, hi, lo),
                marker="^",
                c="#57606a",
                s=40,
                zorder=4,
                clip_on=False,
                label="off the scale",
            )
        ax.axhline(
            float(np.nanmedian(spm)),
            color="#24292f",
            linewidth=1.0,
            linestyle="--",
            label=f"median {np.nanmedian(spm):.0f}",
        )
        ax.set_xlabel("time of contact (s)   ·   blue: left foot, orange: right foot")
        ax.set_ylabel("steps/min")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=3)

    return _render(draw)
