"""What measuring the camera's motion costs, and analyze against the bare model on a
multi-person clip, side by side in one run (issue 19).

    .venv/bin/python bench/camera.py [--clip CLIP] [--seconds 20]

1. On the same decoded frames (shrunk as analyze feeds the model), alternating in one process:
   the pose model alone per frame, and `CameraMotion.update` per frame (with the people the
   model found as its mask). Each tracker thread runs both in turn, so the camera's share of a
   tracker's time is camera / (model + camera); and its share of analyze's own CPU time (all
   threads, from the runs in 2.) is camera ms x frames / analyze's CPU seconds. The budget is 5 %.
2. `analyze` with all outputs and with --no-video on the multi-person sample looped to
   1280x720, against the bare model (one tracker, and as many people as analyze tracks there)
   timed right before and after it: frames/s and the ratio; and the CPU time a frame 0.85x of the
   bare model would leave for all of analyze's work, against what it used.
Not a test: timings vary with what else the machine runs (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clips import looped_clip  # noqa: E402
from bench.run import CPU_S, run_analyze  # noqa: E402
from bench.throughput import model_only  # noqa: E402
from formcheck.camera import CameraMotion  # noqa: E402
from formcheck.pose import find_model, load_estimator  # noqa: E402
from formcheck.tracking import MAX_PEOPLE, MODEL_MAX_SIDE  # noqa: E402
from formcheck.video import fit_size, probe, read_frames  # noqa: E402


def camera_share(clip: Path, limit: int = 240) -> tuple[float, float]:
    """(model ms per frame, camera ms per frame) on the same frames, interleaved; OpenCV on one
    thread, as analyze runs it (its thread pool only adds hand-offs there)."""
    cv2.setNumThreads(1)
    info = probe(clip)
    frames = [img for _, (_, img) in zip(range(limit), read_frames(clip, "rgb24", size=fit_size(info.width, info.height, MODEL_MAX_SIDE)), strict=False)]
    est = load_estimator(find_model(), num_poses=1)
    cam = CameraMotion()
    model_s = cam_s = 0.0
    try:
        est.estimate(frames[0], 0)
        for i, img in enumerate(frames[1:], start=1):
            t0 = time.perf_counter()
            found = est.estimate(img, i * 33 + 1)
            t1 = time.perf_counter()
            cam.update(img, [p.xy for p in found])
            t2 = time.perf_counter()
            model_s += t1 - t0
            cam_s += t2 - t1
    finally:
        est.close()
    n = len(frames) - 1
    return 1000 * model_s / n, 1000 * cam_s / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, default=None, help="default: the multi-person sample looped, 1280x720")
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    clip = args.clip or looped_clip(next((ROOT / "sample_videos").glob("multi_person_*.mp4")), args.seconds, 720)
    info = probe(clip)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"clip: {clip.name} {info.width}x{info.height} {info.fps:.0f} fps {info.frames} frames\n")
    rows = []
    model_ms, cam_ms = camera_share(clip)
    rows.append(("model per frame / camera motion per frame (same frames)", f"{model_ms:.1f} / {cam_ms:.2f} ms",
                 f"camera share {cam_ms / (model_ms + cam_ms):.1%} (budget 5 %)"))  # fmt: skip
    m1, _, _ = model_only(clip)
    full_s, _, rep = run_analyze(clip)
    m2, _, _ = model_only(clip)
    novid_s, _, _ = run_analyze(clip, "--no-video")
    m3, _, _ = model_only(clip)
    people = min(rep["subject"]["people_max"], MAX_PEOPLE) if rep["subject"]["method"] != "single" else 1
    mp, _, _ = model_only(clip, num_poses=people) if people > 1 else (m2, 0, 0.0)
    n = info.frames
    for extra, name in (((), "all outputs"), (("--no-video",), "--no-video")):
        cpu = CPU_S[(clip, *extra)]
        rows.append((f"camera motion / analyze {name}, CPU per frame", f"{cam_ms:.2f} / {1000 * cpu / n:.1f} ms",
                     f"camera share {cam_ms * n / 1000 / cpu:.1%} of analyze's CPU (budget 5 %)"))  # fmt: skip
    rows += [
        ("bare model, one tracker (before / between / after)", f"{(m1 + m2) / 2:.1f} frames/s", f"({m1:.1f} / {m2:.1f} / {m3:.1f})"),
        (f"bare model, up to {people} people (as analyze tracks this clip)", f"{mp:.1f} frames/s", ""),
        ("analyze, all outputs", f"{n / full_s:.1f} frames/s", f"{n / full_s / ((m1 + m2) / 2):.2f}x the bare model"),
        ("analyze --no-video", f"{n / novid_s:.1f} frames/s", f"{n / novid_s / ((m2 + m3) / 2):.2f}x the bare model"),
    ]
    # What 0.85x leaves to spend: every core busy all the time, for all of analyze's work.
    budget = (os.cpu_count() or 1) * 1000 / (0.85 * (m1 + m2) / 2)
    rows.append((f"CPU a frame 0.85x allows on {os.cpu_count()} cores / analyze used (all outputs)",
                 f"{budget:.1f} / {1000 * CPU_S[(clip,)] / n:.1f} ms", "(every core busy all the time)"))  # fmt: skip
    for name, value, ratio in rows:
        print(f"{name:62s} {value:>18s}  {ratio}")
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
