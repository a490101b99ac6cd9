"""`analyze(clip)`: the whole path from a video file to its results folder. Orchestration only.

Pass 1 decodes (in a background thread) and runs the pose model on every core
(`formcheck.tracking`); the engine then cleans the series and scores the cues; pass 2 decodes
again, draws the overlay and encodes H.264 (decode, draw and encode overlap). Everything is written into a temporary folder that replaces the clip's
results folder in one rename at the end, so a crash or Ctrl-C never leaves a mix of old and new.
"""

from __future__ import annotations

import importlib
import os
import shutil
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from formcheck import memory, relook, tracking
from formcheck._threads import Background as _Background, Consumer, prefetch
from formcheck.errors import AnalysisError, FormcheckError, OutputError
from formcheck.cues import load_profile
from formcheck.pose import ModelInfo, find_model
from formcheck.results import file_sha256, link_or_copy, prepare_dir, publish, write_outputs
from formcheck.series import PoseSeries, VideoInfo, interpolate_skipped, load_npz
from formcheck.video import DecodeStats, VideoSink, fit_size, probe, read_frames, sizes_of_width

if TYPE_CHECKING:
    from formcheck import render

# The engine, overlay and report modules (SciPy, Pillow, Jinja) are imported when pass 1 is done,
# not before: the first frame reaches the model about a second sooner.

#: progress(stage, done, total): stage is "pose" or "video"; total may be an estimate.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AnalyzeOptions:
    """How to analyse a clip.

    Attributes:
        model_path: pose model file; None = $FORMCHECK_MODEL or the bundled model.
        video: write annotated.mp4.
        video_max_side: the annotated video's long side at most (None = `MAX_VIDEO_SIDE`, 720p;
            0 = the clip's own size).
        profile_path: a TOML file overriding the cue thresholds (see `formcheck.engine`).
        analysis_fps: run the pose model at most this often (frames in between get landmarks
            interpolated in time; the annotated video keeps every frame). 0 = every frame.
    """

    model_path: str | None = None
    video: bool = True
    profile_path: str | None = None
    analysis_fps: float | None = None  # None = DEFAULT_ANALYSIS_FPS; 0 = every frame
    display_name: str | None = None  # how the report names the clip (web uploads: the original name)
    video_max_side: int | None = None  # None = MAX_VIDEO_SIDE; 0 = the clip's own size


@dataclass
class AnalysisResult:
    """Where the results are and what they say."""

    out_dir: Path
    report: dict
    files: list[str] = field(default_factory=list)


#: The pose model runs at most this often by default. Phones film at 60, 120 or 240 fps; 60 fps
#: keeps joint angles and cadence as accurate as full-rate analysis (the reference asks >= 60 fps
#: for angles) at a half to a quarter of the cost on high-speed clips. Use 0 for every frame
#: (contact and flight times from 120/240 fps clips).
DEFAULT_ANALYSIS_FPS = 60.0
#: The annotated video is at most this many pixels on its long side by default (720p). It plays
#: on every phone, browser and TV and shows the skeleton, angles and labels as clearly as the
#: clip's own 1080p or 4K would, while H.264 encoding, the slowest part of writing it, costs
#: about 2.3 times less than at 1080p (and 9 times less than at 4K); the file is smaller to
#: download too. `--video-max-side` asks for more (0 = the clip's own size).
MAX_VIDEO_SIDE = 1280


def video_size(width: int, height: int, max_side: int | None = None) -> tuple[int, int]:
    """The annotated video's frame size for a clip of `width` x `height` (`max_side`: None = the
    default `MAX_VIDEO_SIDE`, 0 = the clip's own size)."""
    side = MAX_VIDEO_SIDE if max_side is None else max_side
    return fit_size(width, height, side) if side else (width, height)


#: Frames between returns of freed memory to the system in the video pass.
TRIM_EVERY_FRAMES = 60
#: Shorter clips cannot show a step; they are refused with a clear message.
MIN_FRAMES = 8
MIN_DURATION_S = 0.5


#: Clips up to this long load the engine's libraries (about 100 MB) while the model runs; longer
#: ones load them after it, once the models are closed, so the peak memory does not grow with
#: the clip's length (the poses found pile up meanwhile). A second more is little on a long clip.
WARM_UP_MAX_S = 120.0


def _import_later_stages() -> None:
    """Import the engine, overlay, report and plotting modules (SciPy, Pillow, Jinja,
    Matplotlib: about two seconds) and compile the report page while the model runs, instead
    of after it."""
    for name in ("formcheck.engine", "formcheck.render", "formcheck.report", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        importlib.import_module(name)
    importlib.import_module("formcheck.report").html_template()


def estimate_poses(
    clip: Path, info: VideoInfo, model: ModelInfo, progress: Progress | None = None, analysis_fps: float = 0.0
) -> tuple[PoseSeries, DecodeStats, dict]:
    """The athlete's raw pose series (NaN where not found), decoding stats, and who was chosen."""
    memory.limit_arenas()
    # Not a daemon (nor is _Background): Python must wait for it at exit, because a daemon thread
    # stopped inside C++ code (SciPy, Matplotlib's Agg) aborts the process.
    warm = threading.Thread(target=_import_later_stages, name="formcheck-imports", daemon=False)

    def pose_progress(stage: str, done: int, total: int) -> None:
        if done and warm.ident is None and info.duration_s <= WARM_UP_MAX_S:
            warm.start()  # after the first frame: start-up stays short
        if progress:
            progress(stage, done, total)

    series, stats, chosen, skipped = tracking.track_clip(clip, info, model, analysis_fps, pose_progress)
    memory.release()  # the models' frame buffers: before pass 2 allocates the encoder's
    looked = relook.second_look(clip, info, model, series, skipped, tracking.MODEL_MAX_SIDE, progress)
    if looked["frames_found"]:
        chosen["second_look"] = looked
    interpolate_skipped(series, skipped)
    stats.frames_analysed = int((~skipped).sum())
    return series, stats, chosen


def render_video(
    clip: Path,
    dest: Path,
    info: VideoInfo,
    clean: PoseSeries,
    rep: dict,
    progress: Progress | None,
    overlay: render.Overlay | None = None,
    keys: render.KeyFrames | None = None,
) -> int:
    """Pass 2: draw the overlay on every frame and encode H.264. Returns the frames written.

    The video's frames are the overlay's canvas: the picture, with the timeline strip on rows
    added below it (`Overlay.canvas_size`).

    Along the way, keeps the overlaid key frames the report shows in `keys`: no extra decoding.
    """
    from formcheck import render

    overlay = overlay or render.Overlay(clean, rep, *video_size(info.width, info.height), strip_below=True)
    total = len(clean)
    size = (overlay.w, overlay.h)  # the picture's; the video's frames may have the strip's rows below
    with VideoSink(dest, *overlay.canvas_size, info.fps) as sink:
        writer: Consumer[tuple[np.ndarray, float]] = Consumer(lambda item: sink.write(*item), maxsize=3)
        i = 0
        try:
            for t_s, bgr in prefetch(read_frames(clip, "bgr24", size=size), maxsize=3):
                if i >= total:
                    break
                frame = overlay.canvas(bgr)
                overlay.draw(frame, i)
                if keys is not None and keys.wants(i):
                    keys.annotate(frame, i)
                writer.submit((frame, float(clean.t_s[i])))
                i += 1
                if i % TRIM_EVERY_FRAMES == 0:  # hand freed frame buffers back: memory stays flat
                    memory.release()
                if progress:
                    progress("video", i, total)
        finally:
            writer.close()
        return sink.frames


def _overlay_and_keys(
    clean: PoseSeries, rep: dict, size: tuple[int, int]
) -> tuple[render.Overlay, render.KeyFrames]:
    """The annotated video's overlay for pictures of `size` (the timeline strip on rows below the
    picture) and the picker of the report's key frames, whose crops are cut from the picture
    (also when taken from annotated.mp4)."""
    from formcheck import render, report

    overlay = render.Overlay(clean, rep, *size, strip_below=True)
    plan = report.plan_indices(report.key_frame_plan(rep, clean))
    return overlay, render.KeyFrames(*plan, overlay.boxes, picture_h=overlay.h)


def _keys_for_video(video: Path, clean: PoseSeries, rep: dict) -> render.KeyFrames | None:
    """The key-frame picker for crops cut from an annotated video made at any size (whatever
    `--video-max-side` it was made with): the picture size whose canvas is the video's."""
    made = probe(video)
    for size in sizes_of_width(clean.width, clean.height, made.width):
        overlay, keys = _overlay_and_keys(clean, rep, size)
        if overlay.canvas_size == (made.width, made.height):
            return keys
    return None


def analyze(
    clip: str | os.PathLike,
    out_root: str | os.PathLike = "formcheck-out",
    options: AnalyzeOptions = AnalyzeOptions(),
    progress: Progress | None = None,
) -> AnalysisResult:
    """Analyse one clip into `out_root/<clip stem>/`.

    Raises:
        VideoError, ModelError, AnalysisError, OutputError, ConfigError: with a message that says
        what is wrong and what to do.
    """
    clip = Path(clip)
    out_root = Path(out_root)
    # The analysis keeps every core busy with its own threads (two trackers and their decoders,
    # then decoder, drawing and encoder side by side); OpenCV's thread pool on top of that only
    # adds hand-offs. On the 30 s demo clip it cost 1.5 s of CPU and 1 s of wall time (A/B, twice).
    cv2.setNumThreads(1)
    info = probe(clip)
    model = find_model(options.model_path)
    profile = load_profile(options.profile_path)
    fps_cap = DEFAULT_ANALYSIS_FPS if options.analysis_fps is None else options.analysis_fps
    # The report's checksum of the clip is read while the model runs (seconds for a long clip).
    # A daemon: hashlib is safe to stop at exit, and Ctrl-C need not wait for it.
    digest = _Background(file_sha256, clip, daemon=True)
    raw, stats, chosen = estimate_poses(clip, info, model, progress, fps_cap)
    from formcheck import engine, render, report

    info = engine.with_decoded_count(info, raw, stats)
    if len(raw) < MIN_FRAMES or info.duration_s < MIN_DURATION_S:
        raise AnalysisError(
            f"is too short to analyse ({len(raw)} frame(s), {info.duration_s:.2f} s) — film at least "
            "a few seconds of running (7 steps or more)",
            clip,
        )
    if not raw.detected.any():
        raise AnalysisError(
            f"no person was detected in any of its {len(raw)} frames — film the athlete side-on "
            "with the whole body in view and good light",
            clip,
        )
    meta = {
        "input": {**info.to_dict(), "path": options.display_name or str(clip), "sha256": digest.result()},
        "model": model.to_dict(),
        "decode": {
            "damaged_packets": stats.damaged_packets,
            "frames_decoded": stats.frames,
            "frames_expected": stats.expected_frames,
        },
        "analysis": {"analysis_fps": fps_cap or None, "frames_analysed": stats.frames_analysed},
        "subject": chosen,
        "profile_path": options.profile_path,
    }
    clean, rep = engine.evaluate(raw, meta, profile)
    tmp = prepare_dir(out_root, clip.stem)
    try:
        overlay, keys = _overlay_and_keys(clean, rep, video_size(info.width, info.height, options.video_max_side))
        plots = _Background(report.plots_for, rep, clean)  # drawn while the video pass runs
        if options.video:
            written = render_video(clip, tmp / "annotated.mp4", info, clean, rep, progress, overlay, keys)
            if written != len(clean):
                raise AnalysisError(
                    f"the second decoding pass gave {written} frames, the first {len(clean)} — "
                    "the file may be damaged; export it again",
                    clip,
                )
        else:  # the report's key frames still need pixels
            render.grab_key_frames(clip, keys, overlay, clean.t_s)
        meta["capture"] = stats.light
        files = write_outputs(tmp, raw, clean, rep, meta, keys.images, options.video, plots.result())
        if options.video:
            files.append("annotated.mp4")
        final = out_root / clip.stem
        publish(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"cannot write the results ({exc.strerror or exc}) — check free space and permissions", out_root) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return AnalysisResult(out_dir=final, report=rep, files=files)


def rescore(result_dir: str | os.PathLike, profile_path: str | None = None) -> AnalysisResult:
    """Recompute a clip's report from its saved landmarks.npz (no model, no video decoding).

    The annotated video is kept as it is; report.json, report.html and frames.csv are replaced.
    """
    result_dir = Path(result_dir)
    npz = result_dir / "landmarks.npz"
    if not npz.is_file():
        raise AnalysisError(
            "has no landmarks.npz — give a results folder written by `formcheck analyze`", result_dir
        )
    try:
        raw, _, meta = load_npz(npz)
    except (OSError, ValueError, KeyError) as exc:
        raise AnalysisError(f"landmarks.npz is unreadable ({exc}) — run `formcheck analyze` again", npz) from exc
    if profile_path is not None:
        meta["profile_path"] = profile_path
    from formcheck import engine, render, report

    profile = load_profile(meta.get("profile_path"))
    clean, rep = engine.evaluate(raw, meta, profile)
    tmp = prepare_dir(result_dir.parent, result_dir.name)
    try:
        video = result_dir / "annotated.mp4"
        overlay, keys = _overlay_and_keys(clean, rep, video_size(clean.width, clean.height))
        source = Path(meta["input"]["path"])
        try:  # key frames from the original clip if it is still there, else from the video
            if source.is_file() and file_sha256(source) == meta["input"].get("sha256"):
                render.grab_key_frames(source, keys, overlay, clean.t_s)
            elif video.is_file():
                keys = _keys_for_video(video, clean, rep) or keys
                render.grab_key_frames(video, keys, None, clean.t_s)
        except FormcheckError:
            keys.images.clear()  # a damaged file only costs the pictures, not the new report
        files = write_outputs(tmp, raw, clean, rep, meta, keys.images, video.exists())
        if video.exists():
            link_or_copy(video, tmp / "annotated.mp4")
            files.append("annotated.mp4")
        publish(tmp, result_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return AnalysisResult(out_dir=result_dir, report=rep, files=files)
