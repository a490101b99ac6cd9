"""The live input: a camera, a video file played as if it were a camera, or a network stream, each
behind the `FrameSource` interface, and `open_source` that picks one from the options.

(Not `formcheck.camera`: that one estimates the camera's motion in a recorded clip.)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

from formcheck.errors import VideoError
from formcheck.live.options import LiveOptions
from formcheck.video import probe, read_frames

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


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
