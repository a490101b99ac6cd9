"""The gait stage's thresholds, each a heuristic (see the reference)."""

from __future__ import annotations

from dataclasses import dataclass


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
