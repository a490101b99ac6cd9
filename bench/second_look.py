"""What reading the frames for the second look costs on a long clip: decoding from the start up
to the last frame looked at (as it was read before 2026-12-07) against decoding only from the key
frame before each stretch looked at (`formcheck.video.frames_at`, as `formcheck.relook` reads
now), side by side in one run, on the same frames.

    .venv/bin/python bench/second_look.py [--minutes 2] [--key-every 30]

The clip: the multi-person sample looped to `--minutes` at 1280x720, a key frame every
`--key-every` frames (phones write about one a second). The looks: those `formcheck.relook`
makes for an athlete missing for 1 s in the first minute and for the last 6 s (lost near the end
of the clip: the case where reading from the start costs the most). Not a test: timings vary
with what else the machine runs (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clips import looped_clip  # noqa: E402
from formcheck import relook  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402
from formcheck.tracking import MODEL_MAX_SIDE  # noqa: E402
from formcheck.video import fit_size, frames_at, probe, read_frames  # noqa: E402


def wanted_frames(t_s: np.ndarray, width: int, height: int) -> set[int]:
    """The frames the second look reads for the gaps described in the module's docstring."""
    n = len(t_s)
    series = PoseSeries.empty(n, width, height)
    series.t_s[:] = t_s
    series.xy[:] = 0.5
    series.visibility[:] = 1.0
    fps = (n - 1) / float(t_s[-1] - t_s[0])
    missing = [*range(int(30 * fps), int(31 * fps)), *range(n - int(6 * fps), n)]
    series.xy[missing] = np.nan
    series.visibility[missing] = 0.0
    return {k for lk in relook._looks(series, np.zeros(n, bool)) for k in lk.order}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--key-every", type=int, default=30)
    args = ap.parse_args()
    src = next((ROOT / "sample_videos").glob("multi_person_*.mp4"))
    clip = looped_clip(src, args.minutes * 60, 720, key_every=args.key_every)
    info = probe(clip)
    size = fit_size(info.width, info.height, MODEL_MAX_SIDE)
    t_s = np.array([t for t, _ in read_frames(clip, "rgb24", want=lambda k, t: False)])
    wanted = wanted_frames(t_s, info.width, info.height)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"clip: {clip.name} {info.width}x{info.height} {info.fps:.0f} fps {len(t_s)} frames, "
          f"a key frame every {args.key_every}; {len(wanted)} frames looked at\n")  # fmt: skip
    rows = []
    for name in ("from the start", "seeking", "from the start", "seeking"):
        start, cpu, got = time.perf_counter(), time.process_time(), 0
        if name == "seeking":
            got = sum(1 for _ in frames_at(clip, {k: float(t_s[k]) for k in wanted}, "rgb24", size))
        else:
            last = max(wanted)
            for n, (_, rgb) in enumerate(read_frames(clip, "rgb24", want=lambda k, _t: k in wanted, size=size, threads=False)):
                if n > last:
                    break
                got += rgb is not None
        rows.append((name, time.perf_counter() - start, time.process_time() - cpu, got))
    for name, wall, cpu, got in rows:
        print(f"{name:16s} {got:5d} frames  {wall:6.2f} s wall  {cpu:6.2f} s CPU")
    old = [r for r in rows if r[0] == "from the start"]
    new = [r for r in rows if r[0] == "seeking"]
    print(f"\nseeking / from the start (mean of two each): wall {np.mean([r[1] for r in new]) / np.mean([r[1] for r in old]):.2f}x, "
          f"CPU {np.mean([r[2] for r in new]) / np.mean([r[2] for r in old]):.2f}x")  # fmt: skip
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
