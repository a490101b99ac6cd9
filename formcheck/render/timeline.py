"""The timeline strip on the video, with a playhead at the frame: over the bottom of the picture
(semi-transparent; where the athlete's legs cross it they show through), or `below` it, on rows
added under the picture (a taller canvas), so that it never covers the feet."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.render.geometry import boxes, finite_at
from formcheck.render.scene import Scene
from formcheck.render.strip import StripArt
from formcheck.render.style import BACKDROP_RGB

_FEET = (
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
    L.LEFT_HEEL,
    L.RIGHT_HEEL,
    L.LEFT_FOOT_INDEX,
    L.RIGHT_FOOT_INDEX,
)
#: The rows below the picture (BGR): the strip's backdrop, opaque.
BAND_BGR = BACKDROP_RGB[::-1]


class Timeline:
    """The strip and its playhead at frame `i` (clamped to the clip: it shows on every frame).

    With `below`, the strip goes on `rows_below` rows under the picture: draw on `canvas(picture)`
    (the picture on top, unchanged). Its height keeps the canvas' height even (4:2:0 video).
    Without a strip (no failing cue, no step) nothing is drawn and no rows are added.
    """

    def __init__(self, scene: Scene, below: bool = False) -> None:
        self.scene, self.below = scene, below
        art = StripArt(scene)
        self.sprite = art.sprite
        sz = scene.sz
        self.thick = max(2, round(sz.unit * 2))  # the playhead's
        self.rise = round(sz.small * 0.5)  # how far the playhead reaches above the strip
        self.rows_below = 0
        if self.sprite is None:
            self.xy = (0, 0)
        elif below:
            top = self.rise + 3 * self.thick  # room for the playhead's head, under the picture
            self.xy = (sz.margin, scene.h + top)
            rows = top + self.sprite.h + sz.margin
            self.rows_below = rows + (scene.h + rows) % 2
        else:
            self.xy = (sz.margin, scene.h - sz.margin - self.sprite.h)
        self.x_range = (self.xy[0] + art.span[0], self.xy[0] + art.span[1])
        # The lower legs and feet: over the picture, the strip lets them through.
        self.feet = boxes(scene.px[:, [L.LEFT_KNEE, L.RIGHT_KNEE, *_FEET]])

    def canvas(self, picture: np.ndarray) -> np.ndarray:
        """The frame to draw on: `picture` itself, or (`below`) a copy with the strip's rows added
        under it."""
        if not self.rows_below:
            return picture
        h, w = picture.shape[:2]
        out = np.empty((h + self.rows_below, w, 3), np.uint8)
        out[:h] = picture
        out[h:] = BAND_BGR
        return out

    def strip_rect(self) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) of the timeline strip, or None when there is none."""
        if self.sprite is None:
            return None
        x, y = self.xy
        return x, y, x + self.sprite.w, y + self.sprite.h

    def _legs_span(self, j: int, y: int, lo: int, hi: int) -> tuple[int, int] | None:
        """The x range of the athlete's lower legs and feet at frame `j` when they reach down
        past `y`, clipped to [lo, hi)."""
        b = finite_at(self.feet, j)
        if b is None or not b[3] > y:
            return None
        x0, x1 = max(lo, int(b[0])), min(hi, int(b[2]))
        return (x0, x1) if x1 > x0 else None

    def annotate(self, frame: np.ndarray, i: int) -> None:
        if self.sprite is None:
            return
        x, y = self.xy
        j = self.scene.clamp(i)
        strip = self.sprite
        hole = None if self.below else self._legs_span(j, y, x, x + strip.w)
        keep = frame[y : y + strip.h, hole[0] : hole[1]].copy() if hole else None
        strip.blit(frame, x, y)
        if hole:  # where the athlete's legs cross the strip, let them show through
            region = frame[y : y + strip.h, hole[0] : hole[1]]
            region[:] = cv2.addWeighted(keep, 0.7, region, 0.3, 0)
        lx, rx = self.x_range
        px = lx + int((j + 0.5) * (rx - lx) / self.scene.n)
        th = self.thick
        top, bottom = y - self.rise, y + strip.h
        cv2.line(frame, (px, top), (px, bottom), (20, 20, 20), th + 2)
        cv2.line(frame, (px, top), (px, bottom), (255, 255, 255), th)
        tri = np.array(
            [[px - th * 2, top - th * 2], [px + th * 2, top - th * 2], [px, top + th]], np.int32
        )
        cv2.fillPoly(frame, [tri], (255, 255, 255), cv2.LINE_AA)
