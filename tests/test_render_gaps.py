"""The overlay never crashes on missing landmarks: NaN anywhere, in any series.

Phone footage loses feet, arms and whole people for a while; the report is computed on the
clean series, but the overlay draws on every frame, so every annotator must skip what it cannot
place. Each test draws every frame of a clip whose landmarks have random holes (single points,
whole limbs, all-NaN stretches), with every annotator on, and the key-frame cutter with them.
"""

from __future__ import annotations


import numpy as np
import pytest

from formcheck.engine import evaluate, load_profile
from formcheck.landmarks import Landmark as L
from formcheck.render import KeyFrames, Overlay
from formcheck.synthetic import GaitSpec, generate, meta_for

PROFILE = load_profile()
W, H = 320, 180


def _report(seed: int) -> tuple:
    spec = GaitSpec(duration_s=4.0, fps=30, seed=seed)
    clean, rep = evaluate(generate(spec), meta_for(spec), PROFILE)
    return clean, rep


def _punch(series, rng: np.random.Generator, mode: str) -> None:
    """Holes in place: `points` single landmarks, `limbs` whole arms/legs, `stretch` all-NaN frames,
    `trunk` hips and shoulders (the annotators' anchors) while the limbs stay."""
    n = len(series)
    if mode == "points":
        mask = rng.random((n, 33)) < 0.2
        series.xy[mask] = np.nan
    elif mode == "limbs":
        for side in ("LEFT", "RIGHT"):
            for part in (("SHOULDER", "ELBOW", "WRIST"), ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")):
                rows = rng.random(n) < 0.3
                for p in part:
                    series.xy[rows, L[f"{side}_{p}"]] = np.nan
    elif mode == "stretch":
        a = int(rng.integers(0, n // 2))
        series.xy[a : a + n // 3] = np.nan
        series.visibility[a : a + n // 3] = np.nan
    elif mode == "trunk":
        rows = rng.random(n) < 0.5
        for lm in (L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
            series.xy[rows, lm] = np.nan


@pytest.mark.parametrize("mode", ["points", "limbs", "stretch", "trunk"])
@pytest.mark.parametrize("view", ["side", "oblique", "front"])
def test_every_annotator_draws_through_missing_landmarks(mode: str, view: str) -> None:
    rng = np.random.default_rng(hash((mode, view)) % 2**32)
    clean, rep = _report(seed=3)
    rep = dict(rep, camera_view={"view": view, "near_side": "right" if view != "front" else None})
    holed = clean.copy()
    _punch(holed, rng, mode)
    # The frame metrics the overlay labels with get the same holes (NaN where a point is gone).
    m = {k: np.where(np.isnan(holed.xy[:, L.LEFT_HIP, 0]) | (rng.random(len(v)) < 0.2), np.nan, v)
         for k, v in rep["_frame_metrics"].items()}  # fmt: skip
    rep["_frame_metrics"] = m
    overlay = Overlay(holed, rep, W, H)
    keys = KeyFrames(crop=range(0, len(holed), 7), full=range(3, len(holed), 11), boxes=overlay.boxes)
    drawn = 0
    for i in range(-1, len(holed) + 1):  # and one frame either side of the series
        img = np.full((H, W, 3), 90, np.uint8)
        overlay.draw(img, i)
        if 0 <= i < len(holed):
            keys.offer(i, img)
            drawn += int((img != 90).any())
    assert drawn == len(holed), "the panel and the timeline show on every frame"
    assert keys.images and all(len(b) > 100 for b in keys.images.values())


def test_a_series_with_no_pose_at_all_still_draws() -> None:
    clean, rep = _report(seed=4)
    empty = clean.copy()
    empty.xy[:] = np.nan
    empty.visibility[:] = np.nan
    overlay = Overlay(empty, rep, W, H)
    for i in range(len(empty)):
        img = np.zeros((H, W, 3), np.uint8)
        overlay.draw(img, i)
    keys = KeyFrames(crop=[0, 5], full=[1], boxes=overlay.boxes)
    keys.offer(0, img)
    keys.offer(1, img)
    assert set(keys.images) == {(0, "crop"), (1, "full")}
