"""Foot-contact markers: a ring where each step lands, fading over a fraction of a second."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.render.scene import Pose, Scene
from formcheck.render.style import CONTACT_BGR


class ContactMarkers:
    """A ring at each step's foot while it is recent, labelled L / R at first. Where each ring goes
    is prepared once (frame -> markers), so a frame without one costs a dict lookup."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.markers = self._prepare()

    def _prepare(self) -> dict[int, list[tuple[int, int, float, str]]]:
        """Frame -> foot-contact markers to draw: (x, y, age 0–1, foot)."""
        s = self.scene
        life = max(2, round(s.style.contact_marker_s * s.fps))
        out: dict[int, list[tuple[int, int, float, str]]] = {}
        for step in s.rep.get("gait", {}).get("steps", []):
            f, foot = step.get("frame"), step.get("foot")
            if f is None or foot not in ("left", "right") or not 0 <= f < s.n:
                continue
            heel, toe = L[f"{foot.upper()}_HEEL"], L[f"{foot.upper()}_FOOT_INDEX"]
            for k in range(min(life, s.n - f)):
                # At the foot's place in each frame: the planted foot stays put on the ground,
                # and the marker follows it when the camera pans.
                pos = Pose(s.px[f + k], s.ok[f + k]).mid(heel, toe)
                if pos is not None:
                    out.setdefault(f + k, []).append((int(pos[0]), int(pos[1]), k / life, foot))
        return out

    def annotate(self, frame: np.ndarray, i: int) -> None:
        s = self.scene
        for x, y, age, foot in self.markers.get(i, ()):
            r = int(s.sz.text * (0.7 + 0.5 * age))
            th = max(1, round(s.sz.line * (1.0 - 0.6 * age)))
            cv2.circle(frame, (x, y), r, (20, 20, 20), th + 2, cv2.LINE_AA)
            cv2.circle(frame, (x, y), r, CONTACT_BGR, th, cv2.LINE_AA)
            if age == 0 or age < 0.5:
                s.glyphs.draw(frame, foot[0].upper(), x, y + r, centre=True)
