"""Video in and out on real files: probing, timestamps, rotation, H.264 writing."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import sample

from formcheck.errors import VideoError
from formcheck.video import VideoSink, fit_size, frames_at, probe, read_frames


def test_probe_sample_clip() -> None:
    info = probe(sample("backward"))
    assert info.fps == pytest.approx(30.0, abs=0.5)
    assert info.frames > 60 and info.width > info.height > 0
    assert info.rotation_deg == 0


def test_frames_have_increasing_true_timestamps() -> None:
    times = [t for t, _ in read_frames(sample("backward"))]
    assert times[0] == 0.0
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert np.median(np.diff(times)) == pytest.approx(1 / 30, rel=0.05)


def write_rotated(src: Path, dest: Path, display_rotation_ccw: float, frames: int = 45) -> list[np.ndarray]:
    """Store `src`'s frames turned so that the display matrix makes them upright again.

    A display matrix of +90° (counter-clockwise) means the player turns the stored picture 90°
    counter-clockwise; so the stored picture is the upright one turned 90° clockwise.
    """
    upright = [img for _, img in zip(range(frames), (f for _, f in read_frames(src, "rgb24")), strict=False)]
    k = int(round(display_rotation_ccw / 90))  # np.rot90 turns counter-clockwise for k > 0
    with av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stored0 = np.rot90(upright[0], k=-k)
        stream.height, stream.width = stored0.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18"}
        stream.set_display_rotation(display_rotation_ccw)  # before the header is written
        for img in upright:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(img, k=-k)), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return upright


@pytest.mark.parametrize("ccw", [90, -90, 180])
def test_rotation_metadata_is_applied(tmp_path: Path, ccw: int) -> None:
    dest = tmp_path / "rotated.mp4"
    upright = write_rotated(sample("backward"), dest, ccw)
    info = probe(dest)
    assert info.rotation_deg == (-ccw) % 360
    assert (info.width, info.height) == (upright[0].shape[1], upright[0].shape[0])
    decoded = [img for _, img in read_frames(dest, "rgb24")]
    assert len(decoded) == len(upright)
    a = decoded[10].astype(float)
    b = upright[10][: a.shape[0], : a.shape[1]].astype(float)
    assert a.shape[:2] == b.shape[:2]
    assert np.abs(a - b).mean() < 8  # same picture, upright (lossy codec)


def test_sink_writes_h264_with_same_frames_and_timing(tmp_path: Path) -> None:
    src = sample("backward")
    dest = tmp_path / "copy.mp4"
    info = probe(src)
    with VideoSink(dest, info.width, info.height, info.fps) as sink:
        for t, img in read_frames(src, "bgr24"):
            sink.write(img, t)
    with av.open(str(dest)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        n = sum(1 for _ in c.decode(s))
        assert float(s.average_rate) == pytest.approx(info.fps, rel=0.01)
        assert float(s.duration * s.time_base) == pytest.approx(info.duration_s, abs=1.5 / info.fps)
    assert n == info.frames
    # +faststart: the index (moov) comes before the media data (mdat).
    head = dest.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


@pytest.mark.parametrize(
    "content, words",
    [(b"", "empty"), (b"this is not a video\n" * 50, "not a video"), (bytes(range(256)) * 64, "not a video")],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, content: bytes, words: str) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(content)
    with pytest.raises(VideoError, match=words):
        probe(bad)


def test_variable_frame_rate_keeps_timestamps(tmp_path: Path) -> None:
    dest = tmp_path / "vfr.mp4"
    frames = [img for _, img in zip(range(30), (f for _, f in read_frames(sample("backward"), "bgr24")), strict=False)]
    h, w = frames[0].shape[:2]
    times = np.cumsum([0] + [1 / 30 if i % 2 else 1 / 60 for i in range(29)])
    with VideoSink(dest, w, h, 40.0) as sink:
        for t, img in zip(times, frames, strict=True):
            sink.write(img, float(t))
    got = [t for t, _ in read_frames(dest)]
    assert np.allclose(got, times, atol=2e-3)


def _short_gop_copy(src: Path, dest: Path, gop: int) -> None:
    """`src` re-encoded with a key frame every `gop` frames (phones use about one a second)."""
    with av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        for _, img in read_frames(src, "rgb24"):
            if not stream.width:
                stream.height, stream.width = img.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "20", "g": str(gop), "keyint_min": str(gop)}
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode(None))


@pytest.mark.parametrize("gop", [10, 250])
def test_frames_at_gives_the_frames_a_full_read_gives(tmp_path: Path, gop: int) -> None:
    clip = tmp_path / "clip.mp4"
    _short_gop_copy(sample("backward"), clip, gop)
    full = list(read_frames(clip, "bgr24", size=(480, 144)))
    wanted = [0, 1, 7, 8, 40, 95, 96, len(full) - 1]  # neighbours, within and across key frames
    got = dict(frames_at(clip, {i: full[i][0] for i in wanted}, "bgr24", (480, 144)))
    assert sorted(got) == wanted
    for i in wanted:
        assert np.array_equal(got[i], full[i][1]), i
    # A time no frame has (past the end) is left out, not answered with a neighbour.
    assert list(frames_at(clip, {len(full): full[-1][0] + 1.0}, "bgr24")) == []


def test_frames_shrunk_while_converted_match_frames_resized_after() -> None:
    clip = sample("multi_person")
    info = probe(clip)
    size = fit_size(info.width, info.height, 400)
    direct = [img for _, img in zip(range(5), (f for _, f in read_frames(clip, "bgr24", size=size)), strict=False)]
    after = [cv2.resize(img, size, interpolation=cv2.INTER_LINEAR if size[0] * 2 >= img.shape[1] else cv2.INTER_AREA)
             for _, img in zip(range(5), (f for _, f in read_frames(clip, "bgr24")), strict=False)]  # fmt: skip
    for a, b in zip(direct, after, strict=True):
        assert a.shape == b.shape == (size[1], size[0], 3)
        assert np.abs(a.astype(int) - b).mean() < 2  # the same picture


@pytest.mark.parametrize("ccw", [90, -90])
def test_shrinking_a_rotated_clip_gives_upright_frames_of_the_size_asked(tmp_path: Path, ccw: int) -> None:
    dest = tmp_path / "rotated.mp4"
    upright = write_rotated(sample("backward"), dest, ccw, frames=12)
    h, w = upright[0].shape[:2]
    size = fit_size(w, h, 200)
    frames = [img for _, img in read_frames(dest, "rgb24", size=size)]
    assert frames[0].shape == (size[1], size[0], 3)
    want = cv2.resize(upright[5], size, interpolation=cv2.INTER_AREA).astype(float)
    assert np.abs(frames[5] - want).mean() < 10
