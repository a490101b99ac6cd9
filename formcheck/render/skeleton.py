"""The athlete's skeleton: limbs coloured by the worst state of their body part's cues."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from formcheck.landmarks import EDGES, JOINTS
from formcheck.render.scene import Pose, PoseAnnotator
from formcheck.render.style import PART_BODY


def paint_skeleton(
    img: np.ndarray,
    px: np.ndarray,
    ok: np.ndarray,
    line: int,
    near: str | None,
    colour: Callable[[str, bool], tuple[int, int, int]],
) -> None:
    """Draw one pose: outlined limbs coloured per body part, far-side limbs thinner and darker.

    Shared by the offline overlay and the live view. `px` is (33, 2) pixels, `ok` which points
    exist, `colour(body, dim)` the BGR colour of a body part ("head", "trunk", "arms", "legs").
    """
    p = np.rint(np.nan_to_num(px)).astype(int).tolist()  # NaN points are skipped via `ok`
    far_side = {"left": "right", "right": "left"}.get(near or "")
    for outline in (True, False):
        for part, edges in EDGES.items():
            far = far_side is not None and part.startswith(far_side)
            w = max(1, round(line * 0.7)) if far else line
            c = (20, 20, 20) if outline else colour(PART_BODY[part], far)
            for a, b in edges:
                if ok[a] and ok[b]:
                    cv2.line(img, p[a], p[b], c, w + 2 if outline else w, cv2.LINE_AA)
    r = max(2, round(line * 0.9))
    for j in JOINTS:
        if ok[j]:
            cv2.circle(img, p[j], r + 1, (20, 20, 20), -1, cv2.LINE_AA)
            cv2.circle(img, p[j], r, (255, 255, 255), -1, cv2.LINE_AA)


class Skeleton(PoseAnnotator):
    """The pose of frame `i`, far-side limbs thinner and darker."""

    def draw(self, frame: np.ndarray, i: int, pose: Pose) -> None:
        s = self.scene
        paint_skeleton(
            frame, pose.px, pose.ok, s.sz.line, s.near,
            lambda body, dim: s.colour(body, i, dim=dim),
        )  # fmt: skip
