"""Receive an upload: stream the multipart body to disk with a size limit, then check it is a video.

The file part (form field `file`) is written chunk by chunk as it arrives, never held in memory
and never spooled elsewhere; past the limit the partial file is removed and the request refused
with 413. The uploaded file's name is kept for display only: on disk the upload is
`input.<ext>`, with the extension taken from a fixed list.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

FIELD = "file"
#: Extensions kept for the saved upload; anything else is saved as `input.video` (FFmpeg reads content, not names).
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".3gp", ".3g2", ".mts", ".m2ts", ".ts", ".mpg", ".mpeg", ".wmv", ".flv", ".ogv"}
)  # fmt: skip
#: Bytes of the multipart body that are not the file (boundaries, headers, other fields).
FORM_OVERHEAD_BYTES = 64 * 1024
PROBE_TIMEOUT_S = 60.0
NAME_MAX_CHARS = 200


class UploadError(Exception):
    """An upload refused, with the HTTP status and a message for the person uploading."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Upload:
    """A received file: where it is on disk, its display name and size."""

    path: Path
    name: str
    size_bytes: int


def display_name(raw: str) -> str:
    """The uploaded file's name for display: last path component, no control characters, bounded.

    Examples:
        >>> display_name("../../evil.mp4")
        'evil.mp4'
        >>> display_name("C:\\\\clips\\\\run 1.mov")
        'run 1.mov'
    """
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        return "upload"
    return name[:NAME_MAX_CHARS]


def saved_name(name: str) -> str:
    """`input.<ext>` for a display name: the extension only if it is a known video extension."""
    ext = os.path.splitext(name)[1].lower()
    return "input" + (ext if ext in VIDEO_EXTENSIONS else ".video")


def mb(n_bytes: int) -> str:
    """Bytes as megabytes for messages."""
    return f"{n_bytes / 1_000_000:.0f} MB" if n_bytes >= 10_000_000 else f"{n_bytes / 1_000_000:.1f} MB"


class _FormSink:
    """multipart callbacks: the first part named `file` that has a file name goes to `dest`."""

    def __init__(self, dest: Path, max_bytes: int) -> None:
        self.dest = dest
        self.max_bytes = max_bytes
        self.name: str | None = None
        self.size_bytes = 0
        self.other_bytes = 0
        self._file = None
        self._done = False
        self._headers: dict[str, str] = {}
        self._field = b""
        self._value = b""

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._add("_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _add(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)
        if len(self._field) + len(self._value) > 8192:
            raise UploadError(400, "a form header is too long — send the video in the form field `file`")

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        field = params.get(b"name", b"").decode("latin-1")
        filename = params.get(b"filename")
        if field == FIELD and filename is not None and not self._done and self._file is None:
            raw = filename.decode("latin-1").encode("latin-1").decode("utf-8", errors="replace")
            self.name = display_name(raw)
            self._file = open(self.dest, "xb")  # noqa: SIM115 - closed in _part_end / close()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is None:
            self.other_bytes += end - start
            if self.other_bytes > FORM_OVERHEAD_BYTES:
                raise UploadError(400, "the form holds too much besides the video — send only the field `file`")
            return
        self.size_bytes += end - start
        if self.size_bytes > self.max_bytes:
            raise UploadError(413, f"the file is larger than this server's limit of {mb(self.max_bytes)} — trim the clip or export it at a lower resolution")
        self._file.write(data[start:end])

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._done = True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive(
    headers: dict[str, str], body: AsyncIterator[bytes], dest: Path, max_bytes: int
) -> Upload:
    """Stream a multipart/form-data body's field `file` into `dest` (which must not exist).

    Raises:
        UploadError: 413 past `max_bytes`; 400 for a malformed form or no file; 415 for another
            content type; 507 when the server's disk fails. `dest` is removed whenever this raises.
    """
    ctype, params = parse_options_header(headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError(415, "send the video as multipart/form-data in the form field `file`")
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise UploadError(413, f"the file is larger than this server's limit of {mb(max_bytes)} — trim the clip or export it at a lower resolution")
    sink = _FormSink(dest, max_bytes)
    parser = MultipartParser(params[b"boundary"], sink.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        _discard(sink, dest)
        raise
    except OSError as exc:  # the server's disk, not the upload
        _discard(sink, dest)
        raise UploadError(507, f"the server cannot store the upload ({exc.strerror or exc}) — tell the person running it") from exc
    except Exception as exc:  # malformed multipart, or the client went away
        _discard(sink, dest)
        if type(exc).__name__ == "ClientDisconnect":
            raise
        raise UploadError(400, "the upload is not a well-formed form — send the video in the form field `file`") from exc
    sink.close()
    if sink.name is None:
        _discard(sink, dest)
        raise UploadError(400, "no file in the form field `file` — choose a video to upload")
    if sink.size_bytes == 0:
        _discard(sink, dest)
        raise UploadError(422, f"{sink.name}: the file is empty (0 bytes) — record or export the clip again")
    return Upload(path=dest, name=sink.name, size_bytes=sink.size_bytes)


def _discard(sink: _FormSink, dest: Path) -> None:
    sink.close()
    dest.unlink(missing_ok=True)


async def check_video(path: Path, name: str) -> dict:
    """Probe the upload in its own process: its `VideoInfo` as a dict.

    Raises:
        UploadError: 415 with "<name>: <what is wrong> — <what to do>" when it is not a readable video.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "formcheck.web.probe", str(path),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), PROBE_TIMEOUT_S)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise UploadError(415, f"{name}: reading it as a video took longer than {PROBE_TIMEOUT_S:.0f} s — export it again as mp4") from None
    try:
        answer = json.loads(out.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise UploadError(415, f"{name}: the video reader stopped on this file (exit code {proc.returncode}) — export it again as mp4") from None
    if not answer.get("ok"):
        raise UploadError(415, f"{name}: {answer.get('message', 'not a video')}")
    return answer["info"]
