"""Foot contacts (a foot low and still relative to the ground) and the duty factor they give."""

from __future__ import annotations

import numpy as np

from formcheck.gait.arrays import _fps, _rolling_max, _runs
from formcheck.gait.options import GaitOptions
from formcheck.gait.result import SIDES, Contact
from formcheck.gait.signals import foot_points


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
