"""Throughput: model-only frames/s vs `formcheck analyze` frames/s on the same clip, one run.

    .venv/bin/python bench/throughput.py [CLIP] [--repeat N]

Model-only decodes the clip's frames into memory first, then times only `detect_for_video` on
them (same model, same frames, nothing else). `analyze` is timed as a real process with all
outputs, and with --no-video. Ratios are printed side by side. Not a test: timings vary.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.pose import find_model, load_estimator  # noqa: E402
from formcheck.video import VideoSink, fit_size, probe, read_frames  # noqa: E402


def model_only(clip: Path, limit: int = 300, max_side: int | None = None, num_poses: int = 1) -> tuple[float, int, float]:
    """Frames/s of the pose model alone (one tracker, `num_poses` people) on the clip's first
    `limit` frames, decoded into memory first; `max_side` shrinks them first, as analyze does.
    Returns (frames/s, frames, CPU seconds per frame: all of the process's threads)."""
    info = probe(clip)
    size = fit_size(info.width, info.height, max_side) if max_side else None
    frames = []
    for t, img in read_frames(clip, "rgb24", size=size):  # shrunk while decoded, as analyze does
        frames.append((t, img))
        if len(frames) == limit:
            break
    est = load_estimator(find_model(), num_poses=num_poses)
    try:
        est.estimate(frames[0][1], 0)  # warm-up (graph start)
        start, cpu = time.perf_counter(), time.process_time()
        for i, (_, img) in enumerate(frames[1:], start=1):
            est.estimate(img, i * 33 + 1)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        est.close()
    return (len(frames) - 1) / elapsed, len(frames), cpu / (len(frames) - 1)


def decode_cpu(clip: Path, limit: int = 300) -> float:
    """CPU seconds per frame to decode the clip's first `limit` frames with FFmpeg alone (one
    thread, no conversion): what any analysis pays at least once per frame."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        cpu, n = time.process_time(), 0
        for _ in container.decode(stream):
            n += 1
            if n == limit:
                break
        return (time.process_time() - cpu) / max(n, 1)


def encode_cpu(clip: Path, size: tuple[int, int], limit: int = 300) -> float:
    """CPU seconds per frame to write the clip's first `limit` frames, shrunk to `size`, as
    analyze writes its annotated video (`VideoSink`: x264 ultrafast, BGR to YUV included, OpenCV
    on one thread)."""
    cv2.setNumThreads(1)
    frames = []
    for _, img in read_frames(clip, "bgr24", size=size):
        frames.append(img)
        if len(frames) == limit:
            break
    fps = probe(clip).fps
    with tempfile.TemporaryDirectory() as tmp:
        cpu = time.process_time()
        with VideoSink(Path(tmp) / "e.mp4", *size, fps) as sink:
            for i, img in enumerate(frames):
                sink.write(img, i / fps)
        return (time.process_time() - cpu) / len(frames)


def decode_only(clip: Path) -> float:
    start = time.perf_counter()
    n = sum(1 for _ in read_frames(clip, "rgb24"))
    return n / (time.perf_counter() - start)


def analyze(clip: Path, *extra: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(clip), "-o", out, *extra], check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default=str(next((ROOT / "sample_videos").glob("backward_*.mp4"))))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    clip = Path(args.clip)
    info = probe(clip)
    print(f"clip: {clip.name}  {info.width}x{info.height}  {info.fps:.1f} fps  {info.frames} frames")
    dec = decode_only(clip)
    best_model = max(model_only(clip)[0] for _ in range(args.repeat))
    full = min(analyze(clip) for _ in range(args.repeat))
    novid = min(analyze(clip, "--no-video") for _ in range(args.repeat))
    n = info.frames
    rows = [
        ("decode only", dec),
        ("model only", best_model),
        ("analyze (all outputs, incl. process start)", n / full),
        ("analyze --no-video (incl. process start)", n / novid),
    ]
    for name, fps in rows:
        print(f"{name:46s} {fps:8.1f} frames/s")
    print(f"{'analyze / model-only':46s} {n / full / best_model:8.2f}")
    print(f"{'analyze --no-video / model-only':46s} {n / novid / best_model:8.2f}")


if __name__ == "__main__":
    main()
