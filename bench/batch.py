"""Batch throughput: clips per minute with 1 worker and with 2, measured side by side in one run.

    .venv/bin/python bench/batch.py [--clips N] [--seconds S] [--no-video] [--repeat R]

Makes a folder of N clips (the backwards sample, or it looped to S seconds by bench/clips.py; hard
links, one per sub-folder), then times `formcheck batch FOLDER --workers W --no-resume` as a real
process into a fresh output folder, for W = 1 and W = 2, alternating over R rounds (best of each).
Prints clips/min and the ratio; the target on a 2-core machine is >= 1.6x. Not a test: timings
vary with what else the machine runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clips import looped_clip  # noqa: E402
from formcheck.video import probe  # noqa: E402


def make_folder(dest: Path, clip: Path, count: int) -> Path:
    """`count` copies of `clip` (hard links when possible), each in its own athlete folder."""
    for i in range(count):
        target = dest / f"athlete{i + 1:02d}" / clip.name
        target.parent.mkdir(parents=True)
        try:
            os.link(clip, target)
        except OSError:
            target.write_bytes(clip.read_bytes())
    return dest


def run_batch(folder: Path, out: Path, workers: int, video: bool) -> float:
    """Wall time of one `formcheck batch` process; fails loudly if any clip failed."""
    args = [sys.executable, "-m", "formcheck", "batch", str(folder), "-o", str(out), "--workers", str(workers), "--no-resume"]
    start = time.perf_counter()
    proc = subprocess.run(args + ([] if video else ["--no-video"]), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"batch failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=None, help="loop the sample to this length")
    ap.add_argument("--no-video", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    src = next((ROOT / "sample_videos").glob("backward_*.mp4"))
    clip = looped_clip(src, args.seconds) if args.seconds else src
    info = probe(clip)
    outputs = "--no-video" if args.no_video else "all outputs"
    print(f"clips: {args.clips} x {clip.name} ({info.duration_s:.1f} s, {info.frames} frames, {info.width}x{info.height}), {outputs}")
    load_before = os.getloadavg()[0]
    best = {1: float("inf"), 2: float("inf")}
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        folder = make_folder(Path(tmp) / "clips", clip, args.clips)
        for r in range(args.repeat):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                best[workers] = min(best[workers], run_batch(folder, Path(tmp) / f"out-{workers}-{r}", workers, not args.no_video))
    for workers, elapsed in best.items():
        print(f"workers {workers}: {elapsed:7.1f} s  {args.clips / elapsed * 60:6.1f} clips/min")
    print(f"2 workers / 1 worker: {best[1] / best[2]:.2f}x  (target >= 1.6x on 2 cores; {os.cpu_count()} cores here)")
    # Other work on the machine takes cores from the 2-worker run first: report it beside the ratio.
    print(f"load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
