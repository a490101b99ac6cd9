"""One live session: its parts wired together (`_Session`), the loop over the newest frames, and
`run`, which starts the capture thread and the cue worker around the loop and saves at the end."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np

from formcheck import engine
from formcheck.errors import FormcheckError, OutputError
from formcheck.live.display import Display
from formcheck.live.frames import Frame, LatestFrame, capture_frames
from formcheck.live.keys import KeyHandler
from formcheck.live.options import LiveOptions, LiveResult
from formcheck.live.recorder import Recording
from formcheck.live.snapshot import Snapshots
from formcheck.live.source import FrameSource, open_source
from formcheck.live.view import LiveView, StatusLine
from formcheck.live.window import RollingWindow
from formcheck.live.worker import CueWorker
from formcheck.pipeline import AnalyzeOptions, Progress, analyze
from formcheck.pose import PoseEstimator, find_model, load_estimator

class _Session:
    """One live session: the state of the main loop (see `formcheck.live`), in parts: the rolling
    window, the picture shown, the recording and the keys."""

    def __init__(self, options: LiveOptions, source: FrameSource, display: Display) -> None:
        self.o, self.source, self.display = options, source, display
        info = source.info
        mirror = options.mirror if options.mirror is not None else info.kind == "camera"
        name = (
            options.record_path.stem if options.record_path else time.strftime("live-%Y%m%d-%H%M%S")
        )
        self.model = find_model(options.model_path)
        engine.load_profile(options.profile_path)  # a bad profile fails now, not in the worker
        self.result = LiveResult()
        self.window = RollingWindow(options, info, self.model)
        self.view = LiveView(self.window, mirror)
        self.recording = Recording(options, name, info.fps)
        snapshots = Snapshots(options, name, self.result)
        self.keys = KeyHandler(self.result, self.window, self.view, self.recording, snapshots)
        self._last_ms = -1
        self._timing: dict[str, list[float]] = {"latency": [], "model": [], "draw": []}
        if options.record_path or options.report_dir:
            self.recording.start()

    @property
    def paused(self) -> bool:
        """Paused with the space key: the loop shows the last picture and takes no frame."""
        return self.keys.paused

    def handle(self, key: str | None) -> bool:
        """Act on a key; False when the session should end."""
        return self.keys.handle(key)

    def process(self, frame: Frame, worker: CueWorker, estimator: PoseEstimator) -> str | None:
        """Pose, smoothing, recording, cue scoring, overlay and display of one frame.

        Returns:
            The key pressed while the frame was shown, if any.
        """
        t0 = time.perf_counter()
        ms = max(round(frame.t_s * 1000.0), self._last_ms + 1)  # VIDEO mode: strictly increasing
        self._last_ms = ms
        rgb = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB)
        found = estimator.estimate(rgb, ms)
        t1 = time.perf_counter()
        self.result.frames_with_pose += bool(found)
        self.window.add(frame.t_s, found, rgb)
        self.recording.write(frame.bgr, frame.t_s)
        changes = self.window.score(worker, frame.t_s)
        if changes is not None:
            self.result.status_changes += changes
            self.view.invalidate(bool(changes))
        img = self.view.draw(frame, self._marks())
        t2 = time.perf_counter()
        key = self.display.show(img)
        now = time.perf_counter()
        for name, value in (
            ("latency", now - frame.arrived),
            ("model", t1 - t0),
            ("draw", t2 - t1),
        ):
            self._timing[name].append(value * 1000.0)
        self.view.shown(now, now - frame.arrived)
        self.result.frames_processed += 1
        return key

    def paused_image(self) -> np.ndarray:
        """The last picture, marked as paused."""
        return self.view.paused_image(self._marks())

    def _marks(self) -> list[StatusLine]:
        """The status lines under the frame rate: REC while recording, PAUSED while paused."""
        marks: list[StatusLine] = []
        rec = self.recording.label()
        if rec is not None:
            marks.append((rec, (40, 40, 230)))
        if self.keys.paused:
            marks.append(("PAUSED", (0, 200, 255)))
        return marks

    def save_recording(self) -> None:
        """Finish the recording, if there is one, and note where it is."""
        self.recording.save(self.result)

    def finish(self, slot: LatestFrame, worker: CueWorker, elapsed_s: float) -> None:
        """Fill the result's counters."""
        r = self.result
        r.frames_captured, r.frames_dropped, r.elapsed_s = slot.captured, slot.dropped, elapsed_s
        r.evaluations = worker.evaluations
        r.latency_ms, r.model_ms, r.draw_ms = (
            np.array(self._timing[k]) for k in ("latency", "model", "draw")
        )


def _loop(s: _Session, slot: LatestFrame, worker: CueWorker, estimator: PoseEstimator) -> None:
    """Take the newest frame, process it, act on keys, until a stop condition."""
    first_s: float | None = None
    while True:
        if s.paused:
            if not s.handle(s.display.show(s.paused_image())):
                return
            slot.sleep(1.0 / 30.0)
            continue
        frame = slot.get(timeout_s=0.1)
        if frame is None:
            if slot.ended:
                s.result.end = "source failed" if slot.error is not None else "end of source"
                if slot.error is not None:
                    raise slot.error
                return
            if not s.handle(s.display.idle()):
                return
            continue
        first_s = frame.t_s if first_s is None else first_s
        if not s.handle(s.process(frame, worker, estimator)):
            return
        if s.o.max_seconds is not None and frame.t_s - first_s >= s.o.max_seconds:
            s.result.end = "max seconds"
            return


def run(options: LiveOptions, display: Display, progress: Progress | None = None) -> LiveResult:
    """Run a live session until quit, the end of the source or `max_seconds`; then save.

    Ctrl-C ends the session like the q key. The recording is finished and, with a report folder,
    `pipeline.analyze` writes the report of the recording (`progress` is passed on to it). The
    cue engine runs in a spawned process, so a script calling this needs the usual
    ``if __name__ == "__main__":`` guard.

    Raises:
        VideoError: the camera, file or stream cannot be opened.
        ModelError, ConfigError, OutputError: as for `formcheck analyze`.
        Failures after the session started do not raise: they are in `LiveResult.errors`, and
        what was recorded is kept.
    """
    if options.report_dir is not None:
        try:
            options.report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create the report folder ({exc.strerror or exc}) — choose a writable folder",
                options.report_dir,
            ) from exc
    source = open_source(options)
    try:
        session = _Session(options, source, display)
        _run_session(session, options)
    finally:
        source.close()
        display.close()
    result = session.result
    if session.window.rep is not None:
        result.movement = session.window.rep["movement"]["type"]
        result.camera = session.window.rep.get("camera", {}).get("label")
    if result.recording is not None and options.report_dir is not None:
        try:
            how = AnalyzeOptions(model_path=options.model_path, profile_path=options.profile_path)
            result.report = analyze(result.recording, options.report_dir, how, progress)
        except FormcheckError as exc:
            result.errors.append(exc)
    return result


def _run_session(s: _Session, options: LiveOptions) -> None:
    """The threads and the worker around the loop; the recording is saved whatever happens."""
    slot = LatestFrame(lossless=options.as_fast_as_possible)
    paced = s.source.info.paceable and not options.as_fast_as_possible
    capture = threading.Thread(
        target=capture_frames, args=(s.source, slot, paced), name="formcheck-capture", daemon=True
    )
    worker = estimator = None
    try:
        worker = CueWorker(options.profile_path)  # its start-up overlaps the model's
        estimator = load_estimator(s.model)
        start = time.perf_counter()
        capture.start()
        try:
            _loop(s, slot, worker, estimator)
        except KeyboardInterrupt:
            s.result.end = "interrupted"
        except FormcheckError as exc:
            s.result.errors.append(exc)
            s.result.end = s.result.end or "failed"
        finally:
            slot.close()
            capture.join(timeout=5.0)
            s.finish(slot, worker, time.perf_counter() - start)
    finally:
        if estimator is not None:
            estimator.close()
        if worker is not None:
            worker.close()
        s.save_recording()
