"""What the gait stage found: the `Gait` of a clip and its foot `Contact`s."""

from __future__ import annotations

from dataclasses import dataclass, field

SIDES = ("left", "right")


@dataclass
class Contact:
    """One foot contact: initial contact (IC) to toe-off (TO)."""

    foot: str
    ic_frame: int
    to_frame: int | None
    ic_s: float
    to_s: float | None


@dataclass
class Gait:
    """Everything the gait stage found."""

    facing: int  # +1 image right, -1 image left, 0 unknown
    facing_confidence: float
    travel: int  # +1, -1, 0 (none); on the depth axis +1 = toward the camera
    travel_source: str  # "image" | "body" (treadmill: from the stance foot) | "none"
    travel_confidence: float
    speed_legs_s: float  # hip speed in the image, leg lengths per second (signed)
    leg_length: float  # frame-height units
    view: str  # side | oblique | front | back | unknown
    near_side: str | None  # "left"/"right": the side facing the camera in side/oblique views
    treadmill: bool = False
    axis: str = "image_x"  # "image_x" (across the picture) | "depth" (toward / away from the camera)
    contacts: list[Contact] = field(default_factory=list)
    cadence_spm: float | None = None
    cadence_iqr_spm: float | None = None
    cadence_source: str = "none"
    cadence_check: dict = field(default_factory=dict)
    step_period_s: float | None = None
    duty_factor: float | None = None
    duty_factor_uncertainty: float | None = None
    contact_time_s: float | None = None
    contact_time_uncertainty_s: float | None = None
    slow_motion_suspected: bool = False
    locomotion: str = "unknown"  # running | walking | stationary | unknown
    locomotion_confidence: float = 0.0
    locomotion_signals: dict = field(default_factory=dict)
    movement: str = "other"
    movement_confidence: float = 0.0
    segments: list[dict] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)
