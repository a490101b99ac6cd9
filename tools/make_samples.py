#!/usr/bin/env python3
"""Re-create the sample clips in sample_videos/ from the Sports2D wheel.

The source is the demo video shipped in the Sports2D wheel (BSD-3-Clause,
Copyright (c) 2022, perfanalytics; see sample_videos/LICENSE-sports2d.txt):

    pip download sports2d==0.8.34 --no-deps -d /tmp/wheels
    .venv/bin/python tools/make_samples.py /tmp/wheels/sports2d-0.8.34-py3-none-any.whl

Only PyAV is needed (no ffmpeg binary). Every clip is a frame-exact segment of
Sports2D/Demo/demo.mp4 (1768x994, 30 fps, VP9), optionally cropped, scaled to
960 px wide, optionally time-reversed, and re-encoded as H.264 yuv420p MP4
with +faststart at the source frame rate with regular timestamps
(pts = 0, 1, 2, ... in units of 1/fps).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from fractions import Fraction
from pathlib import Path

import av

MEMBER = "Sports2D/Demo/demo.mp4"
SOURCE_SHA256 = "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"
SOURCE_SIZE = (1768, 994)
FPS = 30
WIDTH = 960          # output width; height follows the aspect ratio (even)
CRF, PRESET = 23, "medium"  # "slow" gave non-byte-identical re-runs here

# Frames [start, end) of the source (at 30 fps: 45 -> 1.5 s, 180 -> 6.0 s).
# In this range the walking woman is fully in view (she steps out from behind
# the tree trunk at frame ~44 and the man on the box begins his back flip
# down into the lower half of the picture at frame ~182).
# crop = (x, y, w, h) in source pixels. y=468 starts just below the top of the
# box, so the man standing on it is cut away and the walker is the only person.
CLIPS = [
    dict(name="backward_walk_sports2d.mp4", start=45, end=180,
         crop=(0, 468, 1768, 526), reverse=True),
    dict(name="forward_walk_sports2d.mp4", start=45, end=180,
         crop=(0, 468, 1768, 526), reverse=False),
    dict(name="multi_person_sports2d.mp4", start=45, end=180,
         crop=None, reverse=False),
]

COMMENT = ("Derived from Sports2D/Demo/demo.mp4 in sports2d 0.8.34 "
           "(BSD-3-Clause, Copyright (c) 2022, perfanalytics). "
           "See sample_videos/README.md.")


def read_source(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"warning: {MEMBER} sha256 is {digest}, expected {SOURCE_SHA256}")
    return data


def decode_segment(data: bytes, start: int, end: int, crop, width: int):
    """Decode frames [start, end), crop and scale them in YUV (no RGB round trip)."""
    with av.open(io.BytesIO(data)) as src:
        stream = src.streams.video[0]
        assert (stream.width, stream.height) == SOURCE_SIZE, (stream.width, stream.height)
        assert stream.average_rate == FPS, stream.average_rate
        graph = av.filter.Graph()
        chain = [graph.add_buffer(template=stream)]
        if crop:
            x, y, w, h = crop
            chain.append(graph.add("crop", f"{w}:{h}:{x}:{y}"))
        chain.append(graph.add("scale", f"{width}:-2:flags=area"))
        chain.append(graph.add("format", "yuv420p"))
        chain.append(graph.add("buffersink"))
        for a, b in zip(chain, chain[1:]):
            a.link_to(b)
        graph.configure()
        frames = []
        for i, frame in enumerate(src.decode(stream)):
            if i >= end:
                break
            if i >= start:
                graph.vpush(frame)
                frames.append(graph.vpull())
    assert len(frames) == end - start, (len(frames), start, end)
    return frames


def encode(frames, path: Path) -> None:
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        out.metadata["comment"] = COMMENT
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height = frames[0].width, frames[0].height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(CRF), "preset": PRESET}
        cc = stream.codec_context
        cc.time_base = Fraction(1, FPS)
        cc.color_range = 1          # limited ("tv") range, as the source
        cc.colorspace = cc.color_primaries = cc.color_trc = 1  # BT.709, as the source
        for i, frame in enumerate(frames):
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            frame.pict_type = av.video.frame.PictureType.NONE  # let x264 choose
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sports2d_wheel", type=Path, help="sports2d-0.8.34-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_videos")
    args = ap.parse_args()
    data = read_source(args.sports2d_wheel)
    args.out.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        frames = decode_segment(data, clip["start"], clip["end"], clip["crop"], WIDTH)
        if clip["reverse"]:
            frames.reverse()
        path = args.out / clip["name"]
        encode(frames, path)
        print(f"{path}: {len(frames)} frames, {frames[0].width}x{frames[0].height}, "
              f"{len(frames) / FPS:.2f} s, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
