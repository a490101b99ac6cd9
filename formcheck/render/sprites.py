"""Pre-rendered RGBA images blended onto frames: text (antialiased TrueType, drawn once and
cached), status badges, and the `Sprite` that blends them fast onto BGR frames."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from formcheck.render.style import COLOURS


class Sprite:
    """An RGBA image prepared for fast blending onto BGR frames (premultiplied colour)."""

    def __init__(self, rgba: np.ndarray) -> None:
        alpha = rgba[..., 3:4].astype(np.uint16)
        bgr = rgba[..., 2::-1].astype(np.uint16)
        self.premult = ((bgr * alpha + 127) // 255).astype(np.uint8)
        self.inv_alpha = np.repeat(255 - rgba[..., 3:4], 3, axis=2).astype(np.uint8)
        self.h, self.w = rgba.shape[:2]

    @classmethod
    def from_pil(cls, image: Image.Image) -> Sprite:
        """A sprite from a PIL RGBA image."""
        return cls(np.asarray(image.convert("RGBA")))

    def blit(self, img: np.ndarray, x: int, y: int) -> None:
        """Blend onto `img` (BGR, in place) with the top-left corner at (x, y); clipped."""
        H, W = img.shape[:2]
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + self.w, W), min(y + self.h, H)
        if x0 >= x1 or y0 >= y1:
            return
        sx, sy = x0 - x, y0 - y
        inv = self.inv_alpha[sy : sy + y1 - y0, sx : sx + x1 - x0]
        pre = self.premult[sy : sy + y1 - y0, sx : sx + x1 - x0]
        roi = img[y0:y1, x0:x1]
        roi[:] = cv2.add(cv2.multiply(roi, inv, scale=1.0 / 255.0), pre)


@functools.lru_cache(maxsize=16)
def font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib) at a pixel size; Pillow's own font if it is missing."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    # Found without importing matplotlib (a fifth of a second, for a file path).
    spec = importlib.util.find_spec("matplotlib")
    where = list(spec.submodule_search_locations or []) if spec else []
    path = Path(where[0] if where else ".") / "mpl-data" / "fonts" / "ttf" / name
    try:
        return ImageFont.truetype(str(path), size_px)
    except OSError:
        return ImageFont.load_default(size_px)


def _stroke(size_px: int) -> int:
    return max(1, round(size_px / 10))


def text_image(
    text: str, size_px: int, rgb: tuple[int, int, int] = (255, 255, 255), bold: bool = False
) -> Image.Image:
    """`text` with a dark outline on a transparent background; height = the font's line height."""
    f = font(size_px, bold)
    sw = _stroke(size_px)
    ascent, descent = f.getmetrics()
    im = Image.new(
        "RGBA", (int(np.ceil(f.getlength(text))) + 2 * sw, ascent + descent + 2 * sw), (0, 0, 0, 0)
    )
    ImageDraw.Draw(im).text(
        (sw, sw), text, font=f, fill=(*rgb, 255), stroke_width=sw, stroke_fill=(0, 0, 0, 230)
    )
    return im


class Labels:
    """Per-frame text (angles, short labels) as cached sprites: each distinct string is rendered
    once, so a label costs one small blend per frame."""

    MAX_CACHED = 2048

    def __init__(self, size_px: int) -> None:
        self.size_px = size_px
        self._cache: dict[str, Sprite] = {}
        self.height = sum(font(size_px).getmetrics()) + 2 * _stroke(size_px)

    def sprite(self, text: str) -> Sprite:
        """The sprite of `text` (rendered on first use)."""
        got = self._cache.get(text)
        if got is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            got = self._cache[text] = Sprite.from_pil(text_image(text, self.size_px))
        return got

    def width(self, text: str) -> int:
        """Width in pixels of `text`."""
        return self.sprite(text).w

    def draw(self, img: np.ndarray, text: str, x: int, y: int, centre: bool = False) -> None:
        """Draw `text` with its top-left (or top-centre) at (x, y)."""
        sprite = self.sprite(text)
        sprite.blit(img, x - sprite.w // 2 if centre else x, y)

    def draw_beside(
        self, img: np.ndarray, text: str, at: np.ndarray, side: int, gap: float
    ) -> None:
        """`text` left (side −1) or right (+1) of the point `at`, `gap` pixels away, vertically
        centred on it. The point must be finite (annotators take it from `Pose`)."""
        y = int(at[1]) - self.height // 2
        x = int(at[0] + gap) if side > 0 else int(at[0] - gap) - self.width(text)
        self.draw(img, text, x, y)


def status_icon(status: str, size_px: int) -> Sprite:
    """A round badge in the status colour with a mark: ✓ good, – fair, ✕ poor (not colour alone)."""
    scale = 4  # draw large, then downsample: smooth edges
    s = size_px * scale
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    b, g, r = COLOURS[status]
    d.ellipse(
        (scale, scale, s - scale, s - scale),
        fill=(r, g, b, 255),
        outline=(0, 0, 0, 255),
        width=scale * 2,
    )
    w = max(scale * 2, round(s * 0.12))
    if status == "good":
        d.line(
            [(s * 0.28, s * 0.52), (s * 0.44, s * 0.68), (s * 0.72, s * 0.34)],
            fill=(255, 255, 255, 255),
            width=w,
            joint="curve",
        )
    elif status == "fair":
        d.line([(s * 0.28, s * 0.5), (s * 0.72, s * 0.5)], fill=(0, 0, 0, 255), width=w)
    elif status == "poor":
        d.line([(s * 0.32, s * 0.32), (s * 0.68, s * 0.68)], fill=(255, 255, 255, 255), width=w)
        d.line([(s * 0.32, s * 0.68), (s * 0.68, s * 0.32)], fill=(255, 255, 255, 255), width=w)
    return Sprite.from_pil(im.resize((size_px, size_px), Image.LANCZOS))
