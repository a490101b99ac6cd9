"""Recording the session: `Recorder` writes the raw frames as H.264 in a background thread, and
`Recording` is whether the session records now and where (started on demand, toggled by `r`)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import av
import numpy as np

from formcheck._threads import Consumer
from formcheck.errors import OutputError
from formcheck.live.options import LiveOptions, LiveResult
from formcheck.video import VideoSink


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


class Recording:
    """The session's recording: off until started, then on and off with the `r` key.

    The file is `record_path`, else `<name>.mp4` in the report folder (or the current folder);
    its `Recorder` is made when the recording first starts.
    """

    def __init__(self, options: LiveOptions, name: str, fps: float) -> None:
        self.o, self.name, self.fps = options, name, fps
        self.recorder: Recorder | None = None
        self.on = False

    def start(self) -> None:
        """Record from the next frame on.

        Raises:
            OutputError: the folder for the recording does not exist.
        """
        if self.recorder is None:
            dest = self.o.record_path or (self.o.report_dir or Path.cwd()) / f"{self.name}.mp4"
            if not dest.parent.is_dir():
                raise OutputError(
                    "the folder for the recording does not exist — create it or choose another path",
                    dest.parent,
                )
            self.recorder = Recorder(dest, self.fps)
        else:
            self.recorder.mark_break()
        self.on = True

    def toggle(self) -> None:
        """Stop recording if it records, else start (again)."""
        if self.on:
            self.on = False
        else:
            self.start()

    def mark_break(self) -> None:
        """Frames stopped for a while (a pause): the next one follows with no frozen stretch."""
        if self.recorder is not None:
            self.recorder.mark_break()

    def write(self, bgr: np.ndarray, t_s: float) -> None:
        """Add the frame if the session records now."""
        if self.on and self.recorder is not None:
            self.recorder.write(bgr, t_s)

    def label(self) -> str | None:
        """The status mark "REC m:ss" (the length recorded) while recording, else None."""
        if not (self.on and self.recorder is not None):
            return None
        seconds = int(self.recorder.frames / self.recorder.fps)
        return f"REC {seconds // 60}:{seconds % 60:02d}"

    def save(self, result: LiveResult) -> None:
        """Finish the recording, if there is one, and note where it is in `result`."""
        if self.recorder is None:
            return
        result.recorded_frames = self.recorder.frames
        try:
            result.recording = self.recorder.close()
        except OutputError as exc:
            result.errors.append(exc)
