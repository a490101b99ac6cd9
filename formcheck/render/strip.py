"""The timeline strip's picture: one row per cue that failed somewhere (its state along the
whole clip, worst first) and a row of step ticks, drawn once as a sprite, without the playhead."""

from __future__ import annotations

import numpy as np
from PIL import Image

from formcheck.render.scene import Scene, short_label
from formcheck.render.sprites import Sprite, text_image
from formcheck.render.style import (
    BACKDROP_RGB,
    CONTACT_BGR,
    FAIR,
    GOOD,
    NONE,
    NOT_ASSESSED,
    PALETTE,
    POOR,
)


def _column_codes(codes: np.ndarray, columns: int) -> np.ndarray:
    """Per-frame states squeezed (or stretched) to `columns` pixels: each pixel shows the worst
    state of the frames under it, so a short failure in a long clip still shows."""
    n = len(codes)
    starts = np.minimum((np.arange(columns) * n) // max(columns, 1), n - 1)
    if n <= columns:
        return codes[starts]
    # Rank so that the maximum is the worst: none < not assessed < good < fair < poor.
    rank = np.array([2, 3, 4, 1, 0], np.int8)
    worst = np.maximum.reduceat(rank[codes], starts)
    return np.argsort(rank).astype(np.int8)[worst]


class StripArt:
    """The strip of one clip, `scene.w` minus the margins wide.

    Attributes:
        sprite: the strip, or None when it has nothing to show (no failing cue, no step).
        span: (left, right) x of the timeline inside the sprite: frame i sits at
            left + (i + 0.5) * (right - left) / T.
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.sprite: Sprite | None = None
        self.span = (0, 1)
        rows = self._rows()
        steps = [s for s in scene.rep.get("gait", {}).get("steps", []) if s.get("frame") is not None]
        if rows or steps:
            self._draw(rows, steps)

    def _rows(self) -> list[tuple[str, np.ndarray]]:
        """(label, per-frame codes) of the timeline rows: the cues that failed somewhere."""
        s = self.scene
        rows = [(short_label(c), s.codes[k]) for k, c in enumerate(s.cues) if c.get("intervals")]
        if not rows and s.cues:
            all_good = np.where(s.detected, GOOD, NONE).astype(np.int8)
            rows = [("All cues good", all_good)]
        row_h = round(s.sz.small * 1.25)
        most = max(1, int(s.style.strip_max_height * s.h // row_h) - 1)
        rows.sort(key=lambda r: -int((r[1] == POOR).sum() * 2 + (r[1] == FAIR).sum()))
        return rows[:most]

    def _draw(self, rows: list[tuple[str, np.ndarray]], steps: list[dict]) -> None:
        sz, n = self.scene.sz, self.scene.n
        pad, row_h = round(sz.small * 0.35), round(sz.small * 1.25)
        labels = [text_image(name, sz.small) for name, _ in rows] + (
            [text_image("steps", sz.small)] if steps else []
        )
        width = self.scene.w - 2 * sz.margin
        height = 2 * pad + row_h * len(labels)
        lx = pad + max(im.width for im in labels) + pad
        rx = width - pad
        rgba = np.zeros((height, width, 4), np.uint8)
        rgba[...] = (*BACKDROP_RGB, self.scene.style.strip_alpha)
        bar = max(2, round(row_h * 0.55))
        for r, (_, codes) in enumerate(rows):
            y0 = pad + r * row_h + (row_h - bar) // 2
            shown = _column_codes(codes, rx - lx)
            colours = PALETTE[shown][:, ::-1]  # RGB
            alpha = np.where(shown == GOOD, 140, np.where(shown >= NOT_ASSESSED, 60, 225))
            alpha = alpha.astype(np.uint8)
            rgba[y0 : y0 + bar, lx:rx, :3] = colours
            rgba[y0 : y0 + bar, lx:rx, 3] = alpha
        if steps:
            y0 = pad + len(rows) * row_h + (row_h - bar) // 2
            tick = max(1, round(sz.unit * 1.5))
            for s in steps:
                x = lx + int((s["frame"] + 0.5) * (rx - lx) / n)
                rgba[y0 : y0 + bar, x : x + tick] = (*CONTACT_BGR[::-1], 255)
        im = Image.fromarray(rgba, "RGBA")
        for r, label in enumerate(labels):
            im.alpha_composite(label, (pad, pad + r * row_h + (row_h - label.height) // 2))
        self.sprite, self.span = Sprite.from_pil(im), (lx, rx)
