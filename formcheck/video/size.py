"""The size of a picture scaled down to fit a limit, kept even for 4:2:0 video."""

from __future__ import annotations


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) scaled down, aspect kept, so neither side exceeds `max_side`. A scaled
    size is rounded to even numbers (what 4:2:0 video needs)."""
    scale = max_side / max(width, height)
    if scale >= 1.0:
        return width, height
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))



def sizes_of_width(width: int, height: int, scaled_width: int) -> list[tuple[int, int]]:
    """The sizes `fit_size` can give a `width` x `height` picture that come out `scaled_width`
    wide (several: widths and heights are rounded to even numbers), for finding the size a
    video was made at from its width."""
    long_side = max(scaled_width, round(scaled_width * height / width))
    sizes = {fit_size(width, height, side) for side in range(long_side - 4, long_side + 5)}
    return sorted(size for size in sizes if size[0] == scaled_width)
