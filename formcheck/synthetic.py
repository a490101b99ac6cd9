"""Synthetic side-view gait: pose series with known cadence, lean, knee flexion and directions.

Used to check that the engine recovers what it should (tests and bench/accuracy.py). A 2D stick
figure is driven by a stride clock: in stance the foot is planted and moves against the travel
direction relative to the hips; in swing it returns, lifted. Knees come from two-link inverse
kinematics and bend towards the facing direction; the arms swing opposite to the legs (or with
a chosen phase error). Coordinates are in frame heights and may leave the [0, 1] frame on long
overground runs — the engine's geometry does not care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


@dataclass(frozen=True)
class GaitSpec:
    """What the synthetic athlete does.

    Attributes:
        facing: +1 faces image right, -1 image left.
        travel: +1 / -1 direction of travel (image); opposite to `facing` = backwards.
        treadmill: the hips stay put in the image (the belt moves), travel is still `travel`.
        running: flight phases (duty factor 0.38) vs walking (0.62); the pelvis is lowest at
            mid-stance when running and highest when walking.
        cadence_spm: steps per minute.
        speed_legs_s: speed in leg lengths per second.
        trunk_lean_deg: mean trunk lean, + = towards the facing direction.
        knee_stance_deg: peak knee flexion in stance (at mid-stance).
        arm_amplitude_deg: peak-to-peak shoulder flexion range.
        arm_phase_error_deg: 0 = each arm exactly opposite its own leg.
        elbow_deg: elbow flexion.
    """

    facing: int = 1
    travel: int = -1
    treadmill: bool = False
    running: bool = True
    cadence_spm: float = 176.0
    speed_legs_s: float = 2.4
    trunk_lean_deg: float = 7.0
    knee_stance_deg: float = 40.0
    arm_amplitude_deg: float = 50.0
    arm_phase_error_deg: float = 0.0
    elbow_deg: float = 90.0
    fps: float = 60.0
    duration_s: float = 8.0
    leg_frame_heights: float = 0.32
    noise: float = 0.0015
    dropout: float = 0.03
    seed: int = 0
    width: int = 1920
    height: int = 1080


def _foot_u(s: np.ndarray, duty: float, amp: float) -> tuple[np.ndarray, np.ndarray]:
    """Foot position along the travel axis relative to the hips (legs) and lift, per stride phase s."""
    u = np.empty_like(s)
    lift = np.zeros_like(s)
    st = s < duty
    u[st] = amp - 2 * amp * s[st] / duty
    sw = ~st
    q = (s[sw] - duty) / (1 - duty)
    u[sw] = -amp + 2 * amp * (1 - np.cos(np.pi * q)) / 2
    lift[sw] = 0.12 * np.sin(np.pi * q)
    return u, lift


def _knee(hip: np.ndarray, ankle: np.ndarray, thigh: float, shank: float, facing: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-link IK: knee position (bending towards `facing`); the ankle is pulled in if out of reach."""
    v = ankle - hip
    d = np.linalg.norm(v, axis=-1, keepdims=True)
    reach = 0.999 * (thigh + shank)
    ankle = np.where(d > reach, hip + v / d * reach, ankle)
    v = ankle - hip
    d = np.linalg.norm(v, axis=-1, keepdims=True)
    cos_a = np.clip((thigh**2 + d**2 - shank**2) / (2 * thigh * d), -1, 1)
    a = np.arccos(cos_a)[..., 0]
    unit = v / d
    # Rotate the hip→ankle direction by ±a; pick the side whose knee points towards `facing`.
    out = []
    for sign in (1, -1):
        c, s_ = np.cos(sign * a), np.sin(sign * a)
        rx = unit[..., 0] * c - unit[..., 1] * s_
        ry = unit[..., 0] * s_ + unit[..., 1] * c
        out.append(hip + thigh * np.stack([rx, ry], -1))
    pick = (out[0][..., 0] - hip[..., 0]) * facing >= (out[1][..., 0] - hip[..., 0]) * facing
    return np.where(pick[..., None], out[0], out[1]), ankle


def _rot_down(angle_deg: np.ndarray, facing: int) -> np.ndarray:
    """Unit vector pointing down, rotated towards `facing` by angle_deg (image coords, y down)."""
    a = np.radians(angle_deg)
    return np.stack([facing * np.sin(a), np.cos(a)], -1)


def generate(spec: GaitSpec) -> PoseSeries:
    """The pose series of the synthetic athlete (normalized coordinates, NaN dropouts)."""
    rng = np.random.default_rng(spec.seed)
    n = int(spec.duration_s * spec.fps)
    t = np.arange(n) / spec.fps
    leg = spec.leg_frame_heights
    thigh = shank = leg / 2
    stride_s = 120.0 / spec.cadence_spm
    duty = 0.38 if spec.running else 0.62
    amp = spec.speed_legs_s * duty * stride_s / 2  # stance: the hips pass over the planted foot
    f = spec.facing
    ground = 0.85
    k = np.radians(spec.knee_stance_deg)
    hip_h = np.sqrt(thigh**2 + shank**2 + 2 * thigh * shank * np.cos(k))  # hip–ankle at mid-stance
    hip_x0 = 0.9 * spec.width / spec.height
    if spec.treadmill:
        hip_x = np.full(n, hip_x0)
    else:  # centred on the frame at mid-clip
        hip_x = hip_x0 + spec.travel * spec.speed_legs_s * leg * (t - spec.duration_s / 2)
    # The pelvis bobs twice a stride: lowest at mid-stance in running (a spring), highest in
    # walking (an inverted pendulum) — Cavagna et al. 1977.
    s_left = (t / stride_s) % 1.0
    bob = (0.015 if spec.running else -0.012) * leg * (np.cos(2 * np.pi * 2 * (s_left - duty / 2)) - 1.0)
    hip = np.stack([hip_x, ground - 0.05 * leg - hip_h + bob], -1)
    xy = np.full((n, 33, 2), np.nan)
    vis = np.full((n, 33), 0.95)
    near = "RIGHT" if f > 0 else "LEFT"  # facing right, the camera sees the right side
    far = "LEFT" if near == "RIGHT" else "RIGHT"
    vis[:, [L[f"{far}_{p}"] for p in ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")]] = 0.75
    lean = spec.trunk_lean_deg + 2.0 * np.sin(2 * np.pi * 2 * t / stride_s)
    trunk = 0.55 * leg
    sho = hip + trunk * np.stack([f * np.sin(np.radians(lean)), -np.cos(np.radians(lean))], -1)
    ear = sho + 0.2 * leg * np.stack([f * np.sin(np.radians(lean)), -np.cos(np.radians(lean))], -1)
    xy[:, L.NOSE] = ear + np.array([f * 0.08 * leg, 0.01 * leg])
    for side, offset in (("LEFT", 0.0), ("RIGHT", 0.5)):
        s = (t / stride_s + offset) % 1.0
        u, lift = _foot_u(s, duty, amp)
        ankle = np.stack([hip_x + spec.travel * u * leg, np.full(n, ground - 0.05 * leg) - lift * leg], -1)
        knee, ankle = _knee(hip, ankle, thigh, shank, f)
        xy[:, L[f"{side}_HIP"]] = hip
        xy[:, L[f"{side}_KNEE"]] = knee
        xy[:, L[f"{side}_ANKLE"]] = ankle
        xy[:, L[f"{side}_HEEL"]] = ankle + np.array([-f * 0.06 * leg, 0.05 * leg])
        xy[:, L[f"{side}_FOOT_INDEX"]] = ankle + np.array([f * 0.17 * leg, 0.05 * leg])
        xy[:, L[f"{side}_SHOULDER"]] = sho
        xy[:, L[f"{side}_EAR"]] = ear
        # Arm opposite to its own leg: forward (towards facing) while the foot is behind.
        u_face = spec.travel * f * u
        lag = spec.arm_phase_error_deg / 360.0 * stride_s
        u_lag, _ = _foot_u((s - lag / stride_s) % 1.0, duty, amp)
        u_face_lag = spec.travel * f * u_lag
        arm = -spec.arm_amplitude_deg / 2 * u_face_lag / max(amp, 1e-9)
        del u_face
        arm_angle = arm + lean  # about the trunk line
        elbow = sho + 0.3 * leg * _rot_down(arm_angle, f)
        xy[:, L[f"{side}_ELBOW"]] = elbow
        xy[:, L[f"{side}_WRIST"]] = elbow + 0.28 * leg * _rot_down(arm_angle + spec.elbow_deg, f)
    for lm in range(33):
        if np.isnan(xy[:, lm, 0]).all():
            xy[:, lm] = xy[:, L.NOSE]
    xy += rng.normal(0.0, spec.noise, xy.shape)
    drop = rng.random(n) < spec.dropout
    xy[drop] = np.nan
    vis[drop] = np.nan
    xy[..., 0] /= spec.width / spec.height  # frame heights -> normalized x
    series = PoseSeries.empty(n, spec.width, spec.height)
    series.xy[:] = xy.astype(np.float32)
    series.visibility[:] = vis.astype(np.float32)
    series.world[:] = 0.0
    series.world[drop] = np.nan
    series.t_s[:] = t
    return series


def meta_for(spec: GaitSpec) -> dict:
    """The `meta` that `engine.evaluate` expects, for a synthetic clip."""
    return {
        "input": {"path": "synthetic", "sha256": "0" * 64, "fps": spec.fps, "frames": int(spec.duration_s * spec.fps),
                  "width": spec.width, "height": spec.height, "duration_s": spec.duration_s, "rotation_deg": 0, "codec": "none"},
        "model": {"name": "synthetic", "sha256": "0" * 64},
    }  # fmt: skip
