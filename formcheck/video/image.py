"""Decoded frames as pictures: FFmpeg's frame to a contiguous RGB or BGR array, shrunk on the way
and turned upright by the rotation the container asks for.
"""

from __future__ import annotations

import av
import cv2
import numpy as np


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


def _upright(img: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if rotation_cw == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    if rotation_cw == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    return img


def _picture(frame: av.VideoFrame, pixel_format: str, size: tuple[int, int] | None) -> np.ndarray:
    """A decoded frame as an upright image of `size` (width, height; None = as decoded)."""
    rot = _rotation_cw(frame)
    stored = size if size is None or rot in (0, 180) else (size[1], size[0])
    return _upright(to_image(frame, pixel_format, stored), rot)
