"""The second look (`formcheck.relook`) with the real model, on a generated clip: the walker of a
sample clip shrunk onto a large noisy canvas, small enough that the full-frame detector misses
them in most frames, and a stretch where nobody is there at all."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import sample
from formcheck import relook, tracking
from formcheck.landmarks import Landmark as L
from formcheck.pose import find_model
from formcheck.series import PoseSeries
from formcheck.video import VideoSink, probe, read_frames

W, H, SCALE, FRAMES = 1280, 720, 0.7, 90


def _small_walker_clip(path: Path, empty_from: int | None = None, key_every: int | None = None) -> tuple[int, int]:
    """Write the clip; returns where the shrunk sample's top-left corner sits."""
    rng = np.random.default_rng(0)
    canvas = cv2.GaussianBlur(rng.integers(60, 200, (H, W, 3), dtype=np.uint8), (0, 0), 3)
    x0 = y0 = 0
    with VideoSink(path, W, H, 30.0, key_every=key_every) as sink:
        for n, (_, img) in enumerate(read_frames(sample("forward"), "bgr24")):
            if n >= FRAMES:
                break
            small = cv2.resize(img, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
            h, w = small.shape[:2]
            y0, x0 = int(H * 0.6), (W - w) // 2
            frame = canvas.copy()
            if empty_from is None or n < empty_from:
                frame[y0 : y0 + h, x0 : x0 + w] = small
            else:  # the same picture with nobody in it: the clip's first frame's background
                frame[y0 : y0 + h, x0 : x0 + w] = cv2.GaussianBlur(small, (0, 0), 25)
            sink.write(frame, n / 30.0)
    return x0, y0


def _hips(series: PoseSeries) -> np.ndarray:
    return (series.xy[:, L.LEFT_HIP] + series.xy[:, L.RIGHT_HIP]) / 2


@pytest.fixture(scope="module")
def reference() -> PoseSeries:
    """The walker tracked in the sample itself (full size), for where they really are."""
    clip = sample("forward")
    return tracking.track_clip(clip, probe(clip), find_model())[0]


@pytest.mark.parametrize("key_every", [None, 10], ids=["one key frame", "a key frame every 10 frames"])
def test_second_look_finds_a_small_athlete_the_detector_missed(tmp_path: Path, reference: PoseSeries, key_every: int | None) -> None:
    """With key frames often (as phones write them) the look seeks to each stretch it reads."""
    clip = tmp_path / "small_walker.mp4"
    x0, y0 = _small_walker_clip(clip, key_every=key_every)
    info = probe(clip)
    series, _, _, skipped = tracking.track_clip(clip, info, find_model())
    before = series.detected.copy()
    assert before.mean() < 0.6, before.mean()  # the detector misses the small walker often
    done = relook.second_look(clip, info, find_model(), series, skipped, tracking.MODEL_MAX_SIDE)
    after = series.detected
    assert done["frames_found"] == int(after.sum() - before.sum()) > 0
    assert after.mean() >= 0.8, after.mean()
    # What it found is the walker: their hips where the shrunk sample puts them.
    src = probe(sample("forward"))
    ref = _hips(reference)[:FRAMES] * [src.width * SCALE, src.height * SCALE] + [x0, y0]
    got = _hips(series) * [W, H]
    new = after & ~before & np.isfinite(ref).all(axis=1)
    assert new.sum() >= 20
    err = np.linalg.norm(got[new] - ref[new], axis=1)
    assert np.median(err) < 0.02 * H, np.median(err)


def test_second_look_gives_up_where_nobody_is(tmp_path: Path) -> None:
    clip = tmp_path / "walker_leaves.mp4"
    _small_walker_clip(clip, empty_from=45)
    info = probe(clip)
    series, _, _, skipped = tracking.track_clip(clip, info, find_model())
    done = relook.second_look(clip, info, find_model(), series, skipped, tracking.MODEL_MAX_SIDE)
    assert not series.detected[50:].any()  # nobody is found in the empty frames
    give_up = int(relook.GIVE_UP_S * 30)
    assert done["frames_looked_at"] <= 45 + give_up + 2, done  # and the look stops soon after they go


def test_looks_start_at_the_edges_of_long_gaps_only() -> None:
    n = 60
    s = PoseSeries.empty(n, 640, 480)
    s.t_s[:] = np.arange(n) / 30.0
    for k in [*range(0, 10), *range(12, 30), *range(50, 60)]:  # gaps 10-11 (short) and 30-49
        s.xy[k] = 0.5
        s.visibility[k] = 1.0
    skipped = np.zeros(n, bool)
    looks = relook._looks(s, skipped)
    assert [(lk.edge, lk.order[0]) for lk in looks] == [(29, 30), (50, 49)]
    assert set(looks[0].order) | set(looks[1].order) == set(range(30, 50))
