"""The overlay drawn on the annotated video, and the key frames kept for the report.

Everything that depends only on the clip is prepared once, in `Overlay.__init__`: pixel
coordinates, each cue's state per frame as small integer arrays, the heads-up panel and the
timeline strip as pre-rendered sprites (text drawn once with an antialiased TrueType font). Per
frame, `Overlay.draw` only calls cv2 line / circle / arc primitives and blends a few small
sprites, so its cost does not grow with full-frame pixel math.

Sizes scale with the frame: one unit is min(width, height) / 720, with a floor that keeps text
legible on small clips. The panel sits in the top corner the athlete is not in (it moves to the
other corner before the athlete reaches it); the strip along the bottom is semi-transparent.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from formcheck.landmarks import EDGES, JOINTS
from formcheck.landmarks import Landmark as L
from formcheck.report import cue_state_frames
from formcheck.series import PoseSeries
from formcheck.video import frames_at, read_frames

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
_PALETTE = np.array([COLOURS[s] for s in STATES], np.uint8)
_SEVERITY = np.array([1, 2, 3, 0, 0], np.int8)  # worst-of ranking; not assessed / none never win
_CONTACT_BGR = (255, 230, 0)
_FEET = (
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
    L.LEFT_HEEL,
    L.RIGHT_HEEL,
    L.LEFT_FOOT_INDEX,
    L.RIGHT_FOOT_INDEX,
)
_GRADE_RGB = {
    "A": (26, 127, 55),
    "B": (26, 127, 55),
    "C": (181, 129, 0),
    "D": (198, 40, 40),
    "E": (198, 40, 40),
}


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


# --- sprites: pre-rendered RGBA images blended onto frames --------------------------------------


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


#: The earlier name of `Labels` (formcheck.live uses it).
Glyphs = Labels


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


def short_label(cue: dict) -> str:
    """A short name for a cue on the video: its `short_title`, else its id in words."""
    return cue.get("short_title") or cue["id"].replace("_", " ").capitalize()


def _angle_deg(v: np.ndarray) -> np.ndarray:
    """Image angle of vectors (..., 2), degrees, clockwise from +x (y points down), as cv2 uses."""
    return np.degrees(np.arctan2(v[..., 1], v[..., 0]))


def _wrap_deg(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


# --- per-clip preparation ------------------------------------------------------------------------


def _state_codes(rep: dict, series: PoseSeries) -> tuple[list[dict], np.ndarray]:
    """The assessed cues and their state per frame: (n_cues, T) int8 indices into STATES."""
    names = cue_state_frames(rep, series.t_s)
    cues = [c for c in rep["cues"] if c["band"] != "not_assessed"]
    lookup = {s: k for k, s in enumerate(STATES)}
    codes = np.array([[lookup[s] for s in names[c["id"]]] for c in cues], np.int8).reshape(
        len(cues), len(series)
    )
    codes[:, ~series.detected] = NONE
    return cues, codes


def _part_codes(cues: list[dict], codes: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    """Per body: the worst state among its assessed cues at each frame (NONE without one)."""
    out = {}
    for body in BODIES:
        rows = codes[[k for k, c in enumerate(cues) if c["body"] == body]]
        if not len(rows):
            out[body] = np.full(frames, NONE, np.int8)
            continue
        worst = np.take_along_axis(rows, np.argmax(_SEVERITY[rows], axis=0)[None], axis=0)[0]
        out[body] = worst
    return out


def _boxes(px: np.ndarray) -> np.ndarray:
    """(T, 4) athlete box x0, y0, x1, y1 in pixels from all landmarks, with room for the head."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: frames without a pose
        x0, y0 = np.nanmin(px[..., 0], axis=1), np.nanmin(px[..., 1], axis=1)
        x1, y1 = np.nanmax(px[..., 0], axis=1), np.nanmax(px[..., 1], axis=1)
    pad = 0.08 * (y1 - y0)
    return np.stack([x0 - pad, y0 - 2 * pad, x1 + pad, y1 + pad], axis=1)


def _window_range(values: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Running min and max of `values` over a centred window (NaN ignored; NaN where all NaN)."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    size = max(3, frames)
    lo = minimum_filter1d(np.where(np.isfinite(values), values, np.inf), size, mode="nearest")
    hi = maximum_filter1d(np.where(np.isfinite(values), values, -np.inf), size, mode="nearest")
    ok = np.isfinite(lo) & np.isfinite(hi)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


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


def _forward_any(flags: np.ndarray, frames: int) -> np.ndarray:
    """flags[i] or any of the next `frames` flags (look ahead, to move out of the way early)."""
    c = np.concatenate(([0], np.cumsum(flags.astype(np.int64))))
    idx = np.arange(len(flags))
    return c[np.minimum(idx + frames + 1, len(flags))] - c[idx] > 0


def paint_skeleton(
    img: np.ndarray,
    px: np.ndarray,
    ok: np.ndarray,
    line: int,
    near: str | None,
    colour: Callable[[str, bool], tuple[int, int, int]],
) -> None:
    """Draw one pose: outlined limbs coloured per body part, far-side limbs thinner and darker.

    Shared by the offline overlay and the live view. `px` is (33, 2) pixels, `ok` which points
    exist, `colour(body, dim)` the BGR colour of a body part ("head", "trunk", "arms", "legs").
    """
    p = np.rint(np.nan_to_num(px)).astype(int).tolist()  # NaN points are skipped via `ok`
    far_side = {"left": "right", "right": "left"}.get(near or "")
    for outline in (True, False):
        for part, edges in EDGES.items():
            far = far_side is not None and part.startswith(far_side)
            w = max(1, round(line * 0.7)) if far else line
            c = (20, 20, 20) if outline else colour(PART_BODY[part], far)
            for a, b in edges:
                if ok[a] and ok[b]:
                    cv2.line(img, p[a], p[b], c, w + 2 if outline else w, cv2.LINE_AA)
    r = max(2, round(line * 0.9))
    for j in JOINTS:
        if ok[j]:
            cv2.circle(img, p[j], r + 1, (20, 20, 20), -1, cv2.LINE_AA)
            cv2.circle(img, p[j], r, (255, 255, 255), -1, cv2.LINE_AA)


class Overlay:
    """Draws one clip's results onto its frames (BGR, in place).

    Args:
        series: the cleaned pose series the report was computed from.
        rep: the report dict (with `_frame_metrics` when available).
        width, height: the frame size to draw on (any size: coordinates are normalized).
        style: sizes and opacities.
    """

    def __init__(
        self, series: PoseSeries, rep: dict, width: int, height: int, style: DrawStyle = DrawStyle()
    ) -> None:
        self.series, self.rep, self.style = series, rep, style
        self.w, self.h = width, height
        self.n = len(series)
        t = series.t_s
        self.fps = (self.n - 1) / (t[-1] - t[0]) if self.n > 1 and t[-1] > t[0] else 30.0
        self.sz = Sizes.for_frame(width, height, style)
        self.px = series.xy.astype(np.float64) * np.array([width, height])
        self.ok = np.isfinite(self.px).all(axis=2)
        self.detected = series.detected
        self.boxes = _boxes(self.px)
        self.feet = _boxes(self.px[:, [L.LEFT_KNEE, L.RIGHT_KNEE, *_FEET]])
        self.cues, self.codes = _state_codes(rep, series)
        self.parts = _part_codes(self.cues, self.codes, self.n)
        self.near = (rep.get("camera_view") or {}).get("near_side")
        self.facing = -1 if rep.get("movement", {}).get("facing") == "left" else 1
        self.sagittal = (rep.get("camera_view") or {}).get("view") in ("side", "oblique")
        self.metrics = rep.get("_frame_metrics", {})
        self.glyphs = Labels(self.sz.small)
        self._prepare_angles()
        self._contacts = self._prepare_contacts()
        self._icons = {s: status_icon(s, round(self.sz.text * 1.05)) for s in STATES}
        self._panels, self._panel_of_frame = self._prepare_panels()
        self._hud_right = self._prepare_hud_sides()
        self._strip, self._strip_xy, self._timeline_x = self._prepare_strip()

    # -- preparation ----------------------------------------------------------------------------

    def _prepare_angles(self) -> None:
        p = self.px
        self.hip = (p[:, L.LEFT_HIP] + p[:, L.RIGHT_HIP]) / 2
        self.sho = (p[:, L.LEFT_SHOULDER] + p[:, L.RIGHT_SHOULDER]) / 2
        side = self.near or "left"
        sh, el = p[:, L[f"{side.upper()}_SHOULDER"]], p[:, L[f"{side.upper()}_ELBOW"]]
        # The arm's swing relative to the trunk, over about one stride around each frame.
        rel = _wrap_deg(_angle_deg(el - sh) - _angle_deg(self.hip - self.sho))
        strides = self.rep.get("gait", {}).get("strides", [])
        durations = [s["duration_s"] for s in strides if s.get("duration_s")]
        window = round((float(np.median(durations)) if durations else 1.0) * self.fps)
        self.arm_lo, self.arm_hi = _window_range(rel, window)
        for s in strides:  # inside a stride: that stride's range, as the report's stride table
            a, b = s.get("start_frame"), s.get("end_frame")
            seg = rel[a : b + 1] if a is not None and b is not None else rel[:0]
            if np.isfinite(seg).any():
                self.arm_lo[a : b + 1], self.arm_hi[a : b + 1] = np.nanmin(seg), np.nanmax(seg)
        self.arm_side = side

    def _prepare_contacts(self) -> dict[int, list[tuple[int, int, float, str]]]:
        """Frame -> foot-contact markers to draw: (x, y, age 0–1, foot)."""
        life = max(2, round(self.style.contact_marker_s * self.fps))
        out: dict[int, list[tuple[int, int, float, str]]] = {}
        for step in self.rep.get("gait", {}).get("steps", []):
            f, foot = step.get("frame"), step.get("foot")
            if f is None or foot not in ("left", "right") or not 0 <= f < self.n:
                continue
            heel, toe = L[f"{foot.upper()}_HEEL"], L[f"{foot.upper()}_FOOT_INDEX"]
            for k in range(min(life, self.n - f)):
                # At the foot's place in each frame: the planted foot stays put on the ground,
                # and the marker follows it when the camera pans.
                pos = (self.px[f + k, heel] + self.px[f + k, toe]) / 2
                if np.isfinite(pos).all():
                    out.setdefault(f + k, []).append((int(pos[0]), int(pos[1]), k / life, foot))
        return out

    def _segment_key(self, t_s: float) -> tuple[str, str, str]:
        mv = self.rep.get("movement", {})
        key = (mv.get("type", "other"), mv.get("facing", "none"), mv.get("travel", "none"))
        for seg in mv.get("segments", []):
            if seg["start_s"] <= t_s <= seg["end_s"]:
                key = (
                    seg.get("movement", key[0]),
                    seg.get("facing", key[1]),
                    seg.get("travel", key[2]),
                )
        return key

    def _prepare_panels(self) -> tuple[dict, np.ndarray]:
        """One heads-up panel per movement segment, and which panel each frame shows."""
        keys = [self._segment_key(float(t)) for t in self.series.t_s]
        distinct = list(dict.fromkeys(keys))
        panels = {k: self._panel(*k) for k in distinct}
        size = (max(p[0].w for p in panels.values()), max(p[0].h for p in panels.values()))
        self._panel_size = size
        return panels, np.array([distinct.index(k) for k in keys], np.int16)

    def _panel(
        self, movement: str, facing: str, travel: str
    ) -> tuple[Sprite, list[tuple[int, int]]]:
        """The heads-up panel (background, movement, cadence, score, cue labels) and where each
        cue's live badge goes on it."""
        sz, rep = self.sz, self.rep
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
        labels = [text_image(short_label(c), sz.small) for c in self.cues]
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
            (0, 0, width - 1, height - 1), radius=pad, fill=(12, 14, 18, self.style.panel_alpha)
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
        room = self.style.panel_max_height * self.h - header_h
        for cols in (1, 2, 3):
            if -(-n // cols) * row_h <= room:
                return cols
        return 3

    def _score_box(self) -> Image.Image | None:
        o = self.rep.get("overall", {})
        if o.get("score") is None and o.get("graded") is not False:
            return None
        sz = self.sz
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
            fill=(*_GRADE_RGB.get(o["grade"], (90, 90, 90)), 235),
        )
        im.alpha_composite(num, ((w - num.width) // 2, pad // 2))
        im.alpha_composite(grade, ((w - grade.width) // 2, num.height))
        return im

    def _prepare_hud_sides(self) -> np.ndarray:
        """(T,) bool: the panel sits top-right (else top-left), away from the athlete."""
        m = self.sz.margin
        pw, ph = self._panel_size
        b = self.boxes
        ahead = max(1, round(0.5 * self.fps))
        with np.errstate(invalid="ignore"):
            y_hit = b[:, 1] < m + ph
            left = _forward_any(y_hit & (b[:, 0] < m + pw), ahead)
            right = _forward_any(y_hit & (b[:, 2] > self.w - m - pw), ahead)
        on_right = bool(left.sum() > right.sum())
        out = np.zeros(self.n, bool)
        for i in range(self.n):
            here, there = (right[i], left[i]) if on_right else (left[i], right[i])
            if here and not there:
                on_right = not on_right
            out[i] = on_right
        return out

    def _strip_rows(self) -> list[tuple[str, np.ndarray]]:
        """(label, per-frame codes) of the timeline rows: the cues that failed somewhere."""
        rows = [
            (short_label(c), self.codes[k]) for k, c in enumerate(self.cues) if c.get("intervals")
        ]
        if not rows and self.cues:
            all_good = np.where(self.detected, GOOD, NONE).astype(np.int8)
            rows = [("All cues good", all_good)]
        row_h = round(self.sz.small * 1.25)
        most = max(1, int(self.style.strip_max_height * self.h // row_h) - 1)
        rows.sort(key=lambda r: -int((r[1] == POOR).sum() * 2 + (r[1] == FAIR).sum()))
        return rows[:most]

    def _prepare_strip(self) -> tuple[Sprite | None, tuple[int, int], tuple[int, int]]:
        """The timeline strip (without playhead), where it goes, and its timeline's x range."""
        rows = self._strip_rows()
        steps = [s for s in self.rep.get("gait", {}).get("steps", []) if s.get("frame") is not None]
        if not rows and not steps:
            return None, (0, 0), (0, 1)
        sz = self.sz
        pad, row_h = round(sz.small * 0.35), round(sz.small * 1.25)
        labels = [text_image(name, sz.small) for name, _ in rows] + (
            [text_image("steps", sz.small)] if steps else []
        )
        width = self.w - 2 * sz.margin
        height = 2 * pad + row_h * len(labels)
        lx = pad + max(im.width for im in labels) + pad
        rx = width - pad
        rgba = np.zeros((height, width, 4), np.uint8)
        rgba[...] = (12, 14, 18, self.style.strip_alpha)
        bar = max(2, round(row_h * 0.55))
        for r, (_, codes) in enumerate(rows):
            y0 = pad + r * row_h + (row_h - bar) // 2
            shown = _column_codes(codes, rx - lx)
            colours = _PALETTE[shown][:, ::-1]  # RGB
            alpha = np.where(shown == GOOD, 140, np.where(shown >= NOT_ASSESSED, 60, 225))
            alpha = alpha.astype(np.uint8)
            rgba[y0 : y0 + bar, lx:rx, :3] = colours
            rgba[y0 : y0 + bar, lx:rx, 3] = alpha
        if steps:
            y0 = pad + len(rows) * row_h + (row_h - bar) // 2
            tick = max(1, round(sz.unit * 1.5))
            for s in steps:
                x = lx + int((s["frame"] + 0.5) * (rx - lx) / self.n)
                rgba[y0 : y0 + bar, x : x + tick] = (*_CONTACT_BGR[::-1], 255)
        im = Image.fromarray(rgba, "RGBA")
        for r, label in enumerate(labels):
            im.alpha_composite(label, (pad, pad + r * row_h + (row_h - label.height) // 2))
        xy = (sz.margin, self.h - sz.margin - height)
        return Sprite.from_pil(im), xy, (xy[0] + lx, xy[0] + rx)

    # -- per frame ------------------------------------------------------------------------------

    def draw(self, img: np.ndarray, i: int) -> None:
        """Draw frame `i`'s overlay onto `img` (BGR, the overlay's frame size), in place.

        The panel and the strip go first, so the athlete's skeleton stays on top where they meet.
        """
        self._hud(img, i)
        self._timeline(img, i)
        if 0 <= i < self.n and self.detected[i]:
            self._skeleton(img, i)
            if self.sagittal:  # lean, knee and arm angles are only true angles seen side-on
                self._trunk(img, i)
                self._knees(img, i)
                self._arm_swing(img, i)
        self._contact_markers(img, i)

    def draw_hud(self, img: np.ndarray, i: int) -> None:
        """Only the heads-up panel of frame `i` (for views that draw their own skeleton)."""
        self._hud(img, i)

    def draw_timeline(self, img: np.ndarray, i: int) -> None:
        """Only the timeline strip with the playhead at frame `i`."""
        self._timeline(img, i)

    def _colour(self, body: str, i: int, dim: bool = False) -> tuple[int, int, int]:
        c = COLOURS[STATES[self.parts[body][i]]]
        return tuple(int(v * 0.7) for v in c) if dim else c

    def _far(self, part: str) -> bool:
        """Whether a limb is on the athlete's far side from the camera (drawn thinner, darker)."""
        return self.near is not None and part.startswith(
            "left" if self.near == "right" else "right"
        )

    def _skeleton(self, img: np.ndarray, i: int) -> None:
        paint_skeleton(
            img, self.px[i], self.ok[i], self.sz.line, self.near,
            lambda body, dim: self._colour(body, i, dim=dim),
        )  # fmt: skip

    def _trunk(self, img: np.ndarray, i: int) -> None:
        """Trunk line against the vertical, an arc between them and the lean angle."""
        hip, sho = self.hip[i], self.sho[i]
        if not (np.isfinite(hip).all() and np.isfinite(sho).all()):
            return
        length = float(np.linalg.norm(sho - hip))
        th = self.sz.line
        top = hip + (0.0, -length * 1.1)
        for k in range(0, 8, 2):  # dashed vertical reference
            a, b = hip + (top - hip) * k / 8, hip + (top - hip) * (k + 1) / 8
            cv2.line(img, _pt(a), _pt(b), (255, 255, 255), max(1, th // 2), cv2.LINE_AA)
        colour = self._colour("trunk", i)
        cv2.line(img, _pt(hip), _pt(sho), (20, 20, 20), th + 3, cv2.LINE_AA)
        cv2.line(img, _pt(hip), _pt(sho), colour, th + 1, cv2.LINE_AA)
        ang = float(_angle_deg(sho - hip))
        r = max(8, int(length * 0.45))
        cv2.ellipse(img, _pt(hip), (r, r), 0, -90.0, ang, colour, max(1, th // 2 + 1), cv2.LINE_AA)
        lean = self.metrics.get("trunk_lean_deg")
        if lean is not None and np.isfinite(lean[i]):
            deg = round(abs(float(lean[i])))
            label = f"lean {deg}° {'fwd' if lean[i] > 0 else 'back'}" if deg else "lean 0°"
            self._label_beside(img, label, (hip + sho) / 2, -self.facing, length * 0.3)

    def _knees(self, img: np.ndarray, i: int) -> None:
        """An arc at each knee spanning its flexion (thigh line continued vs shank); the near knee
        labelled."""
        th = max(1, self.sz.line - 1)
        for side in ("left", "right"):
            h, k, a = (L[f"{side.upper()}_{j}"] for j in ("HIP", "KNEE", "ANKLE"))
            if not (self.ok[i, h] and self.ok[i, k] and self.ok[i, a]):
                continue
            ph, pk, pa = self.px[i, h], self.px[i, k], self.px[i, a]
            a1 = float(_angle_deg(pk - ph))
            delta = float(_wrap_deg(_angle_deg(pa - pk) - a1))
            if not (np.isfinite(a1) and np.isfinite(delta)):
                continue
            r = max(6, int(np.linalg.norm(pa - pk) * 0.3))
            far = self._far(f"{side}_leg")
            colour = self._colour("legs", i, dim=far)
            cv2.ellipse(img, _pt(pk), (r, r), 0, a1, a1 + delta, colour, th, cv2.LINE_AA)
            flex = self.metrics.get(f"knee_flexion_{side}_deg")
            if not far and flex is not None and np.isfinite(flex[i]):
                mid = np.radians(a1 + delta / 2 + 180.0)  # opposite the arc: off the leg
                at = pk + (r * 0.6 + self.sz.small) * np.array([np.cos(mid), np.sin(mid)])
                self.glyphs.draw(
                    img,
                    f"{flex[i]:.0f}°",
                    int(at[0]),
                    int(at[1]) - self.glyphs.height // 2,
                    centre=True,
                )

    def _arm_swing(self, img: np.ndarray, i: int) -> None:
        """The near arm's swing range over about one stride, as an arc around the shoulder."""
        lo, hi = self.arm_lo[i], self.arm_hi[i]
        s = L[f"{self.arm_side.upper()}_SHOULDER"]
        e = L[f"{self.arm_side.upper()}_ELBOW"]
        if not (np.isfinite(lo) and np.isfinite(hi) and self.ok[i, s] and self.ok[i, e]
                and np.isfinite(self.hip[i]).all() and np.isfinite(self.sho[i]).all()):  # fmt: skip
            return
        sh, el = self.px[i, s], self.px[i, e]
        down = float(_angle_deg(self.hip[i] - self.sho[i]))
        r = max(8, int(np.linalg.norm(el - sh)))  # through the elbow, like a protractor
        colour = self._colour("arms", i)
        th = max(1, self.sz.line // 2)
        cv2.ellipse(
            img, _pt(sh), (r, r), 0, down + lo, down + hi, (20, 20, 20), th + 2, cv2.LINE_AA
        )
        cv2.ellipse(img, _pt(sh), (r, r), 0, down + lo, down + hi, colour, th, cv2.LINE_AA)
        for end in (lo, hi):
            u = np.array([np.cos(np.radians(down + end)), np.sin(np.radians(down + end))])
            cv2.line(
                img, _pt(sh + u * (r - th * 2)), _pt(sh + u * (r + th * 2)), colour, th, cv2.LINE_AA
            )
        trunk = float(np.linalg.norm(self.sho[i] - self.hip[i]))
        self._label_beside(
            img,
            f"arm swing {hi - lo:.0f}°",
            self.sho[i] + (0.0, -0.15 * trunk),
            self.facing,
            trunk * 0.25,
        )

    def _label_beside(
        self, img: np.ndarray, text: str, at: np.ndarray, side: int, gap: float
    ) -> None:
        """Per-frame text left (side −1) or right (+1) of a point, vertically centred on it."""
        if not (np.isfinite(at).all() and np.isfinite(gap)):
            return
        y = int(at[1]) - self.glyphs.height // 2
        x = int(at[0] + gap) if side > 0 else int(at[0] - gap) - self.glyphs.width(text)
        self.glyphs.draw(img, text, x, y)

    def _contact_markers(self, img: np.ndarray, i: int) -> None:
        for x, y, age, foot in self._contacts.get(i, ()):
            r = int(self.sz.text * (0.7 + 0.5 * age))
            th = max(1, round(self.sz.line * (1.0 - 0.6 * age)))
            cv2.circle(img, (x, y), r, (20, 20, 20), th + 2, cv2.LINE_AA)
            cv2.circle(img, (x, y), r, _CONTACT_BGR, th, cv2.LINE_AA)
            if age == 0 or age < 0.5:
                self.glyphs.draw(img, foot[0].upper(), x, y + r, centre=True)

    def panel_rect(self, i: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the heads-up panel at frame `i`."""
        sprite, _ = self._panels[list(self._panels)[self._panel_of_frame[min(i, self.n - 1)]]]
        m = self.sz.margin
        x = self.w - m - sprite.w if self._hud_right[min(i, self.n - 1)] else m
        return x, m, x + sprite.w, m + sprite.h

    def strip_rect(self) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) of the timeline strip, or None when there is none."""
        if self._strip is None:
            return None
        x, y = self._strip_xy
        return x, y, x + self._strip.w, y + self._strip.h

    def _legs_span(self, i: int, lo: int, hi: int) -> tuple[int, int] | None:
        """The x range of the athlete's lower legs and feet at frame `i`, clipped to [lo, hi)."""
        b = self.feet[i]
        if not np.isfinite(b).all():
            return None
        x0, x1 = max(lo, int(b[0])), min(hi, int(b[2]))
        return (x0, x1) if x1 > x0 else None

    def _hud(self, img: np.ndarray, i: int) -> None:
        j = min(max(i, 0), self.n - 1)
        sprite, spots = self._panels[list(self._panels)[self._panel_of_frame[j]]]
        x, y, _, _ = self.panel_rect(j)
        sprite.blit(img, x, y)
        for k, (dx, dy) in enumerate(spots):
            self._icons[STATES[self.codes[k, j]]].blit(img, x + dx, y + dy)

    def _timeline(self, img: np.ndarray, i: int) -> None:
        if self._strip is None:
            return
        x, y = self._strip_xy
        j = min(max(i, 0), self.n - 1)
        hole = self._legs_span(j, x, x + self._strip.w) if self.feet[j, 3] > y else None
        keep = img[y : y + self._strip.h, hole[0] : hole[1]].copy() if hole else None
        self._strip.blit(img, x, y)
        if hole:  # where the athlete's legs cross the strip, let them show through
            region = img[y : y + self._strip.h, hole[0] : hole[1]]
            region[:] = cv2.addWeighted(keep, 0.7, region, 0.3, 0)
        lx, rx = self._timeline_x
        px = lx + int((min(max(i, 0), self.n - 1) + 0.5) * (rx - lx) / self.n)
        th = max(2, round(self.sz.unit * 2))
        top, bottom = y - round(self.sz.small * 0.5), y + self._strip.h
        cv2.line(img, (px, top), (px, bottom), (20, 20, 20), th + 2)
        cv2.line(img, (px, top), (px, bottom), (255, 255, 255), th)
        tri = np.array(
            [[px - th * 2, top - th * 2], [px + th * 2, top - th * 2], [px, top + th]], np.int32
        )
        cv2.fillPoly(img, [tri], (255, 255, 255), cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    """A point in whole pixels; callers check finiteness first (NaN has no pixel)."""
    return round(float(p[0])), round(float(p[1]))


# --- key frames for the report ------------------------------------------------------------------


class KeyFrames:
    """Keeps overlaid frames at chosen indices as JPEG bytes, for the report.

    Cropped frames are cut around the athlete (so the pose is large on a report card); full
    frames show the whole picture. Both are downscaled: a report stays a few hundred kB.

    Args:
        crop: frame indices to keep cropped to the athlete.
        full: frame indices to keep whole.
        boxes: (T, 4) athlete boxes in pixels (`Overlay.boxes`); NaN rows keep the whole frame.
    """

    def __init__(
        self,
        crop: Iterable[int],
        full: Iterable[int],
        boxes: np.ndarray | None,
        max_px: int = 480,
        quality: int = 82,
    ) -> None:
        self.crop, self.full = set(crop), set(full)
        self.boxes = boxes
        self.max_px, self.quality = max_px, quality
        self.images: dict[tuple[int, str], bytes] = {}
        self.last = max(self.crop | self.full, default=-1)

    def wants(self, i: int) -> bool:
        """Whether frame `i` is one to keep."""
        return i in self.crop or i in self.full

    def offer(self, i: int, bgr: np.ndarray) -> None:
        """Keep frame `i` (already overlaid) if it is wanted."""
        if i in self.crop:
            self.images[(i, "crop")] = self._jpeg(self._cut(bgr, i), self.max_px)
        if i in self.full:
            self.images[(i, "full")] = self._jpeg(bgr, self.max_px * 2)

    def _cut(self, bgr: np.ndarray, i: int) -> np.ndarray:
        if self.boxes is None or i >= len(self.boxes) or not np.isfinite(self.boxes[i]).all():
            return bgr
        H, W = bgr.shape[:2]
        x0, y0, x1, y1 = self.boxes[i]
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        h = (y1 - y0) * 1.15
        w = max((x1 - x0) * 1.3, h * 0.8)  # never a sliver: at least 4:5
        xa, xb = int(max(0, cx - w / 2)), int(min(W, cx + w / 2))
        ya, yb = int(max(0, cy - h / 2)), int(min(H, cy + h / 2))
        return bgr[ya:yb, xa:xb] if xb - xa > 8 and yb - ya > 8 else bgr

    def _jpeg(self, bgr: np.ndarray, max_px: int) -> bytes:
        h, w = bgr.shape[:2]
        scale = min(1.0, max_px / max(h, w))
        if scale < 1.0:
            bgr = cv2.resize(
                bgr, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA
            )
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return buf.tobytes() if ok else b""


def grab_key_frames(path: Path, keys: KeyFrames, overlay: Overlay | None, t_s: np.ndarray | None = None) -> None:
    """Decode the wanted frames of `path`, draw the overlay on them and keep them.

    For runs without a video pass (the video pass keeps key frames as it goes). With `t_s` (the
    frame times of the first pass) each frame is reached by seeking to the key frame before it,
    so a long clip is not decoded to its end; frames not found so (broken timestamps) are then
    taken in a read from the start. With `overlay` None the frames are kept as they are (e.g.
    taken from an already annotated video).
    """
    wanted = sorted(keys.crop | keys.full)
    if not wanted:
        return
    # The overlay may be sized for a smaller video than the clip.
    size = (overlay.w, overlay.h) if overlay is not None else None

    def keep(i: int, bgr: np.ndarray) -> None:
        if overlay is not None:
            overlay.draw(bgr, i)
        keys.offer(i, bgr)

    missing = set(wanted)
    if t_s is not None:
        times = {i: float(t_s[i]) for i in wanted if i < len(t_s)}
        for i, bgr in frames_at(path, times, "bgr24", size):
            keep(i, bgr)
            missing.discard(i)
    if not missing:
        return
    last = max(missing)
    frames = read_frames(path, "bgr24", want=lambda i, _: i in missing, size=size)
    try:
        for i, (_, bgr) in enumerate(frames):
            if bgr is not None:
                keep(i, bgr)
            if i >= last:
                break
    finally:
        frames.close()
