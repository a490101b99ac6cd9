"""The hand-over from the source to the loop: `Frame`, the newest-frame buffer `LatestFrame`, and
the capture thread that fills it, paced by the frames' timestamps."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from formcheck.live.source import FrameSource


@dataclass(frozen=True)
class Frame:
    """One captured frame: BGR pixels, the source clock's time, and when it reached the loop."""

    index: int
    t_s: float
    bgr: np.ndarray
    arrived: float  # time.perf_counter() when the capture thread handed it over


class LatestFrame:
    """A one-frame buffer between the capture thread and the loop.

    Lossy (cameras, real-time playback): `put` overwrites a frame the loop has not taken yet and
    counts it as dropped, so the loop always gets the newest frame. Lossless (as fast as
    possible): `put` waits until the loop took the previous frame.
    """

    def __init__(self, lossless: bool = False) -> None:
        self.lossless = lossless
        self.captured = 0
        self.dropped = 0
        self.error: BaseException | None = None
        self._frame: Frame | None = None
        self._closed = False
        self._cond = threading.Condition()

    def put(self, frame: Frame) -> bool:
        """Hand over a frame; False once the buffer is closed (the producer should stop)."""
        with self._cond:
            while self.lossless and self._frame is not None and not self._closed:
                self._cond.wait()
            if self._closed:
                return False
            self.dropped += self._frame is not None
            self._frame = frame
            self.captured += 1
            self._cond.notify_all()
            return True

    def get(self, timeout_s: float) -> Frame | None:
        """The newest frame, waiting up to `timeout_s` for one; None if none came."""
        with self._cond:
            if self._frame is None and not self._closed:
                self._cond.wait(timeout_s)
            frame, self._frame = self._frame, None
            self._cond.notify_all()
            return frame

    @property
    def ended(self) -> bool:
        """Closed and empty: no frame will come any more."""
        with self._cond:
            return self._closed and self._frame is None

    def close(self, error: BaseException | None = None) -> None:
        """No more frames (from either side); `error` is why the producer stopped, if it failed."""
        with self._cond:
            if not self._closed:
                self._closed, self.error = True, error
            self._cond.notify_all()

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds` unless the buffer is closed meanwhile; False if it was."""
        with self._cond:
            return not self._cond.wait_for(lambda: self._closed, timeout=max(seconds, 0.0))


def capture_frames(source: FrameSource, slot: LatestFrame, paced: bool) -> None:
    """Capture thread: move frames from the source into the buffer, paced by their timestamps."""
    frames = source.frames()
    wall0 = None
    try:
        for i, (t_s, bgr) in enumerate(frames):
            if paced:
                wall0 = time.perf_counter() - t_s if wall0 is None else wall0
                if not slot.sleep(wall0 + t_s - time.perf_counter()):
                    break
            if not slot.put(Frame(i, t_s, bgr, time.perf_counter())):
                break
    except BaseException as exc:  # noqa: BLE001 - handed to the loop
        slot.close(exc)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    slot.close()
