"""60 fps test clips for the --analysis-fps check (issue 8), made from the 30 fps samples.

    .venv/bin/python bench/fps_clips.py        # makes them all, prints their paths

* `minterpolated(src)`: FFmpeg's motion-compensated interpolation (`minterpolate`, through a
  PyAV filter graph) makes a real in-between picture for every second frame, so a 60 fps
  analysis sees motion at 60 fps, not each pose twice.
* `doubled(src)`: every frame twice (the old 60 fps material): kept to compare with.
* `stride_loop(src, seconds)`: a longer steady clip. One stride of the motion-interpolated clip,
  chosen where the pose at its end matches the pose at its start, played over and over in a
  window that pans with the walker at her mean speed (a camera following her; the background
  jumps back at each repeat, she does not). She stays in the picture, so the engine sees
  treadmill-like gait (travel from the feet, not the image), and the true cadence is known:
  two steps per loop.

Clips are cached in bench/.cache/ (not committed); delete a file to make it again.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.landmarks import Landmark as L  # noqa: E402
from formcheck.series import PoseSeries, load_npz  # noqa: E402
from formcheck.video import VideoSink, probe, read_frames  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
#: Motion-compensated interpolation with overlapped blocks, both directions searched, smoothed
#: motion vectors: the slowest and cleanest of minterpolate's modes (a 4.5 s clip takes seconds).
MINTERPOLATE = "fps={fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"


def _partial(dest: Path) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return dest.with_name(dest.stem + ".partial.mp4")


def minterpolated(src: Path, fps: float = 60.0) -> Path:
    """`src` raised to `fps` by motion-compensated frame interpolation."""
    dest = CACHE / f"{src.stem}_mci{fps:g}.mp4"
    if dest.exists():
        return dest
    tmp = _partial(dest)
    info = probe(src)
    with av.open(str(src)) as container, VideoSink(tmp, info.width, info.height, fps, crf=18) as sink:
        stream = container.streams.video[0]
        graph = av.filter.Graph()
        head = graph.add_buffer(template=stream)
        graph.link_nodes(head, graph.add("minterpolate", MINTERPOLATE.format(fps=fps)), graph.add("buffersink"))
        graph.configure()
        k = 0

        def drain() -> int:
            n = k
            while True:
                try:
                    frame = graph.vpull()
                except (BlockingIOError, av.error.EOFError):
                    return n
                sink.write(frame.to_ndarray(format="bgr24"), n / fps)
                n += 1

        for frame in container.decode(stream):
            graph.vpush(frame)
            k = drain()
        graph.vpush(None)
        k = drain()
    tmp.replace(dest)
    return dest


def doubled(src: Path) -> Path:
    """`src` at twice its frame rate, each frame shown twice."""
    info = probe(src)
    fps = 2 * info.fps
    dest = CACHE / f"{src.stem}_doubled{fps:g}.mp4"
    if dest.exists():
        return dest
    tmp = _partial(dest)
    with VideoSink(tmp, info.width, info.height, fps, crf=18) as sink:
        k = 0
        for _, img in read_frames(src, "bgr24"):
            for _ in range(2):
                sink.write(img, k / fps)
                k += 1
    tmp.replace(dest)
    return dest


#: Landmarks compared when matching the pose at a loop's two ends (hip-relative).
_MATCH = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX,
          L.LEFT_WRIST, L.RIGHT_WRIST]  # fmt: skip


@dataclass(frozen=True)
class Loop:
    """One stride of a 30 fps clip: frames [first, first + frames), panned at `speed_px` per frame."""

    first: int
    frames: int
    start_px: float  # the window's centre at `first`
    speed_px: float

    @property
    def cadence_spm(self) -> float:
        """Two steps per loop."""
        return 2 * 60.0 / (self.frames / 30.0)


def _poses(src: Path) -> PoseSeries:
    """The cleaned pose series of `src` from `formcheck analyze` (every frame), cached."""
    out = CACHE / "poses"
    npz = out / src.stem / "landmarks.npz"
    if not npz.exists():
        cmd = [sys.executable, "-m", "formcheck", "analyze", str(src), "-o", str(out), "--no-video", "--analysis-fps", "0"]
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return load_npz(npz)[1]


def find_loop(series: PoseSeries, width_px: int, periods: range = range(30, 46)) -> Loop:
    """The stride whose last frame leads best into its first (pose and velocity, hip-relative)
    and whose panning window of `width_px` stays inside the picture."""
    xy = series.xy.astype(np.float64) * np.array([series.aspect, 1.0])
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    rel = xy[:, _MATCH] - hip[:, None]
    vel = np.gradient(rel, axis=0)
    hip_px = hip[:, 0] * series.height
    frame_w = series.width
    best: tuple[float, Loop] | None = None
    for n in periods:
        for a in range(1, len(xy) - n - 1):
            pose = np.linalg.norm(rel[a] - rel[a + n], axis=-1)
            err = np.mean(pose) + 0.5 * np.mean(np.linalg.norm(vel[a] - vel[a + n], axis=-1))
            if not np.isfinite(err) or (best is not None and err >= best[0]):
                continue
            speed, start = np.polyfit(np.arange(n + 1), hip_px[a : a + n + 1], 1)
            ends = (start, start + speed * n)
            if min(ends) - width_px / 2 < 0 or max(ends) + width_px / 2 > frame_w:
                continue
            best = (float(err), Loop(a, n, float(start), float(speed)))
    if best is None:
        raise SystemExit(f"no stride of {series.width} px wide footage fits a {width_px} px window")
    return best[1]


def stride_loop(src: Path, seconds: float = 20.0, width_px: int = 512) -> tuple[Path, Loop]:
    """A `seconds` long 60 fps clip repeating one stride of `src` (see the module's docstring)."""
    loop = find_loop(_poses(src), width_px)
    dest = CACHE / f"{src.stem}_loop{loop.first}+{loop.frames}_{seconds:g}s_60.mp4"
    if dest.exists():
        return dest, loop
    first, stop = 2 * loop.first, 2 * (loop.first + loop.frames)  # 60 fps frame numbers
    frames = [img for k, (_, img) in enumerate(read_frames(minterpolated(src), "bgr24")) if first <= k < stop]
    tmp = _partial(dest)
    with VideoSink(tmp, width_px, frames[0].shape[0], 60.0, crf=18) as sink:
        for k in range(int(seconds * 60)):
            j = k % len(frames)
            x0 = int(round(loop.start_px + loop.speed_px * j / 2 - width_px / 2))
            sink.write(np.ascontiguousarray(frames[j][:, x0 : x0 + width_px]), k / 60)
    tmp.replace(dest)
    return dest, loop


def sample(prefix: str) -> Path:
    return next((ROOT / "sample_videos").glob(f"{prefix}_*.mp4"))


def all_clips(long_s: float = 20.0) -> dict[str, tuple[Path, float | None]]:
    """{label: (path, true cadence if known)} of every 60 fps test clip, made if missing."""
    clips: dict[str, tuple[Path, float | None]] = {
        "backward, motion-interpolated": (minterpolated(sample("backward")), None),
        "forward, motion-interpolated": (minterpolated(sample("forward")), None),
        "backward, frames doubled": (doubled(sample("backward")), None),
    }
    if long_s > 0:
        for prefix in ("backward", "forward"):
            path, loop = stride_loop(sample(prefix), long_s)
            clips[f"{prefix}, stride loop {long_s:g} s"] = (path, loop.cadence_spm)
    return clips


if __name__ == "__main__":
    for label, (path, truth) in all_clips().items():
        info = probe(path)
        known = f"  true cadence {truth:.2f}" if truth else ""
        print(f"{label:34s} {path.relative_to(ROOT)}  {info.width}x{info.height} {info.fps:g} fps {info.frames} frames "
              f"{Fraction(info.duration_s).limit_denominator(100)} s{known}")  # fmt: skip
