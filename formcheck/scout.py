"""The people count: a single-frame (IMAGE-mode) detector that counts the people in a frame once
a second, in its own thread.

The trackers ask it about a frame and act on the answer a fixed number of frames later
(`formcheck.tracking`), so the results never depend on how fast it answers.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from formcheck import subject
from formcheck.pose import ModelInfo, PoseEstimator, load_estimator

#: Seconds between the people counts.
SCOUT_EVERY_S = 1.0
#: Single-frame detection finds small or low-contrast people less readily than tracking does, so
#: the scout accepts weaker detections: a false alarm only costs tracking a second person.
SCOUT_CONFIDENCE = 0.3
#: The most people one count looks for.
MAX_COUNTED = 3

_STOP = object()


class Check:
    """One people count asked of the scout: the frame it was asked for and, once done, the count."""

    def __init__(self, frame: int, rgb: np.ndarray) -> None:
        self.frame, self.rgb = frame, rgb
        self.people = 0
        self.done = threading.Event()


class Scout(threading.Thread):
    """Counts the people in single frames, in its own thread, in the order asked."""

    def __init__(self, model: ModelInfo) -> None:
        super().__init__(name="formcheck-scout", daemon=True)
        self.model = model
        self.estimator: PoseEstimator | None = None  # loaded in the thread: models load side by side
        self.inbox: queue.Queue = queue.Queue()
        self.error: BaseException | None = None

    def ask(self, frame: int, rgb: np.ndarray) -> Check:
        check = Check(frame, rgb)
        self.inbox.put(check)
        return check

    def run(self) -> None:
        try:
            self.estimator = load_estimator(self.model, num_poses=MAX_COUNTED, video=False, min_confidence=SCOUT_CONFIDENCE)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.error = exc
        while (check := self.inbox.get()) is not _STOP:
            try:
                if self.error is None and self.estimator is not None:
                    check.people = len(subject.distinct(self.estimator.estimate(check.rgb, 0)))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self.error = exc
            finally:
                check.rgb = None
                check.done.set()

    def wait(self, check: Check) -> int:
        """The count of `check`, waiting for it (0 if the scout failed: its error is raised later)."""
        while not check.done.wait(0.1):
            if not self.is_alive():
                return 0
        return check.people

    def finish(self) -> None:
        self.inbox.put(_STOP)
        self.join()
