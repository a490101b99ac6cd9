"""Video in and out: probe a file, stream its frames upright with true timestamps, write H.264.

Decoding uses PyAV (FFmpeg), so any container and codec FFmpeg reads works, and every frame keeps
its presentation timestamp (phones record variable frame rate). Rotation metadata is applied.
Frames are streamed, never held all in memory. `VideoSink` writes H.264 (yuv420p, +faststart),
which plays in browsers and on phones; OpenCV's own writer cannot make H.264 here.
"""

from __future__ import annotations

import bisect

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.errors import VideoError
from formcheck.series import VideoInfo

_READ_HINT = "check that it is a complete video file (mp4, mov, mkv, webm, avi) and export it again"


def _rotation_cw(frame: av.VideoFrame) -> int:
    """Clockwise rotation (0/90/180/270) that displays the frame upright.

    FFmpeg's display matrix gives the counter-clockwise angle; players rotate by its negative.
    """
    try:
        ccw = float(frame.rotation or 0.0)
    except (AttributeError, ValueError):
        return 0
    return int(round(-ccw / 90.0)) % 4 * 90


#: OpenCV's YUV 4:2:0 conversions (SIMD, multi-threaded): several times cheaper than FFmpeg's
#: single-threaded swscale path that `VideoFrame.to_ndarray(format="rgb24")` takes.
_FROM_I420 = {"rgb24": cv2.COLOR_YUV2RGB_I420, "bgr24": cv2.COLOR_YUV2BGR_I420}


def _resize(img: np.ndarray, size: tuple[int, int], dst: np.ndarray | None = None) -> np.ndarray:
    """`img` resized to `size` (width, height), into `dst` if given (its shape must match)."""
    # Linear is sharp and cheap down to half size; beyond that area averaging avoids aliasing.
    linear = size[0] * 2 >= img.shape[1]
    return cv2.resize(img, size, dst=dst, interpolation=cv2.INTER_LINEAR if linear else cv2.INTER_AREA)


def _plane(frame: av.VideoFrame, k: int) -> np.ndarray:
    """Plane `k` of a frame as a 2-D uint8 view of FFmpeg's buffer (rows may be padded): no copy."""
    p = frame.planes[k]
    return np.frombuffer(p, np.uint8)[: p.line_size * p.height].reshape(p.height, p.line_size)[:, : p.width]


def to_image(frame: av.VideoFrame, pixel_format: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """A decoded frame as a contiguous RGB or BGR uint8 array (as stored, not yet rotated),
    resized to `size` (width, height, as stored) if given.

    Limited-range 8-bit 4:2:0 (what phones and cameras record) is converted by OpenCV straight from
    FFmpeg's planes, and shrunk before the conversion: the Y, U and V planes are resized from the
    decoder's buffers (no copy first) into one I420 image, which is half the work of resizing three
    colour channels at full resolution, and the conversion then runs on the smaller frame. Any
    other format (full range, 10-bit, 4:2:2, odd sizes) goes through FFmpeg.
    """
    w, h = frame.width, frame.height
    if frame.format.name == "yuv420p" and w % 2 == 0 and h % 2 == 0 and all(p.line_size > 0 for p in frame.planes):
        sw, sh = size if size is not None and size[0] % 2 == 0 and size[1] % 2 == 0 else (w, h)
        yuv = np.empty((sh * 3 // 2, sw), np.uint8)
        flat, q = yuv.reshape(-1), (sh // 2) * (sw // 2)  # planes Y, U, V one after the other
        dests = (yuv[:sh], flat[sh * sw : sh * sw + q].reshape(sh // 2, sw // 2), flat[sh * sw + q :].reshape(sh // 2, sw // 2))
        for k, dest in enumerate(dests):
            src = _plane(frame, k)
            if (sw, sh) == (w, h):
                dest[:] = src
            else:  # resized straight into the I420 image (copied only if OpenCV made a new one)
                out = _resize(src, (dest.shape[1], dest.shape[0]), dst=dest)
                if out is not dest:
                    dest[:] = out
        img = cv2.cvtColor(yuv, _FROM_I420[pixel_format])
    else:
        img = np.ascontiguousarray(frame.to_ndarray(format=pixel_format))
    return _resize(img, size) if size is not None and (img.shape[1], img.shape[0]) != size else img


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) scaled down, aspect kept, so neither side exceeds `max_side`. A scaled
    size is rounded to even numbers (what 4:2:0 video needs)."""
    scale = max_side / max(width, height)
    if scale >= 1.0:
        return width, height
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def _upright(img: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if rotation_cw == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    if rotation_cw == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    return img


#: FFmpeg demuxers that read single still images, not videos.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif_pipe",
                  "jpegls_pipe", "jpegxl_pipe", "pam_pipe", "pgm_pipe", "ppm_pipe", "svg_pipe", "qoi_pipe")  # fmt: skip


def _mp4_without_index(path: Path) -> bool:
    """True for an MP4/MOV whose top-level boxes start with 'ftyp' but have no 'moov' (the index):
    the typical cut-off upload or copy of a file whose index is written at the end."""
    try:
        with open(path, "rb") as f:
            size = path.stat().st_size
            pos, boxes = 0, []
            while pos + 8 <= size and len(boxes) < 64:
                f.seek(pos)
                head = f.read(16)
                box_len, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if box_len == 1 and len(head) >= 16:
                    box_len = int.from_bytes(head[8:16], "big")
                boxes.append(kind)
                if box_len < 8:
                    break
                pos += box_len
    except OSError:
        return False
    return bool(boxes) and boxes[0] == b"ftyp" and b"moov" not in boxes


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoError("file not found — check the path", path)
    if path.is_dir():
        raise VideoError("is a folder, not a video file — use `formcheck batch` for folders", path)
    if path.stat().st_size == 0:
        raise VideoError("the file is empty (0 bytes) — record or export the clip again", path)
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        if _mp4_without_index(path):
            raise VideoError(
                "the file is incomplete: an MP4/MOV without its index (moov), as left by a cut-off "
                "upload or copy — copy or upload the whole file again",
                path,
            ) from exc
        raise VideoError(f"not a video FFmpeg can read ({_reason(exc)}) — {_READ_HINT}", path) from exc
    except OSError as exc:
        raise VideoError(f"cannot be opened ({exc.strerror or exc}) — check its permissions", path) from exc
    except UnicodeDecodeError as exc:  # PyAV decodes the container's tags as UTF-8
        raise VideoError(f"not a video FFmpeg can read (its metadata is not valid text) — {_READ_HINT}", path) from exc
    if container.format.name in _IMAGE_FORMATS:
        kind = container.format.name.replace("_pipe", "").replace("image2", "image")
        container.close()
        raise VideoError(f"is a still image ({kind}), not a video — record a video clip of the athlete", path)
    if not container.streams.video:
        container.close()
        kinds = sorted({s.type for s in container.streams}) or ["nothing"]
        raise VideoError(
            f"has no video stream (it holds {', '.join(kinds)}) — give a video of the athlete", path
        )
    return container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip().rstrip(".").lower() or type(exc).__name__


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a video's facts (size upright, fps, duration, rotation) from its container and first frame.

    Raises:
        VideoError: the file is missing, empty, not a video, or no frame can be decoded.
    """
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        first = None
        try:
            for first in container.decode(stream):
                break
        except av.error.FFmpegError as exc:
            raise VideoError(f"no frame could be decoded ({_reason(exc)}) — {_READ_HINT}", path) from exc
        if first is None:
            raise VideoError(f"the video stream holds no frame — {_READ_HINT}", path)
        rot = _rotation_cw(first)
        w, h = (first.height, first.width) if rot in (90, 270) else (first.width, first.height)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        duration_s = 0.0
        if stream.duration and stream.time_base:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration:
            duration_s = container.duration / av.time_base
        if not (0 < fps < 2000):
            fps = 30.0
        frames = int(stream.frames) if stream.frames else int(round(duration_s * fps))
        return VideoInfo(
            path=str(path),
            width=int(w),
            height=int(h),
            fps=fps,
            frames=max(frames, 1),
            duration_s=duration_s,
            rotation_deg=rot,
            codec=stream.codec_context.name,
        )
    finally:
        container.close()


@dataclass
class DecodeStats:
    """What a decode pass saw. Filled while frames are read."""

    frames: int = 0
    damaged_packets: int = 0
    expected_frames: int = 0  # what the container announced (0 = unknown)
    frames_analysed: int = 0  # frames the pose model ran on (set by the pipeline)
    frames_passed: int = 0  # frames decoded to reach the first one read (`read_frames` first_frame or start)
    light: dict = field(default_factory=dict)  # `LightMeter.to_dict()` of the analysed frames


@dataclass(frozen=True)
class Cut:
    """Where a clip is cut in two for readers working side by side: frame `index` (in
    presentation order, from 0), whose timestamp is `pts`, and the key frame at or before it
    (timestamp `key_pts`), from which a reader of the second piece can start decoding. Timestamps
    are in the video stream's time base, as the container stores them."""

    index: int
    pts: int
    key_pts: int


def find_cut(path: str | os.PathLike, frame: int) -> Cut | None:
    """The cut before frame `frame`, found by reading the packets only (no decoding): a small
    fraction of decoding the frames before it.

    None when a reader of the second piece would gain nothing (no key frame but the first lies
    at or before that frame) or when the packets cannot vouch for the frames' timestamps (a
    packet without one, or two at the same time): the caller then decodes from the start.
    """
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        pts: list[int] = []
        keys: list[int] = []
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's closing empty packet
                continue
            if packet.pts is None:
                return None
            pts.append(int(packet.pts))
            if packet.is_keyframe:
                keys.append(int(packet.pts))
    except av.error.FFmpegError:
        return None
    finally:
        container.close()
    order = sorted(pts)
    if not 0 < frame < len(order) or len(set(order)) != len(order):
        return None
    before = [k for k in keys if k <= order[frame]]
    if not before or max(before) <= order[0]:
        return None
    return Cut(index=frame, pts=order[frame], key_pts=max(before))


class _Missed(Exception):
    """A seek did not land where a full read would have shown the cut's frame."""


def read_frames(
    path: str | os.PathLike,
    pixel_format: str = "rgb24",
    stats: DecodeStats | None = None,
    first_frame: int = 0,
    want: Callable[[int, float], bool] | None = None,
    size: tuple[int, int] | None = None,
    threads: bool = True,
    start: Cut | None = None,
    until: Cut | None = None,
) -> Iterator[tuple[float, np.ndarray | None]]:
    """Yield (time_s, image) for every decodable frame, upright, in presentation order.

    Args:
        path: the video file.
        pixel_format: "rgb24" (for the pose model) or "bgr24" (for OpenCV drawing).
        stats: filled with the number of frames and of damaged packets skipped.
        first_frame: decode but do not yield the frames before this one (they are not converted,
            so skipping costs a fraction of decoding). Frame numbers and times are exactly those
            of a full read: this is how a second reader starts mid-clip without seeking.
        want: `want(frame_number, time_s)` False yields (time_s, None): the frame is decoded
            (decoding needs it) but not converted, for frames the caller will not look at.
        size: (width, height) of the upright images wanted, if not the clip's own: frames are
            shrunk while they are converted (cheaper than converting, then resizing).
        threads: let FFmpeg decode several frames at once (faster; each frame thread keeps its
            own buffers, ~16 MB more at 1080p). False where other threads keep the cores busy.
        start: yield only the frames from the cut's on (`find_cut`), decoding from the key frame
            before it. The first frame yielded must be the cut's, as a full read shows it; if the
            seek lands anywhere else, the file is decoded from its start instead. Times still
            count from the clip's first frame. `stats` then counts only the frames yielded.
        until: stop before the cut's frame (the first piece of a cut clip).

    Times come from the container's timestamps, made strictly increasing; a frame without a
    timestamp gets the previous time plus one frame interval. Damaged packets are skipped and
    counted, so a file with a bad stretch still yields what can be decoded.
    """
    path = Path(path)
    stats = stats if stats is not None else DecodeStats()
    args = (path, pixel_format, stats, first_frame, want, size, threads)
    if start is None:
        yield from _decode(*args, until=until)
        return
    try:
        yield from _decode(*args, until=until, start=start, seek=True)
    except _Missed:
        stats.frames = stats.damaged_packets = stats.frames_passed = 0
        yield from _decode(*args, until=until, start=start, seek=False)


def _decode(
    path: Path,
    pixel_format: str,
    stats: DecodeStats,
    first_frame: int,
    want: Callable[[int, float], bool] | None,
    size: tuple[int, int] | None,
    threads: bool,
    until: Cut | None = None,
    start: Cut | None = None,
    seek: bool = False,
) -> Iterator[tuple[float, np.ndarray | None]]:
    """`read_frames`, reading from the start or (`seek`) from `start`'s key frame on, for the
    frames from `start`'s on, and raising `_Missed` before the first if the seek went wrong."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"
        else:
            stream.codec_context.thread_count = 1
        stats.expected_frames = int(stream.frames or 0)
        rate = stream.average_rate or stream.guessed_rate
        step = 1.0 / float(rate) if rate else 1.0 / 30.0
        prev_t: float | None = None
        t0: float | None = None
        started = start is None
        if seek and start is not None:
            try:  # times count from the clip's first frame: read it, then jump to the key frame
                t0 = next((f.time for f in container.decode(stream)), None)
            except av.error.FFmpegError as exc:
                raise _Missed from exc
            if t0 is None:
                raise _Missed
            container.seek(start.key_pts, backward=True, stream=stream)
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                if started:
                    stats.damaged_packets += 1
                continue
            for frame in frames:
                if until is not None and frame.pts is not None and frame.pts >= until.pts:
                    return
                if not started:
                    if frame.pts is not None and frame.pts < start.pts:
                        if t0 is None and frame.time is not None:
                            t0 = frame.time
                        stats.frames_passed += 1
                        continue
                    if seek and frame.pts != start.pts:  # landed past the cut: frames were lost
                        raise _Missed
                    started = True
                t = frame.time
                if t is None:
                    t = (prev_t + step) if prev_t is not None else 0.0
                if t0 is None:
                    t0 = t
                t -= t0
                if prev_t is not None and t <= prev_t:
                    t = prev_t + 1e-4
                prev_t = t
                stats.frames += 1
                if stats.frames <= first_frame:
                    stats.frames_passed += 1
                    continue
                # Rows can be padded for alignment (e.g. 854 px wide): consumers such as
                # mediapipe.Image ignore strides, so hand out contiguous arrays only.
                if want is not None and not want(stats.frames - 1, t):
                    yield t, None
                    continue
                yield t, _picture(frame, pixel_format, size)
    except av.error.FFmpegError as exc:
        if seek and not started:
            raise _Missed from exc
        if stats.frames == 0 and stats.frames_passed == 0:
            raise VideoError(f"no frame could be decoded ({_reason(exc)}) — {_READ_HINT}", path) from exc
        stats.damaged_packets += 1
    finally:
        container.close()
    if seek and not started:
        raise _Missed
    # A second piece whose frames all failed to decode is empty, not an error: the first holds some.
    if stats.frames == 0 and stats.frames_passed == 0:
        raise VideoError(f"no video frame could be decoded — {_READ_HINT}", path)


def _picture(frame: av.VideoFrame, pixel_format: str, size: tuple[int, int] | None) -> np.ndarray:
    """A decoded frame as an upright image of `size` (width, height; None = as decoded)."""
    rot = _rotation_cw(frame)
    stored = size if size is None or rot in (0, 180) else (size[1], size[0])
    return _upright(to_image(frame, pixel_format, stored), rot)


def _key_before(keys: list[float], t: float) -> float:
    """The time of the last key frame at or before `t` (-inf if none is known)."""
    i = bisect.bisect_right(keys, t)
    return keys[i - 1] if i else float("-inf")


def frames_at(
    path: str | os.PathLike, times: dict[int, float], pixel_format: str = "bgr24", size: tuple[int, int] | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame number, image) for the frames at `times` ({frame number: time in seconds, as
    `read_frames` gives it}), in time order, seeking to the key frame before each one that is
    not just ahead (in the same group of pictures). A frame whose time is not met within half a frame interval (broken
    timestamps, a damaged stretch) is left out: the caller reads those in order.
    """
    todo = sorted(times.items(), key=lambda item: item[1])
    if not todo:
        return
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate
        half = 0.5 / float(rate) if rate else 1.0 / 60.0
        # Where the key frames are (reading packets without decoding them is cheap): a seek
        # only pays when a key frame lies between where reading is and the frame wanted.
        keys = sorted(float(p.pts * p.time_base) for p in container.demux(stream) if p.is_keyframe and p.pts is not None)
        container.seek(0, stream=stream) if keys else None
        first = next(container.decode(stream), None)  # times count from the first frame's
        if first is None or first.time is None or stream.time_base is None:
            return
        t0, now, sought, seeking = first.time, first.time, -1, True
        k = 0
        if abs(todo[0][1]) < half:
            yield todo[0][0], _picture(first, pixel_format, size)
            k = 1
        while k < len(todo):
            before = now
            if seeking and k != sought and (_key_before(keys, todo[k][1] + t0 + half) > now + half or todo[k][1] + t0 < now - half):
                container.seek(int((todo[k][1] + t0) / stream.time_base), backward=True, stream=stream)
                sought = k  # from the key frame before it, decode up to it however far
            landed = sought != k
            for frame in container.decode(stream):
                if frame.time is None:
                    return
                now = frame.time
                if not landed:
                    landed = True
                    # Key frames far apart: the seek went back to where reading had got to or
                    # before. Read on from here instead of seeking again.
                    if now <= before + half and todo[k][1] + t0 > before:
                        seeking = False
                while k < len(todo) and todo[k][1] + t0 < now - half:  # passed without a match
                    k += 1
                if k < len(todo) and abs(todo[k][1] + t0 - now) < half:
                    yield todo[k][0], _picture(frame, pixel_format, size)
                    k += 1
                if k >= len(todo) or (seeking and k != sought and _key_before(keys, todo[k][1] + t0 + half) > now + half):
                    break
            else:
                return  # the end of the file
    except av.error.FFmpegError:
        return
    finally:
        container.close()


class VideoSink:
    """Write BGR frames to an H.264 MP4 (yuv420p, +faststart) with the given timestamps.

    Timestamps are kept (90 kHz time base), so variable-frame-rate clips keep their timing, and
    the output has the input's frame count and duration. Odd sizes are cropped by one pixel
    (yuv420p needs even sizes).

    Example:
        with VideoSink(path, width, height, fps=30.0) as sink:
            sink.write(frame_bgr, t_s)
    """

    TIME_BASE = Fraction(1, 90000)

    def __init__(
        self,
        path: str | os.PathLike,
        width: int,
        height: int,
        fps: float,
        crf: int = 23,
        preset: str = "ultrafast",
    ) -> None:
        self.path = Path(path)
        self.width = width - width % 2
        self.height = height - height % 2
        self._frame_s = 1.0 / fps if fps > 0 else 1.0 / 30.0
        self._container = av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width = self.width
        stream.height = self.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = self.TIME_BASE
        stream.codec_context.time_base = self.TIME_BASE
        options = {"crf": str(crf), "preset": preset, "movflags": "+faststart"}
        if preset == "ultrafast":
            # With the deblocking filter back on. x264 at 720p, CRF 23, on the demo clip: 6.6 ms of
            # CPU per frame against superfast's 10.2, PSNR 38.7 dB against 38.2, for a file 1.6
            # times the size (about 4 Mbit/s, still less than the phone's own). No B-frames nor
            # CABAC: the Constrained Baseline tools that every player decodes.
            options["x264-params"] = "deblock=0,0"
        stream.options = options
        self._stream = stream
        self._last_pts = -1
        self.frames = 0

    def write(self, bgr: np.ndarray, t_s: float) -> None:
        """Encode one frame shown at time `t_s` (seconds from the clip's start)."""
        if bgr.shape[0] != self.height or bgr.shape[1] != self.width:
            bgr = bgr[: self.height, : self.width]
        # OpenCV makes the encoder's YUV 4:2:0 planes several times faster than FFmpeg's swscale.
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
        pts = max(int(round(t_s / self.TIME_BASE)), self._last_pts + 1)
        frame.pts = pts
        frame.time_base = self.TIME_BASE
        self._last_pts = pts
        self._container.mux(self._stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        if self._container is None:
            return
        try:
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()
            self._container = None

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
