"""The picture shown: the frame (mirrored if asked) with the overlay of the rolling window and the
live status lines; the last picture is kept for snapshots and the paused screen."""

from __future__ import annotations

import time
from collections import deque

import cv2
import numpy as np

from formcheck.live.feedback import Feedback
from formcheck.live.frames import Frame
from formcheck.live.overlay import LiveOverlay
from formcheck.live.window import RollingWindow

#: A status line: its text and the colour of the dot before it (None: no dot).
StatusLine = tuple[str, tuple[int, int, int] | None]


class LiveView:
    """Draws each frame as shown and keeps the overlay's panel and strip up to date.

    The panel and strip are rebuilt when out of date (`invalidate`); the frame rate and latency
    of the status lines come from the frames `shown` lately.
    """

    def __init__(self, window: RollingWindow, mirror: bool) -> None:
        self.window, self.mirror = window, mirror
        self.feedback = Feedback(window, mirror)
        self.overlay: LiveOverlay | None = None
        self._redraw: bool | None = False  # the panel is out of date (True: urgently)
        self.last_image: np.ndarray | None = None
        self.shown_at: deque[float] = deque(maxlen=31)
        self.latencies: deque[float] = deque(maxlen=30)
        self._rate, self._rate_at = "", -np.inf

    def invalidate(self, urgent: bool) -> None:
        """A new window was scored: the panel is out of date (`urgent`: a shown band changed)."""
        self._redraw = urgent or bool(self._redraw)

    def draw(self, frame: Frame, marks: list[StatusLine]) -> np.ndarray:
        """The frame as shown: mirrored if asked, the overlay, the live status (then `marks`)."""
        img = cv2.flip(frame.bgr, 1) if self.mirror else frame.bgr.copy()
        size = self.window.size
        if self.overlay is None or (self.overlay.w, self.overlay.h) != size:
            self.overlay = LiveOverlay(*size)
        now = time.perf_counter()
        if self._redraw is not None and self.overlay.due(now, self._redraw):
            self._redraw = None
            self.overlay.rebuild(self.feedback.series(), self.feedback.report(frame.t_s), now)
        xy, lean, facing = self.feedback.pose()
        parts = self.feedback.part_bands()
        self.overlay.draw(img, xy, parts, self.feedback.near_side(), lean, facing)
        self.overlay.status(img, self._status_lines(marks))
        self.last_image = img
        return img

    def shown(self, now: float, latency_s: float) -> None:
        """A picture went on screen at `now` (perf_counter), `latency_s` after its frame arrived."""
        self.latencies.append(latency_s)
        self.shown_at.append(now)

    def paused_image(self, marks: list[StatusLine]) -> np.ndarray:
        """The last picture, marked as paused."""
        size = self.window.size
        img = (
            self.last_image.copy()
            if self.last_image is not None
            else np.zeros((size[1], size[0], 3), np.uint8)
        )
        if self.overlay is not None:
            self.overlay.status(img, self._status_lines(marks))
        return img

    def _status_lines(self, marks: list[StatusLine]) -> list[StatusLine]:
        """Frames/s and median latency (refreshed twice a second: readable, few distinct labels)."""
        now = time.perf_counter()
        if now - self._rate_at >= 0.5:
            span = self.shown_at[-1] - self.shown_at[0] if len(self.shown_at) > 1 else 0.0
            fps = (len(self.shown_at) - 1) / span if span > 0 else 0.0
            lat = float(np.median(self.latencies)) * 1000.0 if self.latencies else 0.0
            self._rate, self._rate_at = f"{fps:.0f} fps  {lat:.0f} ms", now
        return [(self._rate, None), *marks]
