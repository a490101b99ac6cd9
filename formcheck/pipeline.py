"""`analyze(clip)`: the whole path from a video file to its results folder. Orchestration only.

Pass 1 decodes (in a background thread) and runs the pose model; the engine then cleans the
series and scores the cues; pass 2 decodes again, draws the overlay and encodes H.264 (decode,
draw and encode overlap). Everything is written into a temporary folder that replaces the clip's
results folder in one rename at the end, so a crash or Ctrl-C never leaves a mix of old and new.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck import engine, render, report, subject
from formcheck._threads import Consumer, prefetch
from formcheck.errors import AnalysisError, OutputError
from formcheck.pose import ModelInfo, find_model, load_estimator
from formcheck.series import PoseSeries, VideoInfo, load_npz, save_npz
from formcheck.video import DecodeStats, VideoSink, probe, read_frames

#: progress(stage, done, total): stage is "pose" or "video"; total may be an estimate.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AnalyzeOptions:
    """How to analyse a clip.

    Attributes:
        model_path: pose model file; None = $FORMCHECK_MODEL or the bundled model.
        video: write annotated.mp4.
        profile_path: a TOML file overriding the cue thresholds (see `formcheck.engine`).
    """

    model_path: str | None = None
    video: bool = True
    profile_path: str | None = None


@dataclass
class AnalysisResult:
    """Where the results are and what they say."""

    out_dir: Path
    report: dict
    files: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Shorter clips cannot show a step; they are refused with a clear message.
MIN_FRAMES = 8
MIN_DURATION_S = 0.5
#: Seconds between the sparse multi-person checks of pass 1.
SCOUT_EVERY_S = 1.0
#: The most people tracked at once when choosing the athlete.
MAX_PEOPLE = 3


def _track_single(
    clip: Path, info: VideoInfo, model: ModelInfo, progress: Progress | None
) -> tuple[PoseSeries, DecodeStats, int]:
    """Pass 1: track one person (fast path) and, once a second, count everyone in the frame.

    Returns the series, decoding stats and the most people seen in a checked frame.
    """
    stats = DecodeStats()
    capacity = max(info.frames, 16)
    series = PoseSeries.empty(capacity, info.width, info.height)
    tracker = load_estimator(model)
    # Single-frame detection finds small or low-contrast people less readily than tracking does,
    # so the scout accepts weaker detections: a false alarm only costs the slower path.
    scout = load_estimator(model, num_poses=MAX_PEOPLE, video=False, min_confidence=0.3)
    last_ms, n, next_scout, people_max = -1, 0, 0.0, 0
    try:
        for t_s, rgb in prefetch(read_frames(clip, "rgb24", stats), maxsize=4):
            if n == capacity:  # the container under-reported its frame count
                grown = PoseSeries.empty(capacity * 2, info.width, info.height)
                for name in ("xy", "visibility", "world", "t_s"):
                    getattr(grown, name)[:capacity] = getattr(series, name)
                series, capacity = grown, capacity * 2
            ms = max(int(round(t_s * 1000.0)), last_ms + 1)  # VIDEO mode: strictly increasing
            last_ms = ms
            poses = tracker.estimate(rgb, ms)
            series.t_s[n] = t_s
            if poses:
                series.xy[n], series.visibility[n], series.world[n] = poses[0].xy, poses[0].visibility, poses[0].world
            if t_s >= next_scout:
                people_max = max(people_max, len(scout.estimate(rgb, ms)))
                next_scout = t_s + SCOUT_EVERY_S
            n += 1
            if progress:
                progress("pose", n, max(info.frames, n))
    finally:
        tracker.close()
        scout.close()
    return series.truncated(n), stats, people_max


def _track_many(
    clip: Path, info: VideoInfo, model: ModelInfo, people: int, progress: Progress | None
) -> tuple[PoseSeries, dict]:
    """Slow path for clips with bystanders: track everyone, then pick the athlete."""
    frames: list[list] = []
    times: list[float] = []
    estimator = load_estimator(model, num_poses=people)
    last_ms = -1
    try:
        for t_s, rgb in prefetch(read_frames(clip, "rgb24"), maxsize=4):
            ms = max(int(round(t_s * 1000.0)), last_ms + 1)
            last_ms = ms
            frames.append(estimator.estimate(rgb, ms))
            times.append(t_s)
            if progress:
                progress("people", len(frames), max(info.frames, len(frames)))
    finally:
        estimator.close()
    return subject.choose(frames, np.array(times), info.width, info.height)


def estimate_poses(
    clip: Path, info: VideoInfo, model: ModelInfo, progress: Progress | None = None
) -> tuple[PoseSeries, DecodeStats, dict]:
    """The athlete's raw pose series (NaN where not found), decoding stats, and who was chosen."""
    series, stats, people_max = _track_single(clip, info, model, progress)
    if people_max <= 1:
        return series, stats, {
            "method": "single",
            "people_max": people_max,
            "reason": "only one person was in view in the checked frames (one per second)",
        }
    many, chosen = _track_many(clip, info, model, min(people_max, MAX_PEOPLE), progress)
    if len(many) != len(series):  # the two decodes must agree; keep the single track otherwise
        chosen = {**chosen, "method": "single", "reason": "the multi-person pass disagreed on the frame count; kept the single track"}
        return series, stats, chosen
    return many, stats, chosen


def render_video(
    clip: Path, dest: Path, info: VideoInfo, clean: PoseSeries, rep: dict, progress: Progress | None
) -> int:
    """Pass 2: draw the overlay on every frame and encode H.264. Returns the frames written."""
    overlay = render.Overlay(clean, rep, info.width, info.height)
    total = len(clean)
    with VideoSink(dest, info.width, info.height, info.fps) as sink:
        writer: Consumer[tuple[np.ndarray, float]] = Consumer(lambda item: sink.write(*item), maxsize=4)
        i = 0
        try:
            for t_s, bgr in prefetch(read_frames(clip, "bgr24"), maxsize=4):
                if i >= total:
                    break
                overlay.draw(bgr, i)
                writer.submit((bgr, float(clean.t_s[i])))
                i += 1
                if progress:
                    progress("video", i, total)
        finally:
            writer.close()
        return sink.frames


def _prepare_dir(out_root: Path, stem: str) -> Path:
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        tmp = out_root / f".{stem}.partial-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder ({exc.strerror or exc}) — choose a writable folder with -o",
            out_root,
        ) from exc
    return tmp


def _publish(tmp: Path, final: Path) -> None:
    """Replace `final` by `tmp` so readers see either the old or the new results, never a mix."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(out: Path, raw: PoseSeries, clean: PoseSeries, rep: dict, meta: dict) -> list[str]:
    """Write landmarks.npz, frames.csv, report.json and report.html into `out`."""
    save_npz(out / "landmarks.npz", raw, clean, meta)
    report.write_frames_csv(out / "frames.csv", clean, rep)
    report.write_json(out / "report.json", rep)
    report.write_html(out / "report.html", rep)
    return ["landmarks.npz", "frames.csv", "report.json", "report.html"]


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
    info = probe(clip)
    model = find_model(options.model_path)
    profile = engine.load_profile(options.profile_path)
    raw, stats, chosen = estimate_poses(clip, info, model, progress)
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
        "input": {**info.to_dict(), "path": str(clip), "sha256": file_sha256(clip)},
        "model": model.to_dict(),
        "decode": {
            "damaged_packets": stats.damaged_packets,
            "frames_decoded": stats.frames,
            "frames_expected": stats.expected_frames,
        },
        "subject": chosen,
        "profile_path": options.profile_path,
    }
    clean, rep = engine.evaluate(raw, meta, profile)
    tmp = _prepare_dir(out_root, clip.stem)
    try:
        files = write_outputs(tmp, raw, clean, rep, meta)
        if options.video:
            written = render_video(clip, tmp / "annotated.mp4", info, clean, rep, progress)
            if written != len(clean):
                raise AnalysisError(
                    f"the second decoding pass gave {written} frames, the first {len(clean)} — "
                    "the file may be damaged; export it again",
                    clip,
                )
            files.append("annotated.mp4")
        final = out_root / clip.stem
        _publish(tmp, final)
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
    profile = engine.load_profile(meta.get("profile_path"))
    clean, rep = engine.evaluate(raw, meta, profile)
    tmp = _prepare_dir(result_dir.parent, result_dir.name)
    try:
        files = write_outputs(tmp, raw, clean, rep, meta)
        video = result_dir / "annotated.mp4"
        if video.exists():
            os.link(video, tmp / "annotated.mp4") if _same_fs(video, tmp) else shutil.copy2(video, tmp)
            files.append("annotated.mp4")
        _publish(tmp, result_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return AnalysisResult(out_dir=result_dir, report=rep, files=files)


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev
