"""The cue worker: the offline cue engine scoring the rolling window in a separate process."""

from __future__ import annotations

import functools
import logging
import multiprocessing
import signal
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from formcheck import engine
from formcheck.cues import Profile
from formcheck.series import PoseSeries

log = logging.getLogger(__name__)

_MIN_WINDOW_POSES = 15  # fewer frames with a pose than this: the athlete is not in view


class CueWorker:
    """Scores the cues of a rolling window with the offline engine, in a separate process.

    A process, not a thread: the engine is mostly Python, and a thread running it would hold the
    GIL in long stretches; every OpenCV and MediaPipe call of the loop gives the GIL up and must
    then wait for it (up to the 5 ms switch interval each time), which stalls drawing and
    inference. One window is scored at a time; the loop submits the newest window whenever the
    worker is idle.
    """

    def __init__(self, profile_path: str | None) -> None:
        self._profile_path = profile_path
        context = multiprocessing.get_context("spawn")  # never fork a process running MediaPipe
        self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_worker_init)
        self._running: Future | None = self._pool.submit(_worker_warm_up, profile_path)
        self.evaluations = 0
        self.failures = 0

    @property
    def idle(self) -> bool:
        """No window is being scored (after `poll` collected the last result)."""
        return self._running is None

    def submit(self, window: PoseSeries, meta: dict) -> None:
        """Score this window (only when idle)."""
        try:
            self._running = self._pool.submit(_worker_score, window, meta, self._profile_path)
        except (BrokenProcessPool, RuntimeError):
            self.failures += 1

    def poll(self) -> tuple[float, dict | None] | None:
        """The finished result, if any: (window end time s, report, or None: too few poses)."""
        if self._running is None or not self._running.done():
            return None
        future, self._running = self._running, None
        try:
            out = future.result()
        except Exception:  # the preview goes on; statuses fade to not assessed
            self.failures += 1
            log.debug("the cue worker failed", exc_info=True)
            return None
        if out is None:
            return None  # the warm-up
        self.evaluations += out[1] is not None
        return out

    def close(self) -> None:
        """Stop the worker process (a running evaluation finishes first)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _worker_init() -> None:
    """In the worker process: Ctrl-C is for the main process (it ends the session)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore", RuntimeWarning)  # short or empty windows are expected


@functools.lru_cache(maxsize=4)
def _worker_profile(profile_path: str | None) -> Profile:
    return engine.load_profile(profile_path)


def _worker_warm_up(profile_path: str | None) -> None:
    """Import the engine and load the profile before the first window comes."""
    _worker_profile(profile_path)


def _worker_score(
    window: PoseSeries, meta: dict, profile_path: str | None
) -> tuple[float, dict | None]:
    """(window end time, the report without in-memory helpers), or (end time, None): too few poses."""
    t_end = float(window.t_s[-1])
    if int(window.detected.sum()) < _MIN_WINDOW_POSES:
        return t_end, None
    with np.errstate(all="ignore"):
        _, rep = engine.evaluate(window, meta, _worker_profile(profile_path))
    return t_end, {k: v for k, v in rep.items() if not k.startswith("_")}
