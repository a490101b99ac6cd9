"""Live preview: camera, file or stream → pose → rolling cues → overlay, in real time.

Three threads and one worker process share the work:

* capture thread: reads the source and keeps only the newest frame (`LatestFrame`). When the
  model is slower than the camera, frames are dropped, never queued into a growing delay. A file
  plays as if it were a camera, paced by its timestamps, unless `as_fast_as_possible` (then every
  frame is processed and none dropped).
* main thread (`run`): the pose model on the newest frame (MediaPipe VIDEO mode), One Euro
  smoothing for the drawn skeleton, the offline overlay (`LiveOverlay` over `render.Overlay`),
  `Display.show` and the keys.
* cue worker process (`CueWorker`): the offline cue engine (`engine.evaluate`) on the raw poses
  of the last few seconds, a few times per second; `CueHysteresis` changes a cue's shown band
  only after the new band has held for a while, so feedback does not flicker.
* recorder thread: H.264 encoding of the processed (raw, unmirrored) frames (`video.VideoSink`).

On exit the recording is renamed into place and, with a report folder, `pipeline.analyze` runs
on it, so the report is the one `formcheck analyze` writes.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import uuid
import warnings
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

# isort: off
# OpenCV before PyAV: both wheels bundle X11/xcb libraries under the same names, and when
# PyAV's load first, OpenCV's Qt window hangs when it opens.
import cv2
import av

# isort: on
import numpy as np

from formcheck import engine, render
from formcheck._threads import Consumer
from formcheck.cues import CueHysteresis, Profile
from formcheck.errors import ConfigError, FormcheckError, OutputError, VideoError
from formcheck.filters import OneEuroFilter, OneEuroOptions
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.metrics import lean_from_vertical
from formcheck.pipeline import AnalysisResult, AnalyzeOptions, Progress, analyze
from formcheck.pose import PoseEstimator, find_model, load_estimator
from formcheck.series import PoseSeries
from formcheck.video import VideoSink, probe, read_frames

log = logging.getLogger(__name__)

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_QUIT_KEYS = ("q", "esc")
_MIN_WINDOW_S = 1.5  # the cues are first scored once the window is this long
_MIN_WINDOW_POSES = 15  # fewer frames with a pose than this: the athlete is not in view
_MIN_VISIBILITY = 0.2  # landmarks drawn only above this visibility (as offline cleaning does)


@dataclass(frozen=True)
class LiveOptions:
    """What to show, record and report.

    Attributes:
        camera: camera index (used when `source` is None).
        source: a video file or a stream URL (rtsp://, http://, ...) played as if it were a camera.
        record_path: record the session here (H.264 MP4); recording starts at once.
        report_dir: on exit, write the `analyze` report of the recording into this folder (the
            session is recorded even without `record_path`, as `report_dir/live-<time>.mp4`).
        max_seconds: stop after this many seconds of the source's clock.
        mirror: flip the picture like a mirror; None = for cameras only.
        as_fast_as_possible: for `source`: no real-time pacing, every frame processed.
        model_path, profile_path: as for `formcheck analyze`.
        window_s: the rolling window the cues are scored over (the last few strides).
        cue_rate_hz: how often the cues are re-scored.
        hold_s: a cue's shown status changes only after the new status held this long.
        smoothing: One Euro settings for the drawn skeleton.
    """

    camera: int = 0
    source: str | None = None
    record_path: Path | None = None
    report_dir: Path | None = None
    max_seconds: float | None = None
    mirror: bool | None = None
    as_fast_as_possible: bool = False
    model_path: str | None = None
    profile_path: str | None = None
    window_s: float = 5.0
    cue_rate_hz: float = 4.0
    hold_s: float = 1.0
    smoothing: OneEuroOptions = field(default_factory=OneEuroOptions)


@dataclass
class LiveResult:
    """What a session did.

    Attributes:
        frames_captured / frames_processed / frames_dropped: frames read from the source, run
            through the model and shown, and overwritten before the loop could take them.
        latency_ms: (frames_processed,) time from a frame's arrival to its overlay being shown.
        model_ms / draw_ms: (frames_processed,) time in the pose model / drawing the overlay.
        elapsed_s: wall time of the loop (pauses included).
        evaluations: how many times the cue engine scored the rolling window.
        status_changes: (source time s, cue id, new shown status), in order.
        end: why it stopped: "quit", "end of source", "max seconds", "interrupted", "source failed".
        recording / recorded_frames: the saved recording, if any, and its frame count.
        snapshots: PNG files written with the `s` key.
        report: the `analyze` result of the recording (with `report_dir`).
        errors: failures that did not lose the session (source died, report failed, ...).
    """

    frames_captured: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    frames_with_pose: int = 0
    latency_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    draw_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    elapsed_s: float = 0.0
    evaluations: int = 0
    status_changes: list[tuple[float, str, str]] = field(default_factory=list)
    end: str = ""
    recording: Path | None = None
    recorded_frames: int = 0
    snapshots: list[Path] = field(default_factory=list)
    report: AnalysisResult | None = None
    errors: list[FormcheckError] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """Frames processed and shown per second of wall time."""
        return self.frames_processed / self.elapsed_s if self.elapsed_s > 0 else 0.0


# --- frames and the newest-frame buffer -------------------------------------------------------


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


# --- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInfo:
    """What the frames come from. `kind` is "camera", "file" or "stream"; fps is nominal."""

    name: str
    kind: str
    width: int
    height: int
    fps: float
    paceable: bool  # timestamps come from the media (pace them); else frames arrive live


class FrameSource(Protocol):
    """A source of BGR frames with times in seconds from its start."""

    info: SourceInfo

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """(t_s, bgr) in order; raises VideoError if the source fails midway."""
        ...

    def close(self) -> None:
        """Release the device or connection."""
        ...


class FileSource:
    """A video file, decoded by `formcheck.video` (rotation applied, true timestamps)."""

    def __init__(self, path: Path) -> None:
        vi = probe(path)
        self.path = path
        self.info = SourceInfo(str(path), "file", vi.width, vi.height, vi.fps, paceable=True)

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Every frame of the file, upright, BGR."""
        return read_frames(self.path, "bgr24")

    def close(self) -> None:
        """Nothing to release (the decoder closes with its iterator)."""


class PyAVStream:
    """A network stream (rtsp, http, ...) decoded by PyAV, with the stream's own timestamps."""

    def __init__(self, url: str, container: av.container.InputContainer) -> None:
        self._container = container
        self._stream = container.streams.video[0]
        cc = self._stream.codec_context
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.info = SourceInfo(
            url, "stream", cc.width, cc.height, float(rate) if rate else 30.0, paceable=True
        )

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Decoded frames; times made strictly increasing from 0."""
        step_s = 1.0 / self.info.fps
        t0 = last = prev = None
        try:
            for frame in self._container.decode(self._stream):
                t_abs = (
                    frame.time
                    if frame.time is not None
                    else (last + step_s if last is not None else 0.0)
                )
                t0 = t_abs if t0 is None else t0
                t = t_abs - t0 if prev is None else max(t_abs - t0, prev + 1e-4)
                last, prev = t_abs, t
                yield t, frame.to_ndarray(format="bgr24")
        except av.error.FFmpegError as exc:
            raise VideoError(f"the stream broke off ({exc}) — check the connection", None) from exc

    def close(self) -> None:
        """Close the connection."""
        self._container.close()


class OpenCVCapture:
    """A camera (or a stream PyAV cannot open) read by OpenCV; times from the arrival clock."""

    def __init__(self, cap: cv2.VideoCapture, name: str, kind: str, first: np.ndarray) -> None:
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        h, w = first.shape[:2]
        self.info = SourceInfo(
            name, kind, w, h, fps if 1.0 < fps < 1000.0 else 30.0, paceable=False
        )

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Frames as they arrive; ends when the device stops (raises for a camera)."""
        t0 = time.perf_counter()
        while True:
            ok, bgr = self._cap.read()
            if not ok:
                if self.info.kind == "camera":
                    raise VideoError(
                        "the camera stopped sending frames — check its cable, or whether another program took it"
                    )
                return
            yield time.perf_counter() - t0, bgr

    def close(self) -> None:
        """Release the device."""
        self._cap.release()


def _in_thread(work, timeout_s: float) -> tuple[bool, object]:
    """Run `work()` in a daemon thread; (finished in time, its return value)."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(work()), name="formcheck-open", daemon=True)
    thread.start()
    thread.join(timeout_s)
    return bool(box), (box[0] if box else None)


def _try_capture(target: int | str) -> tuple[cv2.VideoCapture | None, np.ndarray | None]:
    """Open `target` with OpenCV and read one frame: (capture or None, first frame or None)."""
    cap = cv2.VideoCapture(target)
    if not cap.isOpened():
        cap.release()
        return None, None
    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # a short driver queue: fresher frames, less latency
    ok, first = cap.read()
    return cap, first if ok else None


def available_cameras(indices: range = range(10), timeout_s: float = 3.0) -> tuple[list[int], bool]:
    """Camera indices OpenCV can open, probed in order: (indices found, whether all were probed)."""
    found: list[int] = []
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # failed opens log noise

    def probe_all() -> bool:
        for i in indices:
            cap = cv2.VideoCapture(i)
            if cap.isOpened():
                found.append(i)
            cap.release()
        return True

    try:
        done, _ = _in_thread(probe_all, timeout_s)
    finally:
        cv2.utils.logging.setLogLevel(level)
    return list(found), done


def _cameras_hint(exclude: int) -> str:
    found, complete = available_cameras()
    others = [i for i in found if i != exclude]
    if others:
        return f"cameras answer on {', '.join(map(str, others))}; pass --camera {others[0]}"
    probed = "indices 0–9" if complete else "the indices probed before the probe timed out"
    return (
        f"no other camera answers ({probed}); connect one, or play a file with --source FILE_OR_URL"
    )


def open_camera(index: int, timeout_s: float = 5.0) -> OpenCVCapture:
    """Open camera `index` and check that it sends a picture.

    Raises:
        VideoError: no such camera, or it is busy (lists the camera indices that do answer).
    """
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        done, value = _in_thread(lambda: _try_capture(index), timeout_s)
    finally:
        cv2.utils.logging.setLogLevel(level)
    cap, first = value if done else (None, None)
    if not done:
        raise VideoError(
            f"camera {index} did not answer within {timeout_s:.0f} s (busy?) — {_cameras_hint(index)}"
        )
    if cap is None:
        raise VideoError(f"no camera at index {index} — {_cameras_hint(index)}")
    if first is None:
        cap.release()
        raise VideoError(
            f"camera {index} opens but sends no picture (in use by another program?) — close that program, or {_cameras_hint(index)}"
        )
    return OpenCVCapture(cap, f"camera {index}", "camera", first)


def open_stream(url: str, timeout_s: float = 10.0) -> FrameSource:
    """Open a network stream with PyAV, else with OpenCV.

    Raises:
        VideoError: neither can open it.
    """
    options = {"rtsp_transport": "tcp"} if url.lower().startswith("rtsp") else {}
    try:
        container = av.open(url, options=options, timeout=(timeout_s, timeout_s))
        if container.streams.video:
            return PyAVStream(url, container)
        container.close()
        reason = "it has no video"
    except (av.error.FFmpegError, OSError) as exc:
        reason = str(exc).split(":")[0].strip() or type(exc).__name__
    done, value = _in_thread(lambda: _try_capture(url), timeout_s)
    cap, first = value if done else (None, None)
    if cap is not None and first is not None:
        return OpenCVCapture(cap, url, "stream", first)
    if cap is not None:
        cap.release()
    raise VideoError(
        f"cannot play the stream ({reason}) — check the address and that the server is reachable"
    )


def open_source(options: LiveOptions) -> FrameSource:
    """The camera, file or stream the options ask for."""
    if options.source is None:
        return open_camera(options.camera)
    if _URL.match(options.source):
        return open_stream(options.source)
    return FileSource(Path(options.source))


def _capture(source: FrameSource, slot: LatestFrame, paced: bool) -> None:
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


# --- displays -----------------------------------------------------------------------------------


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


# --- recording ----------------------------------------------------------------------------------


class Recorder:
    """H.264 recording of raw frames in a background thread; temporary name, renamed on close.

    Pausing or stopping the recording leaves no frozen stretch in the file: the first frame after
    a break follows the last one by one frame interval.
    """

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        self.frames = 0
        self._tmp = path.with_name(f".{path.stem}.partial-{uuid.uuid4().hex[:8]}.mp4")
        self._sink: VideoSink | None = None
        self._writer: Consumer | None = None
        self._offset_s: float | None = None
        self._last_s = 0.0
        self._break = False

    def write(self, bgr: np.ndarray, t_s: float) -> None:
        """Add a frame captured at source time `t_s`."""
        if self._sink is None:
            try:
                self._sink = VideoSink(self._tmp, bgr.shape[1], bgr.shape[0], self.fps)
            except (OSError, av.error.FFmpegError) as exc:
                raise OutputError(
                    f"cannot write the recording ({exc}) — choose a writable place with --record",
                    self.path,
                ) from exc
            sink = self._sink
            self._writer = Consumer(lambda item: sink.write(*item), maxsize=8)
        if self._offset_s is None:
            self._offset_s = t_s
        elif self._break:
            self._offset_s = t_s - (self._last_s + 1.0 / self.fps)
        self._break = False
        self._last_s = t_s - self._offset_s
        assert self._writer is not None
        self._writer.submit((bgr, self._last_s))
        self.frames += 1

    def mark_break(self) -> None:
        """Frames stopped being recorded for a while (paused or recording toggled off)."""
        self._break = True

    def close(self) -> Path | None:
        """Finish the file and rename it into place; None (and no file) if nothing was recorded."""
        if self._sink is None:
            return None
        try:
            assert self._writer is not None
            self._writer.close()
            self._sink.close()
            os.replace(self._tmp, self.path)
        except (OSError, av.error.FFmpegError) as exc:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(
                f"cannot finish the recording ({exc}) — check free space", self.path
            ) from exc
        return self.path


# --- cues over a rolling window -----------------------------------------------------------------


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


# --- drawing ------------------------------------------------------------------------------------


def _worst_band(bands: list[str]) -> str:
    """The body part's colour: its worst assessed band, "none" without one (as render does)."""
    ranked = [b for b in ("poor", "fair", "good") if b in bands]
    return ranked[0] if ranked else "none"


class LiveOverlay:
    """The offline overlay, adapted to a live picture (a thin adapter over `render.Overlay`).

    `render.Overlay` prepares a whole clip at once (pre-rendered panel and timeline sprites, tens
    of ms), so it cannot be rebuilt per frame. Here it is rebuilt over the last seconds of
    smoothed poses when what it shows changes (at most once per `refresh_s`, or at once when a
    cue's shown band changes); its heads-up panel and its timeline strip (the recent history of
    the shown bands, playhead at the right) are drawn on every frame, and the current pose is
    drawn on top with the same colours and line widths: each body part in the worst shown band
    of its cues, far-side limbs dimmed, and, seen side-on, the trunk line with its lean.
    """

    def __init__(self, width: int, height: int, refresh_s: float = 1.0) -> None:
        self.w, self.h = width, height
        self.refresh_s = refresh_s
        self.sizes = render.Sizes.for_frame(width, height, render.DrawStyle())
        self.glyphs = render.Labels(self.sizes.small)
        self.base: render.Overlay | None = None
        self.built_at = -np.inf

    def due(self, now: float, urgent: bool) -> bool:
        """Whether a rebuild may happen now (`urgent`: a cue's shown band changed)."""
        return urgent or now - self.built_at >= self.refresh_s

    def rebuild(self, series: PoseSeries, rep: dict, now: float) -> None:
        """Prepare the panel and the strip for `rep` over the smoothed poses of `series`."""
        self.base = render.Overlay(series, rep, self.w, self.h)
        self.built_at = now

    def draw(
        self,
        img: np.ndarray,
        xy: np.ndarray,
        parts: Mapping[str, str],
        near: str | None,
        lean_deg: float,
        facing: int,
    ) -> None:
        """Panel, strip, then the pose `xy` ((33, 2) normalized, NaN = missing) on top."""
        if self.base is not None:
            self.base.draw_hud(img, self.base.n - 1)
            self.base.draw_timeline(img, self.base.n - 1)
        px = xy.astype(np.float64) * (self.w, self.h)
        ok = np.isfinite(px).all(axis=1)
        if ok.any():
            self._skeleton(img, px, ok, parts, near)
            if self.base is not None and self.base.sagittal:  # a true angle only seen side-on
                self._trunk(img, px, parts["trunk"], lean_deg, facing)

    def _skeleton(
        self,
        img: np.ndarray,
        px: np.ndarray,
        ok: np.ndarray,
        parts: Mapping[str, str],
        near: str | None,
    ) -> None:
        def colour(body: str, dim: bool) -> tuple[int, int, int]:
            c = render.COLOURS[parts[body]]
            return tuple(int(v * 0.7) for v in c) if dim else c

        render.paint_skeleton(img, px, ok, self.sizes.line, near, colour)

    def _trunk(
        self, img: np.ndarray, px: np.ndarray, band: str, lean_deg: float, facing: int
    ) -> None:
        hip = (px[L.LEFT_HIP] + px[L.RIGHT_HIP]) / 2
        sho = (px[L.LEFT_SHOULDER] + px[L.RIGHT_SHOULDER]) / 2
        if not (np.isfinite(hip).all() and np.isfinite(sho).all()):
            return
        th = self.sizes.line
        length = float(np.linalg.norm(sho - hip))
        top = hip + (0.0, -length * 1.1)
        for k in range(0, 8, 2):  # dashed vertical reference
            a, b = hip + (top - hip) * k / 8, hip + (top - hip) * (k + 1) / 8
            cv2.line(img, _pt(a), _pt(b), (255, 255, 255), max(1, th // 2), cv2.LINE_AA)
        cv2.line(img, _pt(hip), _pt(sho), (20, 20, 20), th + 3, cv2.LINE_AA)
        cv2.line(img, _pt(hip), _pt(sho), render.COLOURS[band], th + 1, cv2.LINE_AA)
        if np.isfinite(lean_deg):
            text = f"lean {abs(lean_deg):.0f}° {'fwd' if lean_deg >= 0 else 'back'}"
            mid, gap = (hip + sho) / 2, length * 0.3
            x = int(mid[0] - gap) - self.glyphs.width(text) if facing > 0 else int(mid[0] + gap)
            self.glyphs.draw(img, text, x, int(mid[1]) - self.glyphs.height // 2)

    def status(self, img: np.ndarray, lines: list[tuple[str, tuple[int, int, int] | None]]) -> None:
        """Live status lines (frames/s, latency, REC, PAUSED) bottom right, above the strip."""
        m = self.sizes.margin
        rect = self.base.strip_rect() if self.base is not None else None
        y = (rect[1] if rect else self.h) - m - self.glyphs.height * len(lines)
        for text, dot in lines:
            x = self.w - m - self.glyphs.width(text)
            if dot is not None:
                r = self.glyphs.height // 3
                cv2.circle(img, (x - r - 4, y + self.glyphs.height // 2), r, dot, -1, cv2.LINE_AA)
            self.glyphs.draw(img, text, x, y)
            y += self.glyphs.height


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(p[0]), round(p[1])


# --- the loop -----------------------------------------------------------------------------------


@dataclass
class _Pose:
    """One processed frame's pose: raw for the engine, smoothed for drawing."""

    t_s: float
    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    smooth_xy: np.ndarray


def _no_pose() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nan = np.float32(np.nan)
    return (np.full((NUM_LANDMARKS, 2), nan, np.float32), np.full(NUM_LANDMARKS, nan, np.float32),
            np.full((NUM_LANDMARKS, 3), nan, np.float32))  # fmt: skip


class _Session:
    """One live session: the state of the main loop (see the module docstring)."""

    def __init__(self, options: LiveOptions, source: FrameSource, display: Display) -> None:
        self.o, self.source, self.display = options, source, display
        info = source.info
        self.mirror = options.mirror if options.mirror is not None else info.kind == "camera"
        self.name = (
            options.record_path.stem if options.record_path else time.strftime("live-%Y%m%d-%H%M%S")
        )
        self.model = find_model(options.model_path)
        engine.load_profile(options.profile_path)  # a bad profile fails now, not in the worker
        self.result = LiveResult()
        self.size = (info.width, info.height)
        self.poses: deque[_Pose] = deque()
        self.euro = OneEuroFilter(options.smoothing)
        self.hysteresis = CueHysteresis(options.hold_s)
        self.history: deque[tuple[float, dict[str, str]]] = deque()
        self.rep: dict | None = None
        self.note = "warming_up"  # shown instead of the movement type while there is no report
        self.overlay: LiveOverlay | None = None
        self._redraw: bool | None = False  # the panel is out of date (True: urgently)
        self.recorder: Recorder | None = None
        self.recording = self.paused = False
        self.last_image: np.ndarray | None = None
        self.shown_at: deque[float] = deque(maxlen=31)
        self.latencies: deque[float] = deque(maxlen=30)
        self._last_eval_s = -np.inf
        self._last_ms = -1
        self._rate, self._rate_at = "", -np.inf
        self._timing: dict[str, list[float]] = {"latency": [], "model": [], "draw": []}
        if options.record_path or options.report_dir:
            self._start_recording()

    # -- keys -------------------------------------------------------------------------------------

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
            if self.recording:
                self.recording = False
            else:
                self._start_recording()
        elif key == "s":
            self._snapshot()
        return True

    def _start_recording(self) -> None:
        if self.recorder is None:
            dest = self.o.record_path or (self.o.report_dir or Path.cwd()) / f"{self.name}.mp4"
            if not dest.parent.is_dir():
                raise OutputError(
                    "the folder for the recording does not exist — create it or choose another path",
                    dest.parent,
                )
            self.recorder = Recorder(dest, self.source.info.fps)
        else:
            self.recorder.mark_break()
        self.recording = True

    def _snapshot(self) -> None:
        """The picture as shown, as PNG beside the recording (or in the report folder, or here)."""
        if self.last_image is None:
            return
        folder = (
            self.o.record_path.parent if self.o.record_path else self.o.report_dir or Path.cwd()
        )
        dest = folder / f"{self.name}-snapshot-{len(self.result.snapshots) + 1:03d}.png"
        tmp = dest.with_name(f".{dest.name}.partial")
        try:
            tmp.write_bytes(cv2.imencode(".png", self.last_image)[1].tobytes())
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self.result.errors.append(
                OutputError(
                    f"cannot write the snapshot ({exc.strerror or exc}) — check the folder", dest
                )
            )
            return
        self.result.snapshots.append(dest)

    def _restart_window(self) -> None:
        """After a pause the window's poses are stale: start it afresh."""
        self.poses.clear()
        self.euro.reset()
        if self.recorder is not None:
            self.recorder.mark_break()

    # -- one frame --------------------------------------------------------------------------------

    def process(self, frame: Frame, worker: CueWorker, estimator: PoseEstimator) -> str | None:
        """Pose, smoothing, recording, cue scoring, overlay and display of one frame.

        Returns:
            The key pressed while the frame was shown, if any.
        """
        t0 = time.perf_counter()
        self.size = (frame.bgr.shape[1], frame.bgr.shape[0])
        ms = max(round(frame.t_s * 1000.0), self._last_ms + 1)  # VIDEO mode: strictly increasing
        self._last_ms = ms
        found = estimator.estimate(cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB), ms)
        t1 = time.perf_counter()
        xy, vis, world = (found[0].xy, found[0].visibility, found[0].world) if found else _no_pose()
        self.result.frames_with_pose += bool(found)
        self.poses.append(_Pose(frame.t_s, xy, vis, world, self.euro(xy, frame.t_s)))
        while self.poses[0].t_s < frame.t_s - self.o.window_s:
            self.poses.popleft()
        if self.recording and self.recorder is not None:
            self.recorder.write(frame.bgr, frame.t_s)
        self._score(worker, frame.t_s)
        img = self.draw(frame)
        t2 = time.perf_counter()
        self.last_image = img
        key = self.display.show(img)
        now = time.perf_counter()
        for name, value in (
            ("latency", now - frame.arrived),
            ("model", t1 - t0),
            ("draw", t2 - t1),
        ):
            self._timing[name].append(value * 1000.0)
        self.latencies.append(now - frame.arrived)
        self.shown_at.append(now)
        self.result.frames_processed += 1
        return key

    def _score(self, worker: CueWorker, t_s: float) -> None:
        """Adopt the worker's result; give it the newest window when it is idle and one is due."""
        result = worker.poll()
        if result is not None:
            self._adopt(*result)
        due = t_s - self._last_eval_s >= 1.0 / self.o.cue_rate_hz
        if due and worker.idle and t_s - self.poses[0].t_s >= _MIN_WINDOW_S:
            self._last_eval_s = t_s
            worker.submit(self._raw_window(), self._meta())

    def _raw_window(self) -> PoseSeries:
        ps = list(self.poses)
        return PoseSeries(
            xy=np.stack([p.xy for p in ps]),
            visibility=np.stack([p.visibility for p in ps]),
            world=np.stack([p.world for p in ps]),
            t_s=np.array([p.t_s for p in ps], np.float64),
            width=self.size[0],
            height=self.size[1],
        )

    def _meta(self) -> dict:
        """What `engine.evaluate` needs to know about the input, as `pipeline.analyze` gives it."""
        info = self.source.info
        span = self.poses[-1].t_s - self.poses[0].t_s
        fps = (len(self.poses) - 1) / span if span > 0 else info.fps
        source = {"path": info.name, "width": self.size[0], "height": self.size[1], "fps": round(fps, 3),
                  "frames": len(self.poses), "duration_s": round(span, 4), "rotation_deg": 0,
                  "codec": info.kind, "sha256": None}  # fmt: skip
        return {
            "input": source,
            "model": self.model.to_dict(),
            "decode": {"damaged_packets": 0},
            "subject": {
                "method": "single",
                "people_max": 1,
                "reason": "live: the one person the model tracks",
            },
            "profile_path": self.o.profile_path,
        }

    def _adopt(self, t_s: float, rep: dict | None) -> None:
        """A scored window: hysteresis on the bands, history for the strip, the panel to redo."""
        if rep is None:  # a full-length window without enough poses
            self.note = "no_athlete_in_view"
            bands = dict.fromkeys(self.hysteresis.shown, "not_assessed")
        else:
            self.rep, self.note = rep, ""
            bands = {c["id"]: c["band"] for c in rep["cues"]}
        changes = self.hysteresis.update(bands, t_s)
        self.result.status_changes += changes
        self.history.append((t_s, dict(self.hysteresis.shown)))
        while len(self.history) > 1 and self.history[1][0] < t_s - self.o.window_s:
            self.history.popleft()
        self._redraw = bool(changes) or bool(self._redraw)

    # -- drawing ----------------------------------------------------------------------------------

    def draw(self, frame: Frame) -> np.ndarray:
        """The frame as shown: mirrored if asked, the overlay, the live status."""
        img = cv2.flip(frame.bgr, 1) if self.mirror else frame.bgr.copy()
        if self.overlay is None or (self.overlay.w, self.overlay.h) != self.size:
            self.overlay = LiveOverlay(*self.size)
        now = time.perf_counter()
        if self._redraw is not None and self.overlay.due(now, self._redraw):
            self._redraw = None
            self.overlay.rebuild(self._display_series(), self._display_report(frame.t_s), now)
        pose = self.poses[-1]
        xy = np.where((pose.visibility >= _MIN_VISIBILITY)[:, None], pose.smooth_xy, np.nan)
        facing = -1 if self.rep and self.rep["movement"]["facing"] == "left" else 1
        lean = float(
            lean_from_vertical(
                _mid(xy, L.LEFT_HIP, L.RIGHT_HIP, self.size),
                _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, self.size),
                facing,
            )
        )
        if self.mirror:
            xy[:, 0], facing = 1.0 - xy[:, 0], -facing
        near = self.rep["camera_view"]["near_side"] if self.rep else None
        self.overlay.draw(img, xy, self._part_bands(), near, lean, facing)
        self.overlay.status(img, self._status_lines())
        return img

    def _part_bands(self) -> dict[str, str]:
        cues = self.rep["cues"] if self.rep else []
        shown = self.hysteresis.shown
        return {
            body: _worst_band(
                [shown.get(c["id"], "not_assessed") for c in cues if c["body"] == body]
            )
            for body in render.BODIES
        }

    def _display_series(self) -> PoseSeries:
        """The window's smoothed poses, as shown (mirrored if asked), for the panel and strip."""
        ps = list(self.poses)
        xy = np.stack([p.smooth_xy for p in ps]).astype(np.float32)
        vis = np.stack([p.visibility for p in ps])
        xy[~(vis >= _MIN_VISIBILITY)] = np.nan
        if self.mirror:
            xy[..., 0] = 1.0 - xy[..., 0]
        t = np.array([p.t_s for p in ps], np.float64)
        return PoseSeries(
            xy, vis, np.full((len(ps), NUM_LANDMARKS, 3), np.nan, np.float32), t, *self.size
        )

    def _display_report(self, t_now: float) -> dict:
        """A report for `render.Overlay`: the last window's, with the shown bands and their history."""
        rep = self.rep or {"cues": [], "movement": {}, "gait": {}, "overall": {}, "camera_view": {}}
        flip = {"left": "right", "right": "left"} if self.mirror else {}
        mv = rep["movement"]
        cues = [
            {
                **c,
                "band": self.hysteresis.shown.get(c["id"], "not_assessed"),
                "intervals": self._held_intervals(c["id"], t_now),
            }
            for c in rep["cues"]
        ]
        facing, travel = mv.get("facing"), mv.get("travel")
        movement = {
            **mv,
            "type": self.note or mv["type"],
            "segments": [],
            "facing": flip.get(facing, facing),
            "travel": flip.get(travel, travel),
        }
        return {
            **rep,
            "cues": cues,
            "movement": movement,
            "gait": {**rep["gait"], "steps": [], "strides": []},
            "overall": rep["overall"] if not self.note else {},
            "_frame_metrics": {},
        }

    def _held_intervals(self, cue_id: str, t_now: float) -> list[dict]:
        """Stretches of the window in which the cue's shown band was not good (for the strip)."""
        out = []
        hist = list(self.history)
        for k, (t_s, shown) in enumerate(hist):
            band = shown.get(cue_id, "not_assessed")
            if band != "good":
                end = hist[k + 1][0] if k + 1 < len(hist) else t_now
                out.append({"start_s": t_s, "end_s": end, "band": band})
        return out

    def _status_lines(self) -> list[tuple[str, tuple[int, int, int] | None]]:
        """Frames/s and median latency (refreshed twice a second: readable, few distinct labels)."""
        now = time.perf_counter()
        if now - self._rate_at >= 0.5:
            span = self.shown_at[-1] - self.shown_at[0] if len(self.shown_at) > 1 else 0.0
            fps = (len(self.shown_at) - 1) / span if span > 0 else 0.0
            lat = float(np.median(self.latencies)) * 1000.0 if self.latencies else 0.0
            self._rate, self._rate_at = f"{fps:.0f} fps  {lat:.0f} ms", now
        lines: list[tuple[str, tuple[int, int, int] | None]] = [(self._rate, None)]
        if self.recording and self.recorder is not None:
            seconds = int(self.recorder.frames / self.recorder.fps)
            lines.append((f"REC {seconds // 60}:{seconds % 60:02d}", (40, 40, 230)))
        if self.paused:
            lines.append(("PAUSED", (0, 200, 255)))
        return lines

    def paused_image(self) -> np.ndarray:
        """The last picture, marked as paused."""
        img = (
            self.last_image.copy()
            if self.last_image is not None
            else np.zeros((self.size[1], self.size[0], 3), np.uint8)
        )
        if self.overlay is not None:
            self.overlay.status(img, self._status_lines())
        return img

    def save_recording(self) -> None:
        """Finish the recording, if there is one, and note where it is."""
        if self.recorder is None:
            return
        self.result.recorded_frames = self.recorder.frames
        try:
            self.result.recording = self.recorder.close()
        except OutputError as exc:
            self.result.errors.append(exc)

    def finish(self, slot: LatestFrame, worker: CueWorker, elapsed_s: float) -> None:
        """Fill the result's counters."""
        r = self.result
        r.frames_captured, r.frames_dropped, r.elapsed_s = slot.captured, slot.dropped, elapsed_s
        r.evaluations = worker.evaluations
        r.latency_ms, r.model_ms, r.draw_ms = (
            np.array(self._timing[k]) for k in ("latency", "model", "draw")
        )


def _mid(xy: np.ndarray, a: int, b: int, size: tuple[int, int]) -> np.ndarray:
    """Midpoint of two landmarks in pixels (true image angles)."""
    return (xy[a] + xy[b]) / 2 * size


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
        target=_capture, args=(s.source, slot, paced), name="formcheck-capture", daemon=True
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
