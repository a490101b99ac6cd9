"""The size of a picture scaled down to fit a limit, kept even for 4:2:0 video."""

from __future__ import annotations


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) scaled down, aspect kept, so neither side exceeds `max_side`. A scaled
    size is rounded to even numbers (what 4:2:0 video needs)."""
    scale = max_side / max(width, height)
    if scale >= 1.0:
        return width, height
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))
