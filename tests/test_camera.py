"""The camera's motion (`formcheck.camera`) on generated scenes: a textured background shifted
frame by frame under a drawn figure, a cut, parallax; and, with the real model, the forward
sample clip re-filmed by a virtual camera that follows the walker (a crop that keeps them
centred: the walker hardly moves in the picture, the background streams past)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
import numpy as np

from conftest import run_cli, sample
from formcheck import camera
from formcheck.landmarks import Landmark as L
from formcheck.series import load_npz
from formcheck.video import VideoSink, read_frames

W, H = 640, 360


def _texture(seed: int, w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = cv2.GaussianBlur(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), (0, 0), 2.0)
    return cv2.normalize(t, None, 0, 255, cv2.NORM_MINMAX)


def _scene(n: int, shift_top: float, shift_bottom: float | None = None, seed: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Frames of a background moving right by `shift_top` px a frame above the middle and
    `shift_bottom` below (parallax), with a drawn figure walking left through it, and the
    figure's points (normalized) for the mask."""
    shift_bottom = shift_top if shift_bottom is None else shift_bottom
    big = _texture(seed, W + 600, H)
    frames, people = [], []
    for k in range(n):
        top = big[: H // 2, int(300 - k * shift_top) : int(300 - k * shift_top) + W]
        bottom = big[H // 2 :, int(300 - k * shift_bottom) : int(300 - k * shift_bottom) + W]
        img = np.ascontiguousarray(np.vstack([top, bottom]))
        cx = 400 - 3 * k  # the figure moves its own way
        cv2.rectangle(img, (cx - 25, 80), (cx + 25, 300), (250, 250, 250), -1)
        cv2.circle(img, (cx, 60), 20, (30, 30, 30), -1)
        frames.append(img)
        pts = np.array([[cx - 25, 40], [cx + 25, 300], [cx, 150]], np.float32) / [W, H]
        people.append(np.repeat(pts, 11, axis=0))  # (33, 2)
    return frames, people


def _rows(frames: list[np.ndarray], people: list[np.ndarray]) -> np.ndarray:
    cam = camera.CameraMotion()
    return np.stack([cam.update(f, [p]) for f, p in zip(frames, people, strict=True)])


def test_background_shift_is_measured_and_the_figure_ignored() -> None:
    frames, people = _scene(30, 4.0)
    rows = _rows(frames, people)
    assert np.isnan(rows[0, camera.TX])  # no frame before the first
    tx = rows[1:, camera.TX] * H  # pixels per frame
    assert np.all(np.isfinite(tx))
    assert np.allclose(tx, 4.0, atol=0.15), tx
    assert np.allclose(rows[1:, camera.TY] * H, 0.0, atol=0.15)
    assert np.allclose(rows[1:, camera.A], 1.0, atol=0.003)


def test_a_cut_starts_a_new_shot() -> None:
    a, pa = _scene(20, 2.0, seed=1)
    b, pb = _scene(20, 2.0, seed=7)
    rows = _rows(a + b, pa + pb)
    assert rows[20, camera.CUT] == 1.0 and np.nansum(rows[:, camera.CUT]) == 1.0
    t = np.arange(40) / 30.0
    assert [s["start_s"] for s in camera.shots(rows, t)] == [0.0, round(20 / 30.0, 3)]


def test_static_panning_and_following_cameras_are_told_apart() -> None:
    t = np.arange(40) / 30.0
    x = np.full(40, 0.5)
    labels = {}
    for name, top, bottom in (("static", 0.0, 0.0), ("pan", 5.0, 5.0), ("travel", 2.0, 7.0)):
        frames, people = _scene(40, top, bottom)
        labels[name] = camera.summarise(_rows(frames, people), t, x, x).label
    assert labels == {"static": "static", "pan": "panning", "travel": "following"}


def test_trajectory_maps_points_back_to_the_ground() -> None:
    """A point fixed on the ground, filmed by a camera panning 0.01 frame heights a frame: its
    image x drifts, its stabilised x does not."""
    n = 50
    motion = np.tile(camera.identity_row(), (n, 1))
    motion[:, camera.TX] = 0.01
    motion[0] = np.nan
    motion[10:13] = np.nan  # unmeasured frames: the neighbours' motion is assumed
    t = np.arange(n) / 30.0
    aspect = 16 / 9
    xy = np.zeros((n, 1, 2), np.float32)
    xy[:, 0, 0] = (0.3 * aspect + 0.01 * np.arange(n)) / aspect  # the ground point in the image
    xy[:, 0, 1] = 0.8
    ground = camera.stabilise(xy, camera.trajectory(motion, t), aspect)
    assert np.ptp(ground[:, 0, 0]) < 1e-4 and np.allclose(ground[:, 0, 1], 0.8)


def _follow_walker(src: Path, landmarks: Path, dest: Path, width: int = 480) -> None:
    raw, clean, _ = load_npz(landmarks)
    hip = (clean.xy[:, L.LEFT_HIP, 0] + clean.xy[:, L.RIGHT_HIP, 0]) / 2 * clean.width
    ok = np.isfinite(hip)
    hip = np.interp(np.arange(len(hip)), np.flatnonzero(ok), hip[ok])
    hip = np.convolve(np.pad(hip, 7, mode="edge"), np.ones(15) / 15, mode="valid")  # a smooth camera
    with VideoSink(dest, width, clean.height, 30.0) as sink:
        for k, (t, img) in enumerate(read_frames(src, "bgr24")):
            x0 = int(np.clip(hip[min(k, len(hip) - 1)] - width / 2, 0, clean.width - width))
            sink.write(np.ascontiguousarray(img[:, x0 : x0 + width]), t)


def test_a_camera_following_the_walker_still_sees_them_travel(tmp_path: Path, analysed: dict[str, Path]) -> None:
    clip = tmp_path / "followed.mp4"
    _follow_walker(sample("forward"), analysed["forward"] / "landmarks.npz", clip)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path), "--no-video")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads((tmp_path / "followed" / "report.json").read_text())
    still = json.loads((analysed["forward"] / "report.json").read_text())
    assert still["camera"]["label"] == "static"
    assert rep["camera"]["label"] in ("panning", "following"), rep["camera"]
    assert rep["movement"]["type"] == still["movement"]["type"] == "forward_walking"
    assert rep["movement"]["travel"] == still["movement"]["travel"]
    assert abs(rep["gait"]["cadence_spm"] - still["gait"]["cadence_spm"]) < 5


def _dolly_scene(n: int, shrink_per_frame: float, jitter: float = 0.0, seed: int = 3) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A camera backing away in front of a runner: the textured background shrinks a little every
    frame about the picture's centre, the drawn figure keeps its size (the camera keeps pace);
    `jitter` adds a random zoom of that size instead (a hand-held camera standing still)."""
    rng = np.random.default_rng(seed)
    big = _texture(seed, W, H)
    frames, people, s = [], [], 1.0
    for _k in range(n):
        m = cv2.getRotationMatrix2D((W / 2, H / 2), 0.0, s)
        img = cv2.warpAffine(big, m, (W, H), borderMode=cv2.BORDER_REFLECT)
        cv2.rectangle(img, (300, 80), (340, 320), (250, 250, 250), -1)
        frames.append(img)
        people.append(np.repeat(np.array([[300, 60], [340, 320], [320, 150]], np.float32) / [W, H], 11, axis=0))
        s = s * (1 - shrink_per_frame) if not jitter else 1.0 + jitter * rng.standard_normal()
    return frames, people


def test_a_camera_backing_away_with_the_runner_is_following() -> None:
    """Little shifts, but the background shrinks steadily (0.1 % a frame, 3 %/s): the camera
    travels along its line of sight; the same size of zoom at random is a tripod's jitter."""
    t = np.arange(60) / 30.0
    x = np.full(60, 0.5)
    frames, people = _dolly_scene(60, 0.001)
    rows = _rows(frames, people)
    assert np.nanmedian(np.hypot(rows[1:, camera.A], rows[1:, camera.B])) == pytest.approx(0.999, abs=2e-4)
    cam = camera.summarise(rows, t, x, x)
    assert cam.label == "following" and cam.moving_fraction < camera.MOVING_FRACTION, cam
    assert cam.scale_rate == pytest.approx(30 * np.log(0.999), abs=0.01)
    frames, people = _dolly_scene(60, 0.0, jitter=0.001)
    assert camera.summarise(_rows(frames, people), t, x, x).label == "static"


def test_a_parallax_zoom_does_not_shrink_the_athlete() -> None:
    """A following camera's similarity fits carry a small spurious zoom (near ground faster than
    far hills) while the background only moves sideways; composed over 200 frames the zoom would
    shrink the athlete to a fifth, and evaluated at the athlete it would drift them up the
    picture. The trajectory anchored on the athlete takes the similarity's sideways motion where
    they are and the background's own vertical motion (none): a point riding the background
    there stays put, and the athlete keeps their size."""
    n = 200
    motion = np.tile(camera.identity_row(), (n, 1))
    motion[:, camera.A], motion[:, camera.TX] = 1.008, -0.004
    motion[:, camera.DY] = 0.0  # the agreeing points did not move up or down
    motion[0] = np.nan
    t = np.arange(n) / 30.0
    aspect = 16 / 9
    anchor = np.empty((n, 2))
    anchor[0] = (0.9, 0.6)
    for k in range(1, n):  # the background point under the athlete: sideways as the fit says
        anchor[k] = (1.008 * anchor[k - 1, 0] - 0.004, anchor[k - 1, 1])
    anchor[50:60] = np.nan  # the athlete not found for a while: their last place is used
    traj = camera.trajectory(motion, t, anchor)
    xy = np.stack([anchor[:, 0] / aspect, anchor[:, 1]], -1)[:, None, :].astype(np.float32)
    ground = camera.stabilise(xy, traj, aspect)
    ok = np.isfinite(ground[:, 0, 0])
    assert np.ptp(ground[ok, 0, 0] * aspect) < 0.02 and np.ptp(ground[ok, 0, 1]) < 1e-6
    assert np.allclose(traj[:, :, :2], np.eye(2))  # a shift only: sizes are kept
    # Without the vertical column (results saved before it), the similarity's own vertical
    # motion at the anchor is used: 0.008 x 0.6 a frame, the drift the column removes.
    old = camera.trajectory(motion[:, : camera.DY], t, anchor)
    assert abs(old[-1, 1, 2]) > 0.5
    # Unanchored, the composed zoom shrinks everything by 1.008 ** 199 (about 5x).
    full = camera.trajectory(motion, t)
    assert abs(full[-1, 0, 0] - 1.008 ** -199) < 0.01
