"""Keep the process's memory flat: glibc's allocator, told to share arenas and to give freed
memory back to the system between the passes.

By default glibc gives every thread that allocates its own arena (up to 8 per core) and keeps
freed blocks for reuse; with frame-sized buffers allocated by decoder, model, drawing and encoder
threads, that holds hundreds of MB that nothing uses. Both calls are no-ops off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_ARENA_MAX = -8


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc only
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def limit_arenas(arenas: int = 2) -> None:
    """Let all threads share `arenas` malloc arenas (set once, before the worker threads start)."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, arenas)


def release() -> None:
    """Return freed memory to the system (after a pass that used big buffers)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
