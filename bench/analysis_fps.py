"""Cadence at full rate vs --analysis-fps 30 on 60 fps clips (issue 8: within 1 step/min).

    .venv/bin/python bench/analysis_fps.py [--rate 30] [--long 20] [--keep DIR] [CLIP ...]

Without clips, uses the 60 fps clips of bench/fps_clips.py (made and cached in bench/.cache/ on
first use): the two samples motion-interpolated to 60 fps, the backward one with its frames
doubled, and --long seconds (0 = none) of one stride of each sample looped, whose true cadence
is known. Each clip is analysed twice by `formcheck analyze --no-video` as a real process,
once with every frame through the model (--analysis-fps 0) and once at the lower rate; prints
both cadences, their difference and the wall time of each run. --keep DIR keeps the results
folders (DIR/full/<clip>, DIR/<rate>/<clip>), e.g. to re-score their landmarks.npz.
Runs one analysis at a time (the model already uses every core).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fps_clips import all_clips  # noqa: E402

TARGET_SPM = 1.0


def analyse(clip: Path, out: Path, rate: float) -> tuple[float, dict]:
    """(wall seconds, report) of one `formcheck analyze --no-video` process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(clip), "-o", str(out), "--no-video", "--analysis-fps", f"{rate:g}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"analyze failed on {clip} at --analysis-fps {rate:g}:\n{proc.stderr[-2000:]}")
    return wall, json.loads((out / clip.stem / "report.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="*", type=Path)
    ap.add_argument("--rate", type=float, default=30.0, help="the lower analysis rate (default 30)")
    ap.add_argument("--long", type=float, default=20.0, help="seconds of the stride-loop clips (0 = skip them)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the results folders here")
    args = ap.parse_args()
    clips = {c.name: (c, None) for c in args.clips} if args.clips else all_clips(args.long)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        rows = []
        for label, (clip, truth) in clips.items():
            t_full, full = analyse(clip, root / "full", 0)
            t_low, low = analyse(clip, root / f"{args.rate:g}", args.rate)
            c_full, c_low = full["gait"]["cadence_spm"], low["gait"]["cadence_spm"]
            diff = abs(c_full - c_low) if c_full is not None and c_low is not None else float("nan")
            steps = (full["gait"]["step_count"], low["gait"]["step_count"])
            rows.append((label, truth, c_full, c_low, diff, t_full, t_low, steps))
    rate = f"{args.rate:g} fps"
    print(f"{'clip':34s} {'truth':>6s} {'full rate':>10s} {rate:>8s} {'diff':>6s}  {'steps':>7s} {'time full':>10s} {'time ' + rate:>12s}")
    fmt = lambda c: "—" if c is None else f"{c:.2f}"  # noqa: E731
    for label, truth, c_full, c_low, diff, t_full, t_low, steps in rows:
        flag = "" if diff <= TARGET_SPM else " !"
        print(f"{label:34s} {fmt(truth):>6s} {fmt(c_full):>10s} {fmt(c_low):>8s} {diff:6.2f}{flag:2s}{steps[0]:>3d}/{steps[1]:<3d} "
              f"{t_full:9.1f}s {t_low:11.1f}s")  # fmt: skip
    print(f"(cadence in steps/min; target: difference <= {TARGET_SPM:g}, '!' = missed; steps: full / {rate}; "
          "truth: known for the stride loops)")


if __name__ == "__main__":
    main()
