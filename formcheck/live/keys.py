"""The keys of a live session: q/Esc quit, space pause and resume, r record, s snapshot."""

from __future__ import annotations

from formcheck.live.options import LiveResult
from formcheck.live.recorder import Recording
from formcheck.live.snapshot import Snapshots
from formcheck.live.view import LiveView
from formcheck.live.window import RollingWindow

_QUIT_KEYS = ("q", "esc")


class KeyHandler:
    """Acts on the keys the display returns; holds whether the session is paused."""

    def __init__(
        self,
        result: LiveResult,
        window: RollingWindow,
        view: LiveView,
        recording: Recording,
        snapshots: Snapshots,
    ) -> None:
        self.result, self.window, self.view = result, window, view
        self.recording, self.snapshots = recording, snapshots
        self.paused = False

    def handle(self, key: str | None) -> bool:
        """Act on a key; False when the session should end."""
        if key in _QUIT_KEYS:
            self.result.end = "quit"
            return False
        if key == "space":
            self.paused = not self.paused
            if not self.paused:
                self._restart_window()
        elif key == "r":
            self.recording.toggle()
        elif key == "s":
            self.snapshots.take(self.view.last_image)
        return True

    def _restart_window(self) -> None:
        """After a pause the window's poses are stale: start it afresh."""
        self.window.restart()
        self.recording.mark_break()
