"""Live preview: camera, file or stream → pose → rolling cues → overlay, in real time.

Three threads and one worker process share the work:

* capture thread (`frames.capture_frames`): reads the source (`source`) and keeps only the newest
  frame (`LatestFrame`). When the model is slower than the camera, frames are dropped, never
  queued into a growing delay. A file plays as if it were a camera, paced by its timestamps,
  unless `as_fast_as_possible` (then every frame is processed and none dropped).
* main thread (`session.run`): the pose model on the newest frame (MediaPipe VIDEO mode), One Euro
  smoothing for the drawn skeleton (`window.RollingWindow`), the offline overlay (`LiveOverlay`
  over `render.Overlay`, fed by `feedback` and composed by `view`), `Display.show` and the keys
  (`keys`).
* cue worker process (`CueWorker`): the offline cue engine (`engine.evaluate`) on the raw poses
  of the last few seconds, a few times per second; `CueHysteresis` changes a cue's shown band
  only after the new band has held for a while, so feedback does not flicker.
* recorder thread: H.264 encoding of the processed (raw, unmirrored) frames (`video.VideoSink`,
  behind `recorder.Recorder`).

On exit the recording is renamed into place and, with a report folder, `pipeline.analyze` runs
on it, so the report is the one `formcheck analyze` writes.

Modules, from the input to the loop: `options` (what to do, what was done), `source` (camera,
file, stream), `frames` (the newest-frame buffer and the capture thread), `display` (window and
keys in), `recorder`, `snapshot`, `worker` (the cue worker), `window` (the rolling window),
`feedback` and `overlay` and `view` (what is drawn), `keys`, `session` (the loop and `run`),
`summary` (the console lines).
"""

# isort: off
# OpenCV before PyAV: both wheels bundle X11/xcb libraries under the same names, and when
# PyAV's load first, OpenCV's Qt window hangs when it opens. The package runs this before any
# of its modules, so importing any of them loads the two in this order.
import cv2  # noqa: F401
import av  # noqa: F401

# isort: on
from formcheck.live.display import Display, HeadlessDisplay, OpenCVDisplay
from formcheck.live.frames import Frame, LatestFrame
from formcheck.live.options import LiveOptions, LiveResult
from formcheck.live.overlay import LiveOverlay
from formcheck.live.recorder import Recorder
from formcheck.live.session import run
from formcheck.live.source import (
    FileSource,
    FrameSource,
    OpenCVCapture,
    PyAVStream,
    SourceInfo,
    available_cameras,
    open_camera,
    open_source,
    open_stream,
)
from formcheck.live.summary import summary_lines
from formcheck.live.worker import CueWorker

__all__ = [
    "CueWorker",
    "Display",
    "FileSource",
    "Frame",
    "FrameSource",
    "HeadlessDisplay",
    "LatestFrame",
    "LiveOptions",
    "LiveOverlay",
    "LiveResult",
    "OpenCVCapture",
    "OpenCVDisplay",
    "PyAVStream",
    "Recorder",
    "SourceInfo",
    "available_cameras",
    "open_camera",
    "open_source",
    "open_stream",
    "run",
    "summary_lines",
]
