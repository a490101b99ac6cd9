"""The heads-up display: the panel in the top corner the athlete is not in (it moves to the
other corner before the athlete reaches it), each cue's badge showing its state at the frame."""

from __future__ import annotations

import numpy as np

from formcheck.render.panel import PanelArt
from formcheck.render.scene import Scene
from formcheck.render.sprites import status_icon
from formcheck.render.style import STATES


def _forward_any(flags: np.ndarray, frames: int) -> np.ndarray:
    """flags[i] or any of the next `frames` flags (look ahead, to move out of the way early)."""
    c = np.concatenate(([0], np.cumsum(flags.astype(np.int64))))
    idx = np.arange(len(flags))
    return c[np.minimum(idx + frames + 1, len(flags))] - c[idx] > 0


class Hud:
    """The heads-up panel of frame `i` (clamped to the clip: it shows on every frame)."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.art = PanelArt(scene)
        self.icons = {s: status_icon(s, round(scene.sz.text * 1.05)) for s in STATES}
        self.on_right = self._sides()

    def _sides(self) -> np.ndarray:
        """(T,) bool: the panel sits top-right (else top-left), away from the athlete."""
        s = self.scene
        m = s.sz.margin
        pw, ph = self.art.size
        b = s.boxes
        ahead = max(1, round(0.5 * s.fps))
        with np.errstate(invalid="ignore"):
            y_hit = b[:, 1] < m + ph
            left = _forward_any(y_hit & (b[:, 0] < m + pw), ahead)
            right = _forward_any(y_hit & (b[:, 2] > s.w - m - pw), ahead)
        on_right = bool(left.sum() > right.sum())
        out = np.zeros(s.n, bool)
        for i in range(s.n):
            here, there = (right[i], left[i]) if on_right else (left[i], right[i])
            if here and not there:
                on_right = not on_right
            out[i] = on_right
        return out

    def panel_rect(self, i: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the heads-up panel at frame `i`."""
        j = min(i, self.scene.n - 1)
        sprite, _ = self.art.panels[self.art.of_frame[j]]
        m = self.scene.sz.margin
        x = self.scene.w - m - sprite.w if self.on_right[j] else m
        return x, m, x + sprite.w, m + sprite.h

    def annotate(self, frame: np.ndarray, i: int) -> None:
        j = self.scene.clamp(i)
        sprite, spots = self.art.panels[self.art.of_frame[j]]
        x, y, _, _ = self.panel_rect(j)
        sprite.blit(frame, x, y)
        for k, (dx, dy) in enumerate(spots):
            self.icons[STATES[self.scene.codes[k, j]]].blit(frame, x + dx, y + dy)
