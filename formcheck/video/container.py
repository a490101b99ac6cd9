"""Opening a video file with FFmpeg, with an error that says why a file cannot be read (missing,
empty, cut off, a still image, no video stream), and `probe`: a video's facts.
"""

from __future__ import annotations

import os
from pathlib import Path

import av

from formcheck.errors import VideoError
from formcheck.series import VideoInfo
from formcheck.video.image import _rotation_cw

_READ_HINT = "check that it is a complete video file (mp4, mov, mkv, webm, avi) and export it again"


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
