"""Reading chosen frames by their time: a seek to the key frame before each one, unless it is just
ahead.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from formcheck.video.container import _open
from formcheck.video.image import _picture


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
