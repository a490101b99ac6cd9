"""How well lit a clip is: brightness and contrast measured on the frames the pose model sees."""

from __future__ import annotations

import numpy as np

#: Luma weights (ITU-R BT.601) for red, green and blue.
_LUMA_RGB = (0.299, 0.587, 0.114)


class LightMeter:
    """Brightness (mean luma, 0–255) and contrast of the frames it is shown, from a coarse grid
    of about 64 × 36 pixels per frame: cheap enough to run on every frame."""

    def __init__(self) -> None:
        self._mean: list[float] = []
        self._contrast: list[float] = []

    def add(self, img: np.ndarray, order: str = "bgr") -> None:
        """Measure one frame, its channels in `order` ("bgr" or "rgb")."""
        h, w = img.shape[:2]
        grid = img[:: max(1, h // 36), :: max(1, w // 64)].astype(np.float32)
        r, g, b = _LUMA_RGB
        wr, wb = (r, b) if order == "rgb" else (b, r)
        luma = grid[..., 0] * wr + grid[..., 1] * g + grid[..., 2] * wb
        self._mean.append(float(luma.mean()))
        self._contrast.append(float(luma.std()))

    def extend(self, other: LightMeter) -> None:
        """Add what `other` measured (the meters of a clip's pieces, in order)."""
        self._mean += other._mean
        self._contrast += other._contrast

    def to_dict(self) -> dict:
        """What was measured, ready for landmarks.npz metadata (so `rescore` reuses it)."""
        if not self._mean:
            return {"frames_measured": 0}
        return {
            "frames_measured": len(self._mean),
            "mean_brightness": round(float(np.mean(self._mean)), 1),
            "min_brightness": round(float(np.min(self._mean)), 1),
            "mean_contrast": round(float(np.mean(self._contrast)), 1),
        }
