"""The heads-up panel's pictures: one pre-rendered sprite per movement segment (movement,
direction, cadence, score and grade, a label per assessed cue) and where each cue's live badge
goes on it."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from formcheck.render.scene import Scene, short_label
from formcheck.render.sprites import Sprite, text_image
from formcheck.render.style import BACKDROP_RGB, GRADE_RGB

class PanelArt:
    """The panels of one clip, drawn once.

    Attributes:
        panels: (sprite, badge spots) per distinct movement segment, in order of appearance.
        of_frame: (T,) which of `panels` each frame shows.
        size: (width, height) of the largest panel.
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        keys = [scene.segment_key(float(t)) for t in scene.series.t_s]
        distinct = list(dict.fromkeys(keys))
        self.panels = [self._panel(*k) for k in distinct]
        self.size = (max(p[0].w for p in self.panels), max(p[0].h for p in self.panels))
        self.of_frame = np.array([distinct.index(k) for k in keys], np.int16)

    def _panel(
        self, movement: str, facing: str, travel: str
    ) -> tuple[Sprite, list[tuple[int, int]]]:
        """The heads-up panel (background, movement, cadence, score, cue labels) and where each
        cue's live badge goes on it."""
        sz, rep = self.scene.sz, self.scene.rep
        pad, gap = round(sz.text * 0.5), round(sz.text * 0.35)
        arrow = {"right": "→", "left": "←"}
        depth = {"toward_camera": "closer", "away_from_camera": "away"}
        title = "Athlete not in view" if movement == "not_in_view" else movement.replace("_", " ").capitalize()
        head = [(title, sz.text, True)]
        if travel in arrow and facing in arrow:
            head.append((f"moving {arrow[travel]}   facing {arrow[facing]}", sz.small, False))
        elif travel in depth and facing in depth:  # filmed from the front or behind
            faces = {"toward_camera": "the camera", "away_from_camera": "away"}
            head.append((f"moving {depth[travel]}   facing {faces[facing]}", sz.small, False))
        cadence = rep.get("gait", {}).get("cadence_spm")
        if cadence:
            head.append((f"{cadence:.0f} steps/min", sz.small, False))
        lines = [text_image(s, px, bold=b) for s, px, b in head]
        score_box = self._score_box()
        head_w = max(im.width for im in lines) + (score_box.width + gap if score_box else 0)
        head_h = max(sum(im.height for im in lines), score_box.height if score_box else 0)
        labels = [text_image(short_label(c), sz.small) for c in self.scene.cues]
        icon = round(sz.text * 1.05)
        row_h = max(icon, max((im.height for im in labels), default=0)) + round(gap * 0.6)
        cols = self._badge_columns(len(labels), head_h + 2 * pad + gap, row_h)
        rows = -(-len(labels) // cols) if labels else 0
        col_w = icon + gap + max((im.width for im in labels), default=0) + gap * 2
        width = max(head_w, cols * col_w - gap * 2) + 2 * pad
        height = head_h + 2 * pad + (gap + rows * row_h if rows else 0)
        im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        d.rounded_rectangle(
            (0, 0, width - 1, height - 1),
            radius=pad,
            fill=(*BACKDROP_RGB, self.scene.style.panel_alpha),
        )
        y = pad
        for line in lines:
            im.alpha_composite(line, (pad, y))
            y += line.height
        if score_box:
            im.alpha_composite(score_box, (width - pad - score_box.width, pad))
        spots = []
        for k, label in enumerate(labels):
            r, c = divmod(k, cols)
            x0, y0 = pad + c * col_w, pad + head_h + gap + r * row_h
            im.alpha_composite(label, (x0 + icon + gap, y0 + (icon - label.height) // 2))
            spots.append((x0, y0))
        return Sprite.from_pil(im), spots

    def _badge_columns(self, n: int, header_h: int, row_h: int) -> int:
        room = self.scene.style.panel_max_height * self.scene.h - header_h
        for cols in (1, 2, 3):
            if -(-n // cols) * row_h <= room:
                return cols
        return 3

    def _score_box(self) -> Image.Image | None:
        o = self.scene.rep.get("overall", {})
        if o.get("score") is None and o.get("graded") is not False:
            return None
        sz = self.scene.sz
        if o.get("score") is None:  # seen, but not enough of the form to grade it
            num = text_image("–", round(sz.text * 1.5), bold=True)
            grade = text_image("not graded", sz.small)
        else:
            num = text_image(f"{o['score']:.0f}", round(sz.text * 1.5), bold=True)
            grade = text_image(f"grade {o['grade']}", sz.small)
        pad = round(sz.text * 0.25)
        w = max(num.width, grade.width) + 2 * pad
        h = num.height + grade.height + pad
        im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(im).rounded_rectangle(
            (0, 0, w - 1, h - 1),
            radius=pad * 2,
            fill=(*GRADE_RGB.get(o["grade"], (90, 90, 90)), 235),
        )
        im.alpha_composite(num, ((w - num.width) // 2, pad // 2))
        im.alpha_composite(grade, ((w - grade.width) // 2, num.height))
        return im
