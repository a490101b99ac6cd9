"""Snapshots (the `s` key): the picture as shown, saved as PNG beside the recording (or in the
report folder, or the current folder)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import OutputError
from formcheck.live.options import LiveOptions, LiveResult


class Snapshots:
    """Writes numbered snapshots `<name>-snapshot-NNN.png`; noted in `result.snapshots`."""

    def __init__(self, options: LiveOptions, name: str, result: LiveResult) -> None:
        self.o, self.name, self.result = options, name, result

    def take(self, image: np.ndarray | None) -> None:
        """Save `image` (nothing before the first picture); a failure goes to `result.errors`."""
        if image is None:
            return
        folder = (
            self.o.record_path.parent if self.o.record_path else self.o.report_dir or Path.cwd()
        )
        dest = folder / f"{self.name}-snapshot-{len(self.result.snapshots) + 1:03d}.png"
        tmp = dest.with_name(f".{dest.name}.partial")
        try:
            tmp.write_bytes(cv2.imencode(".png", image)[1].tobytes())
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self.result.errors.append(
                OutputError(
                    f"cannot write the snapshot ({exc.strerror or exc}) — check the folder", dest
                )
            )
            return
        self.result.snapshots.append(dest)
