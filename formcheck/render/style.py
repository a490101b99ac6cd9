"""What the overlay draws with: the cue statuses and their colours, the body parts, and the
sizes and opacities (`DrawStyle`) scaled to one frame size (`Sizes`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Status names in code order: per-frame states are stored as indices into this tuple.
STATES = ("good", "fair", "poor", "not_assessed", "none")
GOOD, FAIR, POOR, NOT_ASSESSED, NONE = range(len(STATES))
#: BGR colour of each status.
COLOURS = {
    "good": (80, 175, 76),
    "fair": (0, 180, 255),
    "poor": (40, 40, 220),
    "not_assessed": (170, 170, 170),
    "none": (235, 235, 235),
}
PART_BODY = {
    "head": "head",
    "trunk": "trunk",
    "left_arm": "arms",
    "right_arm": "arms",
    "left_leg": "legs",
    "right_leg": "legs",
}
BODIES = ("head", "trunk", "arms", "legs")
#: The colours in code order, for per-frame code arrays.
PALETTE = np.array([COLOURS[s] for s in STATES], np.uint8)
#: Worst-of ranking of the codes; not assessed / none never win.
SEVERITY = np.array([1, 2, 3, 0, 0], np.int8)
#: Foot contacts: the markers on the ground and the strip's step ticks.
CONTACT_BGR = (255, 230, 0)
#: RGB of the score box per grade.
_GREEN, _AMBER, _RED = (26, 127, 55), (181, 129, 0), (198, 40, 40)
GRADE_RGB = {"A": _GREEN, "B": _GREEN, "C": _AMBER, "D": _RED, "E": _RED}
#: The panel's and the strip's background (RGB, as the sprites are drawn).
BACKDROP_RGB = (12, 14, 18)


@dataclass(frozen=True)
class DrawStyle:
    """What the overlay looks like; sizes are in units of min(width, height) / 720."""

    text_px: float = 21.0  # heads-up text height at 720p
    min_text_px: int = 12  # floor that keeps text legible on small clips
    line_px: float = 3.0  # skeleton line thickness at 720p
    panel_alpha: int = 165  # 0–255 opacity of the panel's background
    strip_alpha: int = 110  # 0–255 opacity of the strip's background (the feet show through)
    panel_max_height: float = 0.45  # of the frame height
    strip_max_height: float = 0.2  # of the frame height
    contact_marker_s: float = 0.3  # how long a foot-contact marker stays


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes for one frame size."""

    unit: float
    text: int
    small: int
    line: int
    margin: int

    @classmethod
    def for_frame(cls, width: int, height: int, style: DrawStyle) -> Sizes:
        """Sizes scaled with the frame (1 unit = 720p), text never below the style's floor."""
        unit = min(width, height) / 720.0
        text = max(style.min_text_px, round(style.text_px * unit))
        return cls(
            unit=unit,
            text=text,
            small=max(style.min_text_px - 1, round(text * 0.8)),
            line=max(2, round(style.line_px * unit)),
            margin=max(6, round(12 * unit)),
        )
