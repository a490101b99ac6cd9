"""Benchmark clips, cached under bench/.cache/ (not committed): the Sports2D demo at its own
1768x994 (the clip issue 8 quotes the model's speed on; fetched from PyPI, where the samples come
from), and longer clips made by looping a sample (forwards, then backwards, so the motion stays
continuous), optionally upscaled."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.video import VideoSink, probe, read_frames  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SPORTS2D = "sports2d==0.8.34"
SPORTS2D_SHA256 = "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"


def sports2d_demo() -> Path:
    """The Sports2D demo video (1768x994 VP9, 230 frames, two people), from its PyPI wheel."""
    dest = CACHE / "sports2d_demo.mp4"
    if dest.exists():
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", SPORTS2D, "--no-deps", "-q", "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("sports2d-*.whl"))
        data = zipfile.ZipFile(wheel).read("Sports2D/Demo/demo.mp4")
    if hashlib.sha256(data).hexdigest() != SPORTS2D_SHA256:
        raise SystemExit("the Sports2D demo in the wheel is not the expected file")
    dest.write_bytes(data)
    return dest


def looped_clip(src: Path, seconds: float, height: int | None = None, key_every: int | None = None) -> Path:
    """A clip of `seconds` made from `src` played forwards and backwards, scaled to `height`,
    with a key frame every `key_every` frames if given (phones write about one a second)."""
    info = probe(src)
    h = height or info.height
    w = int(round(info.width * h / info.height / 2)) * 2
    dest = CACHE / f"{src.stem}_{int(seconds)}s_{h}p{f'_k{key_every}' if key_every else ''}.mp4"
    if dest.exists():
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    frames = [cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC) if h != info.height else img for _, img in read_frames(src, "bgr24")]
    cycle = frames + frames[-2:0:-1]
    total = int(seconds * info.fps)
    tmp = dest.with_suffix(".partial.mp4")
    with VideoSink(tmp, w, h, info.fps, crf=26, preset="veryfast", key_every=key_every) as sink:
        for i in range(total):
            sink.write(cycle[i % len(cycle)], i / info.fps)
    tmp.replace(dest)
    return dest


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else next((ROOT / "sample_videos").glob("backward_*.mp4"))
    print(looped_clip(src, float(sys.argv[2]) if len(sys.argv) > 2 else 60.0, int(sys.argv[3]) if len(sys.argv) > 3 else None))
