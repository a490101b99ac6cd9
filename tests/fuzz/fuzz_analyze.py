"""Long fuzz run, by hand: mutate a small valid clip many times and run `formcheck analyze` on each.

    .venv/bin/python tests/fuzz/fuzz_analyze.py [--runs 200] [--timeout 60] [--keep DIR]

Each run is a separate process with a time bound. Anything but exit 0 or a one-line `error:`
(exit 1) — a traceback, a signal, a hang — is a finding; the input is kept in --keep.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from formcheck.video import VideoSink, read_frames  # noqa: E402


def seed_clip(dest: Path) -> bytes:
    frames = []
    for _, img in read_frames(next((ROOT / "sample_videos").glob("backward_*.mp4")), "bgr24"):
        frames.append(img[::2, ::2].copy())
        if len(frames) == 45:
            break
    h, w = frames[0].shape[:2]
    with VideoSink(dest, w, h, 30.0) as sink:
        for i, f in enumerate(frames):
            sink.write(f, i / 30)
    return dest.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--keep", type=Path, default=Path("fuzz-findings"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    outcomes: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = seed_clip(tmp / "seed.mp4")
        for run in range(args.runs):
            buf = bytearray(data)
            for _ in range(rnd.randint(1, 60)):
                buf[rnd.randrange(len(buf))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                buf = buf[: rnd.randint(1, len(buf))]
            clip = tmp / "fuzz.mp4"
            clip.write_bytes(bytes(buf))
            try:
                p = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(clip), "-o", str(tmp / "out"), "--no-video"],
                                   capture_output=True, text=True, timeout=args.timeout)  # fmt: skip
                lines = p.stderr.strip().splitlines()
                if p.returncode == 0:
                    kind = "analysed"
                elif p.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: "):
                    kind = "clean error"
                else:
                    kind = f"FINDING exit {p.returncode}"
            except subprocess.TimeoutExpired:
                kind = "FINDING hang"
            outcomes[kind] += 1
            if kind.startswith("FINDING"):
                args.keep.mkdir(exist_ok=True)
                shutil.copy(clip, args.keep / f"run{run}.mp4")
                print(f"run {run}: {kind}: {p.stderr[-500:] if kind != 'FINDING hang' else ''}")
    for kind, n in outcomes.most_common():
        print(f"{kind:24s} {n}")


if __name__ == "__main__":
    main()
