"""Streaming a clip's frames in presentation order with true timestamps, from its start or from a
`Cut`, and counting what the decoding saw (`DecodeStats`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from formcheck.errors import VideoError
from formcheck.video.container import _READ_HINT, _open, _reason
from formcheck.video.cuts import Cut
from formcheck.video.image import _picture


@dataclass
class DecodeStats:
    """What a decode pass saw. Filled while frames are read."""

    frames: int = 0
    damaged_packets: int = 0
    expected_frames: int = 0  # what the container announced (0 = unknown)
    frames_analysed: int = 0  # frames the pose model ran on (set by the pipeline)
    frames_passed: int = 0  # frames decoded to reach the first one read (`read_frames` first_frame or start)
    light: dict = field(default_factory=dict)  # `LightMeter.to_dict()` of the analysed frames


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
