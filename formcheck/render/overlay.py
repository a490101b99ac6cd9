"""`Overlay`: one clip's results drawn onto its frames, a thin composition of the annotators.

Everything that depends only on the clip is prepared once, when the annotators are built (see
`Scene`): pixel coordinates, each cue's state per frame as small integer arrays, the heads-up
panel and the timeline strip as pre-rendered sprites (text drawn once with an antialiased
TrueType font). Per frame, the annotators only call cv2 line / circle / arc primitives and blend
a few small sprites, so the cost does not grow with full-frame pixel math.

Sizes scale with the frame: one unit is min(width, height) / 720, with a floor that keeps text
legible on small clips.
"""

from __future__ import annotations

import numpy as np

from formcheck.render.angles import ArmSwing, KneeFlexion, TrunkLean
from formcheck.render.contacts import ContactMarkers
from formcheck.render.hud import Hud
from formcheck.render.scene import Annotator, Scene
from formcheck.series import PoseSeries
from formcheck.render.skeleton import Skeleton
from formcheck.render.style import DrawStyle
from formcheck.render.timeline import Timeline


class Overlay:
    """Draws one clip's results onto its frames (BGR, in place).

    Args:
        series: the cleaned pose series the report was computed from.
        rep: the report dict (with `_frame_metrics` when available).
        width, height: the picture's size (any size: coordinates are normalized).
        style: sizes and opacities.
        strip_below: put the timeline strip on rows added under the picture (draw on
            `canvas(picture)`, of `canvas_size`) instead of over the picture's bottom (the live
            view's layout); then it never covers the athlete's feet.
    """

    def __init__(
        self,
        series: PoseSeries,
        rep: dict,
        width: int,
        height: int,
        style: DrawStyle = DrawStyle(),
        *,
        strip_below: bool = False,
    ) -> None:
        self.scene = scene = Scene.build(series, rep, width, height, style)
        self.series, self.rep, self.style = series, rep, style
        self.w, self.h, self.n = width, height, scene.n
        self.sz, self.boxes, self.sagittal = scene.sz, scene.boxes, scene.sagittal
        self.hud = Hud(scene)
        self.timeline = Timeline(scene, below=strip_below)
        # Lean, knee and arm angles are only true angles seen side-on.
        marks = [TrunkLean(scene), KneeFlexion(scene), ArmSwing(scene)] if scene.sagittal else []
        # The panel and the strip go first, so the athlete's skeleton stays on top where they meet.
        self.annotators: list[Annotator] = [
            self.hud, self.timeline, Skeleton(scene), *marks, ContactMarkers(scene),
        ]  # fmt: skip

    @property
    def canvas_size(self) -> tuple[int, int]:
        """(width, height) of the frames drawn: the picture's, plus the strip's rows below it."""
        return self.w, self.h + self.timeline.rows_below

    def canvas(self, picture: np.ndarray) -> np.ndarray:
        """The frame to draw `picture`'s overlay on: itself, or with the strip's rows added below."""
        return self.timeline.canvas(picture)

    def draw(self, img: np.ndarray, i: int) -> None:
        """Draw frame `i`'s overlay onto `img` (BGR, `canvas_size`), in place."""
        for annotator in self.annotators:
            annotator.annotate(img, i)

    def draw_hud(self, img: np.ndarray, i: int) -> None:
        """Only the heads-up panel of frame `i` (for views that draw their own skeleton)."""
        self.hud.annotate(img, i)

    def draw_timeline(self, img: np.ndarray, i: int) -> None:
        """Only the timeline strip with the playhead at frame `i`."""
        self.timeline.annotate(img, i)

    def panel_rect(self, i: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the heads-up panel at frame `i`."""
        return self.hud.panel_rect(i)

    def strip_rect(self) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) of the timeline strip, or None when there is none."""
        return self.timeline.strip_rect()

    def _segment_key(self, t_s: float) -> tuple[str, str, str]:
        return self.scene.segment_key(t_s)
