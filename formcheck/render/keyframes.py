"""The key frames the report shows: overlaid frames at chosen indices kept as JPEG bytes, taken
during the video pass or decoded for them alone (`grab_key_frames`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from formcheck.render.geometry import finite_at
from formcheck.video import frames_at, read_frames

if TYPE_CHECKING:
    from formcheck.render.overlay import Overlay


class KeyFrames:
    """Keeps overlaid frames at chosen indices as JPEG bytes, for the report: the key-frame picker,
    an annotator that draws nothing and keeps the frames it wants.

    Cropped frames are cut around the athlete from the picture (so the pose is large on a report
    card); full frames show the whole annotated frame, a timeline strip below the picture
    included (the video's poster). Both are downscaled: a report stays a few hundred kB.

    Args:
        crop: frame indices to keep cropped to the athlete.
        full: frame indices to keep whole.
        boxes: (T, 4) athlete boxes in pixels (`Overlay.boxes`); NaN rows keep the whole picture.
        picture_h: the picture's height in the frames given when rows are added below it for the
            strip (`Overlay.h`); None: all of the frame is picture.
    """

    def __init__(
        self,
        crop: Iterable[int],
        full: Iterable[int],
        boxes: np.ndarray | None,
        max_px: int = 480,
        quality: int = 82,
        picture_h: int | None = None,
    ) -> None:
        self.crop, self.full = set(crop), set(full)
        self.boxes = boxes
        self.max_px, self.quality = max_px, quality
        self.picture_h = picture_h
        self.images: dict[tuple[int, str], bytes] = {}
        self.last = max(self.crop | self.full, default=-1)

    def wants(self, i: int) -> bool:
        """Whether frame `i` is one to keep."""
        return i in self.crop or i in self.full

    def annotate(self, frame: np.ndarray, i: int) -> None:
        """Keep frame `i` (already overlaid) if it is wanted."""
        if i in self.crop:
            self.images[(i, "crop")] = self._jpeg(self._cut(frame, i), self.max_px)
        if i in self.full:
            self.images[(i, "full")] = self._jpeg(frame, self.max_px * 2)

    def offer(self, i: int, bgr: np.ndarray) -> None:
        """`annotate` with the frame index first (the earlier call)."""
        self.annotate(bgr, i)

    def _cut(self, bgr: np.ndarray, i: int) -> np.ndarray:
        picture = bgr[: self.picture_h] if self.picture_h is not None else bgr
        box = finite_at(self.boxes, i)
        if box is None:
            return picture
        H, W = picture.shape[:2]
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        h = (y1 - y0) * 1.15
        w = max((x1 - x0) * 1.3, h * 0.8)  # never a sliver: at least 4:5
        xa, xb = int(max(0, cx - w / 2)), int(min(W, cx + w / 2))
        ya, yb = int(max(0, cy - h / 2)), int(min(H, cy + h / 2))
        return picture[ya:yb, xa:xb] if xb - xa > 8 and yb - ya > 8 else picture

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
    taken from an already annotated video: `keys.picture_h` says where its picture ends).
    """
    wanted = sorted(keys.crop | keys.full)
    if not wanted:
        return
    # The overlay may be sized for a smaller video than the clip.
    size = (overlay.w, overlay.h) if overlay is not None else None

    def keep(i: int, bgr: np.ndarray) -> None:
        if overlay is not None:
            bgr = overlay.canvas(bgr)
            overlay.draw(bgr, i)
        keys.annotate(bgr, i)

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
