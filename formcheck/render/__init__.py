"""The overlay drawn on the annotated video, and the key frames kept for the report.

The overlay is made of small annotators, each drawing one thing of a frame from one input, the
clip's `Scene` (its cleaned pose in pixels, its report and the style, prepared once), through one
method, `annotate(frame, i)`: `Hud` (the heads-up panel and its cue badges), `Timeline` (the
cue-state strip and its playhead), `Skeleton`, the angle marks `TrunkLean`, `KneeFlexion` and
`ArmSwing`, and `ContactMarkers`; `KeyFrames` picks the report's frames the same way. `Overlay`
composes them. Every annotator gets its points through `Scene.pose` / `Pose`, which hand out only
what exists: frames with holes, without a pose or past the clip's ends draw what they can.

Modules: `style` (statuses, colours, sizes), `sprites` (text and badges), `geometry`, `scene`,
`skeleton`, `angles`, `contacts`, `panel` + `hud`, `strip` + `timeline`, `overlay`, `keyframes`.
"""

from formcheck.render.angles import ArmSwing, KneeFlexion, TrunkLean
from formcheck.render.contacts import ContactMarkers
from formcheck.render.geometry import finite_at
from formcheck.render.hud import Hud
from formcheck.render.keyframes import KeyFrames, grab_key_frames
from formcheck.render.overlay import Overlay
from formcheck.render.panel import PanelArt
from formcheck.render.scene import Annotator, Pose, PoseAnnotator, Scene, short_label
from formcheck.render.skeleton import Skeleton, paint_skeleton
from formcheck.render.sprites import Labels, Sprite, font, status_icon, text_image
from formcheck.render.strip import StripArt
from formcheck.render.style import (
    BODIES,
    COLOURS,
    FAIR,
    GOOD,
    NONE,
    NOT_ASSESSED,
    PART_BODY,
    POOR,
    STATES,
    DrawStyle,
    Sizes,
)
from formcheck.render.timeline import Timeline

__all__ = [
    "BODIES",
    "COLOURS",
    "FAIR",
    "GOOD",
    "NONE",
    "NOT_ASSESSED",
    "PART_BODY",
    "POOR",
    "STATES",
    "Annotator",
    "ArmSwing",
    "ContactMarkers",
    "DrawStyle",
    "Hud",
    "KeyFrames",
    "KneeFlexion",
    "Labels",
    "Overlay",
    "PanelArt",
    "Pose",
    "PoseAnnotator",
    "Scene",
    "Sizes",
    "Skeleton",
    "Sprite",
    "StripArt",
    "Timeline",
    "TrunkLean",
    "finite_at",
    "font",
    "grab_key_frames",
    "paint_skeleton",
    "short_label",
    "status_icon",
    "text_image",
]
