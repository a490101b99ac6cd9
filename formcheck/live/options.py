"""What a live session is asked to do (`LiveOptions`) and what it did (`LiveResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.filters import OneEuroOptions
from formcheck.pipeline import AnalysisResult


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
        movement / camera: what the last scored window showed (e.g. "forward_running";
            "static", "panning" or "following"), None if no window was scored.
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
    movement: str | None = None
    camera: str | None = None
    report: AnalysisResult | None = None
    errors: list[FormcheckError] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """Frames processed and shown per second of wall time."""
        return self.frames_processed / self.elapsed_s if self.elapsed_s > 0 else 0.0
