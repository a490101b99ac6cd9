"""Where the shown frames go and the keys come from: the `Display` interface, the desktop window
(`OpenCVDisplay`) and the scripted, windowless `HeadlessDisplay`."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import ClassVar, Protocol

import cv2
import numpy as np

from formcheck.errors import ConfigError


class Display(Protocol):
    """Where the annotated frames go, and where the keys come from."""

    def show(self, bgr: np.ndarray) -> str | None:
        """Show a frame; return the key pressed since the last call, if any.

        Keys are named: "q", "esc", "space", "r", "s", or the character typed.
        """
        ...

    def idle(self) -> str | None:
        """No new frame yet: keep the window responsive; return a key pressed, if any."""
        ...

    def close(self) -> None:
        """Close the window."""
        ...


class OpenCVDisplay:
    """A desktop window (OpenCV HighGUI).

    The window opens when the display is made, before the session starts its threads: with the
    Qt build of OpenCV, opening the first window while the capture thread and the model's threads
    are busy was seen to hang.

    Raises:
        ConfigError: there is no screen (on Linux: neither DISPLAY nor WAYLAND_DISPLAY is set).
    """

    TITLE = "formcheck live - q quit, space pause, r record, s snapshot"
    _NAMES: ClassVar[dict[int, str]] = {27: "esc", 32: "space"}

    def __init__(self) -> None:
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            raise ConfigError(
                "there is no screen to show the live window (DISPLAY is not set) — run with --headless; it still records and reports"
            )
        loaded = list(sys.modules)
        if sys.platform.startswith("linux") and loaded.index("av") < loaded.index("cv2"):
            raise ConfigError(
                "the live window cannot open in this process: PyAV was imported before OpenCV and their bundled X11 libraries clash — import cv2 before av (the formcheck command does)"
            )
        cv2.namedWindow(self.TITLE, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
        self._open = True
        self._shown = False

    def show(self, bgr: np.ndarray) -> str | None:
        """Show the frame and poll the keyboard for 1 ms; closing the window counts as q."""
        if not self._shown:
            cv2.resizeWindow(self.TITLE, bgr.shape[1], bgr.shape[0])
            self._shown = True
        cv2.imshow(self.TITLE, bgr)
        return self.idle()

    def idle(self) -> str | None:
        """Poll the keyboard for 1 ms (the window redraws meanwhile)."""
        if self._shown and cv2.getWindowProperty(self.TITLE, cv2.WND_PROP_VISIBLE) < 1:
            return "q"
        code = cv2.waitKey(1)
        if code < 0:
            return None
        code &= 0xFF
        return self._NAMES.get(code, chr(code).lower())

    def close(self) -> None:
        """Close the window."""
        if self._open:
            cv2.destroyWindow(self.TITLE)
            cv2.waitKey(1)
            self._open = False


class HeadlessDisplay:
    """No window: frames are counted (the last one kept), keys come from a script.

    Args:
        keys: {tick: key}: `show` call number `tick` (0-based) returns `key`, as if it had been
            pressed while that frame was on screen. While paused, the loop keeps calling `show`
            with the paused picture, so ticks go on.
    """

    def __init__(self, keys: Mapping[int, str] | None = None) -> None:
        self.keys = dict(keys or {})
        self.ticks = 0
        self.last: np.ndarray | None = None

    def show(self, bgr: np.ndarray) -> str | None:
        """Keep the frame; return the scripted key of this tick."""
        self.last = bgr
        key = self.keys.get(self.ticks)
        self.ticks += 1
        return key

    def idle(self) -> str | None:
        """No key: the script is tied to shown frames."""
        return None

    def close(self) -> None:
        """Nothing to close."""
