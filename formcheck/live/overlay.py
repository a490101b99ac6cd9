"""Drawing the live feedback: `LiveOverlay`, the offline `render.Overlay` fit for live frames."""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from formcheck import render
from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


class LiveOverlay:
    """The offline overlay, adapted to a live picture (a thin adapter over `render.Overlay`).

    `render.Overlay` prepares a whole clip at once (pre-rendered panel and timeline sprites, tens
    of ms), so it cannot be rebuilt per frame. Here it is rebuilt over the last seconds of
    smoothed poses when what it shows changes (at most once per `refresh_s`, or at once when a
    cue's shown band changes); its heads-up panel and its timeline strip (the recent history of
    the shown bands, playhead at the right) are drawn on every frame, and the current pose is
    drawn on top with the same colours and line widths: each body part in the worst shown band
    of its cues, far-side limbs dimmed, and, seen side-on, the trunk line with its lean.
    """

    def __init__(self, width: int, height: int, refresh_s: float = 1.0) -> None:
        self.w, self.h = width, height
        self.refresh_s = refresh_s
        self.sizes = render.Sizes.for_frame(width, height, render.DrawStyle())
        self.glyphs = render.Labels(self.sizes.small)
        self.base: render.Overlay | None = None
        self.built_at = -np.inf

    def due(self, now: float, urgent: bool) -> bool:
        """Whether a rebuild may happen now (`urgent`: a cue's shown band changed)."""
        return urgent or now - self.built_at >= self.refresh_s

    def rebuild(self, series: PoseSeries, rep: dict, now: float) -> None:
        """Prepare the panel and the strip for `rep` over the smoothed poses of `series`."""
        self.base = render.Overlay(series, rep, self.w, self.h)
        self.built_at = now

    def draw(
        self,
        img: np.ndarray,
        xy: np.ndarray,
        parts: Mapping[str, str],
        near: str | None,
        lean_deg: float,
        facing: int,
    ) -> None:
        """Panel, strip, then the pose `xy` ((33, 2) normalized, NaN = missing) on top."""
        if self.base is not None:
            self.base.draw_hud(img, self.base.n - 1)
            self.base.draw_timeline(img, self.base.n - 1)
        px = xy.astype(np.float64) * (self.w, self.h)
        ok = np.isfinite(px).all(axis=1)
        if ok.any():
            self._skeleton(img, px, ok, parts, near)
            if self.base is not None and self.base.sagittal:  # a true angle only seen side-on
                self._trunk(img, px, parts["trunk"], lean_deg, facing)

    def _skeleton(
        self,
        img: np.ndarray,
        px: np.ndarray,
        ok: np.ndarray,
        parts: Mapping[str, str],
        near: str | None,
    ) -> None:
        def colour(body: str, dim: bool) -> tuple[int, int, int]:
            c = render.COLOURS[parts[body]]
            return tuple(int(v * 0.7) for v in c) if dim else c

        render.paint_skeleton(img, px, ok, self.sizes.line, near, colour)

    def _trunk(
        self, img: np.ndarray, px: np.ndarray, band: str, lean_deg: float, facing: int
    ) -> None:
        hip = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
        sho = (px[L.LEFT_SHOULDER] + px[L.RIGHT_SHOULDER]) / 2
        if not (np.isfinite(hip).all() and np.isfinite(sho).all()):
            return
        th = self.sizes.line
        length = float(np.linalg.norm(sho - hip))
        top = hip + (0.0, -length * 1.1)
        for k in range(0, 8, 2):  # dashed vertical reference
            a, b = hip + (top - hip) * k / 8, hip + (top - hip) * (k + 1) / 8
            cv2.line(img, _pt(a), _pt(b), (255, 255, 255), max(1, th // 2), cv2.LINE_AA)
        cv2.line(img, _pt(hip), _pt(sho), (20, 20, 20), th + 3, cv2.LINE_AA)
        cv2.line(img, _pt(hip), _pt(sho), render.COLOURS[band], th + 1, cv2.LINE_AA)
        if np.isfinite(lean_deg):
            text = f"lean {abs(lean_deg):.0f}° {'fwd' if lean_deg >= 0 else 'back'}"
            mid, gap = (hip + sho) / 2, length * 0.3
            x = int(mid[0] - gap) - self.glyphs.width(text) if facing > 0 else int(mid[0] + gap)
            self.glyphs.draw(img, text, x, int(mid[1]) - self.glyphs.height // 2)

    def status(self, img: np.ndarray, lines: list[tuple[str, tuple[int, int, int] | None]]) -> None:
        """Live status lines (frames/s, latency, REC, PAUSED) bottom right, above the strip."""
        m = self.sizes.margin
        rect = self.base.strip_rect() if self.base is not None else None
        y = (rect[1] if rect else self.h) - m - self.glyphs.height * len(lines)
        for text, dot in lines:
            x = self.w - m - self.glyphs.width(text)
            if dot is not None:
                r = self.glyphs.height // 3
                cv2.circle(img, (x - r - 4, y + self.glyphs.height // 2), r, dot, -1, cv2.LINE_AA)
            self.glyphs.draw(img, text, x, y)
            y += self.glyphs.height


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(p[0]), round(p[1])
