"""Cutting a clip in two at a key frame, from its packets alone, for readers working side by side."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av

from formcheck.video.container import _open


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
