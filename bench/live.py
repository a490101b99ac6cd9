"""Live loop: frames processed per second and capture→screen latency, from a 640×480 30 fps source.

    .venv/bin/python bench/live.py [--seconds S] [--clip CLIP]

A 640×480 30 fps clip is made in a temporary folder from a sample clip (letterboxed, played
forwards then backwards so the motion continues). `formcheck.live.run` plays it as if it were a
camera, paced in real time, with the headless display (no window: the cost of showing a frame on
a desktop is not included). Printed side by side, from the same run of this script: the model
alone on the same frames, the live loop, the live loop while recording, and the loop not paced
(every frame, as fast as it goes: its ratio to the model alone is the loop's overhead). Latency
is from the frame being handed over by the capture thread to `Display.show` returning. Not a
test: timings vary with the machine and its load (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck import live
from formcheck.pose import find_model, load_estimator
from formcheck.video import VideoSink, probe, read_frames

WIDTH, HEIGHT, FPS = 640, 480, 30.0


def letterbox(bgr: np.ndarray) -> np.ndarray:
    """The frame scaled to fit 640×480, centred on black."""
    h, w = bgr.shape[:2]
    scale = min(WIDTH / w, HEIGHT / h)
    size = (round(w * scale), round(h * scale))
    out = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    y, x = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 2
    out[y : y + size[1], x : x + size[0]] = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return out


def make_source(clip: Path, seconds: float, folder: Path) -> tuple[Path, list[np.ndarray]]:
    """A 640×480 30 fps clip of `seconds` (the sample forwards then backwards), and its frames."""
    frames = [letterbox(img) for _, img in read_frames(clip, "bgr24")]
    cycle = frames + frames[-2:0:-1]
    total = int(seconds * FPS)
    dest = folder / "camera_640x480_30fps.mp4"
    with VideoSink(dest, WIDTH, HEIGHT, FPS) as sink:
        for i in range(total):
            sink.write(cycle[i % len(cycle)], i / FPS)
    return dest, [cycle[i % len(cycle)] for i in range(total)]


def model_only(frames: list[np.ndarray]) -> tuple[float, float]:
    """Frames/s and median ms of the pose model alone on the same frames (RGB conversion included)."""
    est = load_estimator(find_model())
    times = []
    try:
        est.estimate(cv2.cvtColor(frames[0], cv2.COLOR_BGR2RGB), 0)  # graph start-up
        for i, bgr in enumerate(frames[1:], start=1):
            t = time.perf_counter()
            est.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), int(i * 1000 / FPS))
            times.append(time.perf_counter() - t)
    finally:
        est.close()
    return len(times) / sum(times), float(np.median(times)) * 1000.0


def live_run(source: Path, record: Path | None, fast: bool = False) -> live.LiveResult:
    """The live loop on `source`, headless, paced in real time unless `fast`."""
    options = live.LiveOptions(source=str(source), record_path=record, as_fast_as_possible=fast)
    return live.run(options, live.HeadlessDisplay())


def row(name: str, r: live.LiveResult) -> str:
    lat = r.latency_ms
    return (
        f"{name:28s} {r.fps:6.1f} fr/s  dropped {r.frames_dropped:4d}/{r.frames_captured:<5d}"
        f" latency median {np.median(lat):5.1f} ms  p95 {np.percentile(lat, 95):5.1f} ms"
        f"  (model {np.median(r.model_ms):4.1f} ms, overlay {np.median(r.draw_ms):4.1f} ms)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(next((ROOT / "sample_videos").glob("backward_*.mp4"))))
    ap.add_argument("--seconds", type=float, default=15.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source, frames = make_source(Path(args.clip), args.seconds, folder)
        info = probe(source)
        print(f"source: {info.width}x{info.height} {info.fps:.0f} fps {info.frames} frames ({args.seconds:.0f} s); "
              f"{os.cpu_count()} cores; load average before {os.getloadavg()[0]:.2f}")  # fmt: skip
        model_fps, model_ms = model_only(frames)
        plain = live_run(source, None)
        rec = live_run(source, folder / "rec.mp4")
        fast = live_run(source, None, fast=True)
        print(f"{'model only (same frames)':28s} {model_fps:6.1f} fr/s  median {model_ms:.1f} ms")
        print(row("live (headless)", plain))
        print(row("live + recording", rec))
        print(
            f"{'live, not paced':28s} {fast.fps:6.1f} fr/s  (every frame; latency not meaningful)"
        )
        print(f"{'live / camera frame rate':28s} {plain.fps / FPS:6.2f}")
        print(f"{'live+rec / live':28s} {rec.fps / plain.fps:6.2f}")
        print(
            f"{'live not paced / model only':28s} {fast.fps / model_fps:6.2f}  (the loop's overhead)"
        )
        print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
