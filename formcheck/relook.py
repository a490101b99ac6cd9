"""A second look where the athlete was lost: the pose model again, on a crop around them.

The model's person detector reads the whole frame at a small size, so it misses people who are
small in the frame or in an unusual shape — a sprinter crouched in the blocks, a runner far
away — that the landmark model finds easily once it is shown the region they are in. After
pass 1, each stretch where the athlete is missing next to frames where they were found is looked
at again, outward from the edge: every frame is cropped around where the athlete last was
(the box of the pose found, widened) and given to a single-frame (IMAGE-mode) model. A pose is
kept only when its hips are near the last ones kept (a bystander elsewhere in the crop is not
the athlete); the look stops after `GIVE_UP_S` without one (they really left), and goes at most
`MAX_LOOK_S` from the edge. Only the frames looked at are converted, cropped, and kept
(compressed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck import subject
from formcheck._threads import Background as _Background
from formcheck.landmarks import Landmark as L
from formcheck.pose import DetectedPose, ModelInfo, load_estimator
from formcheck.series import PoseSeries, VideoInfo
from formcheck.video import fit_size, frames_at

#: Only absences at least this long are looked at again (shorter ones are filled by the cleaner).
MIN_GAP_S = 0.3
#: Consecutive frames without the athlete, in seconds, after which the look in one direction stops.
GIVE_UP_S = 0.5
#: How far from the last frame the athlete was found in the look goes at most.
MAX_LOOK_S = 10.0
#: The crop around the last box: a square this many times the box's larger side.
CROP_SIZES = 2.0
#: A pose found is the athlete when its hips are within this many body sizes of the last ones.
GATE_SIZES = 0.6
#: Models looking at once (one per core: MediaPipe releases the GIL while it runs).
WORKERS = 2

Progress = Callable[[str, int, int], None]


@dataclass
class _Look:
    """One direction of one gap: frames `order` (outward from the edge frame `edge`)."""

    edge: int
    order: list[int]
    gap: int = 0  # the gap's first frame: both looks at one gap run in order, on one model


def _box(xy: np.ndarray, vis: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the landmarks the model is sure of (stray ones make boxes huge)."""
    ok = np.isfinite(xy).all(axis=1) & (np.nan_to_num(vis) >= 0.5)
    if ok.sum() < 5:
        ok = np.isfinite(xy).all(axis=1)
    if ok.sum() < 5:
        return None
    return np.array([*xy[ok].min(axis=0), *xy[ok].max(axis=0)], np.float64)


def _crop_region(box: np.ndarray, aspect: float) -> np.ndarray:
    """(x0, y0, x1, y1) normalized: a square (in pixels) around the box, `CROP_SIZES` times its
    larger side, inside the frame."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = CROP_SIZES * max((box[2] - box[0]) * aspect, box[3] - box[1])  # frame heights
    half_x, half_y = side / 2 / aspect, side / 2
    return np.clip(np.array([cx - half_x, cy - half_y, cx + half_x, cy + half_y]), 0.0, 1.0)


def _looks(series: PoseSeries, skipped: np.ndarray) -> list[_Look]:
    t, found = series.t_s, series.detected
    fps = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-6) if len(t) > 1 else 30.0
    max_n = int(MAX_LOOK_S * fps)
    missing = ~found & ~skipped
    looks: list[_Look] = []
    n = len(t)
    i = 0
    while i < n:
        if not missing[i]:
            i += 1
            continue
        j = i
        while j < n and (missing[j] or (skipped[j] and not found[j])):
            j += 1
        if t[min(j, n - 1)] - t[max(i - 1, 0)] >= MIN_GAP_S:
            frames = [k for k in range(i, j) if missing[k]]
            if i > 0 and found[i - 1]:  # forward from the frame before the gap
                looks.append(_Look(i - 1, frames[:max_n], i))
            if j < n and found[j]:  # backward from the frame after it
                looks.append(_Look(j, frames[::-1][:max_n], i))  # frames the first look found are skipped
        i = j
    return [lk for lk in looks if lk.order]


def _to_frame(p: DetectedPose, region: np.ndarray) -> DetectedPose:
    xy = p.xy.astype(np.float64)
    xy = np.stack([region[0] + xy[:, 0] * (region[2] - region[0]), region[1] + xy[:, 1] * (region[3] - region[1])], 1)
    return DetectedPose(xy=xy.astype(np.float32), visibility=p.visibility, world=p.world)


def _hip(xy: np.ndarray, aspect: float) -> np.ndarray:
    return (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2 * np.array([aspect, 1.0])


def _size(xy: np.ndarray) -> float:
    ys = xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.NOSE], 1]
    return float(np.nanmax(ys) - np.nanmin(ys)) if np.isfinite(ys).any() else float("nan")


def second_look(clip: Path, info: VideoInfo, model: ModelInfo, series: PoseSeries, skipped: np.ndarray,
                max_side: int, progress: Progress | None = None) -> dict:  # fmt: skip
    """Fill what a second look finds into `series` (in place). Returns what it did, for the report."""
    looks = _looks(series, skipped)
    result = {"gaps_looked_at": len(looks), "frames_looked_at": 0, "frames_found": 0}
    if not looks:
        return result
    aspect = series.aspect
    # Where each look starts: the box of the pose at its edge. Frames are kept cropped to a
    # region wide enough for the athlete to move about in, and are looked at in order from the edge.
    regions = {}
    for lk in looks:
        box = _box(series.xy[lk.edge], series.visibility[lk.edge])
        if box is not None:
            regions[id(lk)] = _crop_region(box, aspect)
    looks = [lk for lk in looks if id(lk) in regions]
    wanted: dict[int, list[_Look]] = {}
    for lk in looks:
        for k in lk.order:
            wanted.setdefault(k, []).append(lk)
    if not wanted:
        return result
    size = fit_size(info.width, info.height, max_side)
    # Frames are kept shrunk to the model's size, cropped to the band the look can reach: the
    # starting region widened by its own width on each side (the athlete moves; the crop follows).
    bands = {}
    for lk in looks:
        r = regions[id(lk)]
        w = r[2] - r[0]
        bands[id(lk)] = np.clip(np.array([r[0] - w, 0.0, r[2] + w, 1.0]), 0.0, 1.0)
    # The models load while the frames are read.
    workers = min(WORKERS, len({lk.gap for lk in looks}))
    models = _Background(lambda: [load_estimator(model, num_poses=2, video=False) for _ in range(workers)])
    crops: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {id(lk): {} for lk in looks}
    try:
        # Only the frames looked at are decoded, from the key frame before each stretch of them:
        # a gap near the end of a long clip does not cost decoding the whole clip again.
        for n, rgb in frames_at(clip, {k: float(series.t_s[k]) for k in wanted}, "rgb24", size):
            h, w = rgb.shape[:2]
            for lk in wanted[n]:
                b = bands[id(lk)]
                x0, x1 = int(b[0] * w), int(np.ceil(b[2] * w))
                # Kept as JPEG: a backward look can hold ten seconds of frames (a few MB, not a GB).
                ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, x0:x1]), [cv2.IMWRITE_JPEG_QUALITY, 92])
                if ok:
                    crops[id(lk)][n] = (jpeg, b)
    except BaseException:
        for est in models.result():
            est.close()
        raise
    estimators = models.result()
    fps = (len(series) - 1) / max(float(series.t_s[-1] - series.t_s[0]), 1e-6)
    ctx = _Run(series, aspect, max(3, int(GIVE_UP_S * fps)), sum(len(lk.order) for lk in looks), progress)
    # The gaps are independent (each look stays inside its own gap), so they are shared out
    # between two models on the two cores; the two looks of one gap run in order on one model,
    # as the second skips what the first found: the same result as one model doing all.
    gaps: dict[int, list[_Look]] = {}
    for lk in looks:
        gaps.setdefault(lk.gap, []).append(lk)
    queue = sorted(gaps.values(), key=lambda g: -sum(len(lk.order) for lk in g))  # longest first
    lock = threading.Lock()

    def work(est: object) -> None:
        while True:
            with lock:
                if not queue:
                    return
                group = queue.pop(0)
            for lk in group:
                _look(lk, est, regions[id(lk)], crops.pop(id(lk)), ctx)

    try:
        threads = [_Background(work, est) for est in estimators]
        for th in threads:
            th.result()
    finally:
        for est in estimators:
            est.close()
    result["frames_looked_at"], result["frames_found"] = ctx.looked, ctx.found
    return result


@dataclass
class _Run:
    """What all the looks share: the series they fill in and the tallies (under a lock)."""

    series: PoseSeries
    aspect: float
    give_up: int
    total: int
    progress: Progress | None
    looked: int = 0
    found: int = 0
    done: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def tally(self, looked: int = 0, found: int = 0, done: int = 0) -> None:
        with self.lock:
            self.looked, self.found, self.done = self.looked + looked, self.found + found, self.done + done
            if found and self.progress:
                self.progress("relook", self.done, self.total)


def _look(lk: _Look, est: object, region: np.ndarray, crops: dict[int, tuple[np.ndarray, np.ndarray]], ctx: _Run) -> None:
    """One look, outward from its edge: each kept crop given to the model, the athlete taken
    where found (near where they were last), until `give_up` frames in a row without them."""
    series, aspect = ctx.series, ctx.aspect
    hip = _hip(series.xy[lk.edge], aspect)
    body = _size(series.xy[lk.edge])
    misses, kept = 0, 0
    for k in lk.order:
        held = crops.pop(k, None)
        if held is None or series.detected[k]:
            ctx.tally(done=1)
            continue
        strip, band = cv2.imdecode(held[0], cv2.IMREAD_UNCHANGED), held[1]
        # The region, as pixels of the kept strip (which spans the band's width, full height).
        hh, ww = strip.shape[:2]
        bw = band[2] - band[0]
        x0 = int(np.clip((region[0] - band[0]) / bw, 0, 1) * ww)
        x1 = int(np.ceil(np.clip((region[2] - band[0]) / bw, 0, 1) * ww))
        y0, y1 = int(region[1] * hh), int(np.ceil(region[3] * hh))
        if x1 - x0 < 16 or y1 - y0 < 16:
            ctx.tally(done=1)
            return  # the athlete walked out of what was kept
        used = np.array([band[0] + x0 / ww * bw, y0 / hh, band[0] + x1 / ww * bw, y1 / hh])
        crop = np.ascontiguousarray(strip[y0:y1, x0:x1])
        found = [_to_frame(p, used) for p in subject.distinct(est.estimate(crop, 0))]
        best, best_d = None, np.inf
        for p in found:
            d = float(np.linalg.norm(_hip(p.xy, aspect) - hip))
            if np.isfinite(d) and d < best_d:
                best, best_d = p, d
        # Until the look has found the athlete once, anyone in the crop is nearest: the
        # pose at the edge may be a stray detection (the model's first guess at a small figure).
        gate = GATE_SIZES * (body if np.isfinite(body) and body > 0 else 0.3) if kept else np.inf
        if best is None or best_d > gate:
            ctx.tally(looked=1, done=1)
            misses += 1
            if misses >= ctx.give_up:
                return
            continue
        misses = 0
        series.xy[k], series.visibility[k], series.world[k] = best.xy, best.visibility, best.world
        hip = _hip(best.xy, aspect)
        box = _box(best.xy, best.visibility)
        if box is not None:  # the crop follows the athlete
            region = _crop_region(box, aspect)
        body = _size(best.xy) if np.isfinite(_size(best.xy)) else body
        kept += 1
        ctx.tally(looked=1, found=1, done=1)
