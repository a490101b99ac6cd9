"""The camera's own motion, measured on the background: static, panning or following, and shots.

Phones pan and follow; a runner the camera keeps centred hardly moves in the image, yet travels.
Between consecutive frames the model looks at, corners are found on a small grey copy of the
frame *outside the people's boxes* (widened), tracked with pyramidal Lucas–Kanade optical flow
(checked backwards: a point must come back to where it started), and a similarity transform
(shift, scale, rotation) is fitted to them with RANSAC — the background's motion, which is the
camera's. Where too few points agree the motion is unknown (NaN), never guessed. A frame that
differs from the one before it all over (a cut) starts a new shot.

Parallax tells a turning camera from a travelling one: when the camera only turns (a pan) near
and far background move alike; when it travels with the athlete (a tracking shot) the near
ground below the horizon streams past faster than the far background above. Each frame's motion
keeps the ratio of the two. A camera backing away in front of an approaching runner (or
following one who runs away) shows little shift at all: the background shrinks (or grows) a
little every frame, steadily, which a tripod's jitter never does.

Coordinates are frame heights: X = normalized x * aspect, Y = normalized y. A background point at
(X, Y) in the previous frame is at (a X - b Y + tx, b X + a Y + ty) in this one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: The grey copy's long side, in pixels: enough for the background's motion, cheap to track.
WORK_SIDE = 320
MAX_CORNERS = 120
#: Fewer agreeing points than this: the motion is unknown.
MIN_INLIERS = 12
#: RANSAC tolerance and the forward-backward check, in pixels of the grey copy.
RANSAC_PX = 1.0
ROUND_TRIP_PX = 0.7
#: People's boxes are widened by this fraction of their size on each side before masking them.
BOX_MARGIN = 0.25
#: Mean absolute difference (0-255) of two 64x36 thumbnails above which the frame is a cut.
CUT_DIFF = 38.0
#: A fit moving less than this (pixels of the grey copy) is still.
STILL_PX = 0.25
#: Fewer of the corners than this tracked there and back, with the picture changed: a cut.
LOST_FRACTION = 0.2
#: Corners are carried from frame to frame (tracked, not found again) and found afresh when
#: fewer than this fraction of MAX_CORNERS is left, or after this many frames.
REFRESH_FRACTION = 0.6
REFRESH_FRAMES = 8

#: Columns of the per-frame motion array.
COLUMNS = ("a", "b", "tx", "ty", "cut", "near_far", "ground", "dy")
A, B, TX, TY, CUT, NEAR_FAR, GROUND, DY = range(8)


def identity_row() -> np.ndarray:
    return np.array([1.0, 0.0, 0.0, 0.0, 0.0, np.nan, np.nan, 0.0], np.float32)


class CameraMotion:
    """Feed it the frames the model sees, in order, with the people found in each; `update`
    returns the frame's motion row (see the module doc)."""

    def __init__(self) -> None:
        self.prev: np.ndarray | None = None
        self.prev_mask: np.ndarray | None = None
        self.prev_thumb: np.ndarray | None = None
        self.last_diff = 0.0
        self.pts: np.ndarray | None = None  # background corners in the previous frame, carried on
        self.age = 0

    def update(self, rgb: np.ndarray, people: list[np.ndarray]) -> np.ndarray:
        """`people`: (33, 2) normalized image points of each person in this frame."""
        grey = _grey(rgb)
        thumb = cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32)
        mask = _background_mask(grey.shape, people)
        row = np.full(len(COLUMNS), np.nan, np.float32)
        prev, prev_mask, prev_thumb = self.prev, self.prev_mask, self.prev_thumb
        self.prev, self.prev_mask, self.prev_thumb = grey, mask, thumb
        if prev is None or prev.shape != grey.shape:
            self.pts = None
            return row
        self.last_diff = float(np.abs(thumb - prev_thumb).mean())
        if self.last_diff > CUT_DIFF:
            row[:] = identity_row()
            row[CUT] = 1.0
            self.pts = None
            return row
        pts = self.pts
        if pts is None or len(pts) < REFRESH_FRACTION * MAX_CORNERS or self.age >= REFRESH_FRAMES:
            pts = cv2.goodFeaturesToTrack(prev, MAX_CORNERS, 0.01, 6, mask=prev_mask, blockSize=5)
            self.age = 0
        self.age += 1
        row, kept, carried = _motion(prev, pts, grey, row)
        # The corners tracked there and back, outside the people now, start the next frame.
        if carried is not None and len(carried):
            xi = np.clip(carried[:, 0, 0].astype(int), 0, grey.shape[1] - 1)
            yi = np.clip(carried[:, 0, 1].astype(int), 0, grey.shape[0] - 1)
            carried = carried[mask[yi, xi] > 0]
        self.pts = carried
        if kept < LOST_FRACTION and self.last_diff > CUT_DIFF / 3:  # nothing carried over: a cut
            row[:] = identity_row()
            row[CUT] = 1.0
            self.pts = None
        return row


def _grey(rgb: np.ndarray) -> np.ndarray:
    """A small grey copy (long side WORK_SIDE) from the green channel, the bulk of luma: a
    strided view of it shrunk by area costs a third of shrinking the colour frame."""
    h, w = rgb.shape[:2]
    scale = WORK_SIDE / max(h, w)
    size = (max(16, int(round(w * scale))), max(16, int(round(h * scale))))
    step = max(1, int(1 / scale) // 2)
    return cv2.resize(rgb[::step, ::step, 1], size, interpolation=cv2.INTER_AREA)


def _background_mask(shape: tuple[int, int], people: list[np.ndarray]) -> np.ndarray:
    h, w = shape
    mask = np.full((h, w), 255, np.uint8)
    for xy in people:
        ok = np.isfinite(xy).all(axis=1)
        if ok.sum() < 3:
            continue
        x0, y0 = xy[ok].min(axis=0)
        x1, y1 = xy[ok].max(axis=0)
        mx, my = BOX_MARGIN * (x1 - x0) + 0.01, BOX_MARGIN * (y1 - y0) + 0.01
        a = (int(max(0, (x0 - mx) * w)), int(max(0, (y0 - my) * h)))
        b = (int(min(w - 1, (x1 + mx) * w)), int(min(h - 1, (y1 + my) * h)))
        cv2.rectangle(mask, a, b, 0, -1)
    return mask


def _motion(prev: np.ndarray, pts: np.ndarray | None, grey: np.ndarray, row: np.ndarray) -> tuple[np.ndarray, float, np.ndarray | None]:
    """The row filled in where the background's motion is measurable, the fraction of the
    corners `pts` (in `prev`) that were tracked there and back (1.0 when there were too few to
    tell), and where those corners are in `grey`."""
    h, w = grey.shape
    if pts is None or len(pts) < MIN_INLIERS:
        return row, 1.0, None
    lk = {"winSize": (11, 11), "maxLevel": 3, "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)}
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, grey, pts, None, **lk)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(grey, prev, nxt, None, **lk)
    good = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm((back - pts).reshape(-1, 2), axis=1) < ROUND_TRIP_PX)
    kept = float(good.mean())
    carried = nxt[good]
    if good.sum() < MIN_INLIERS:
        return row, kept, carried
    p0, p1 = pts.reshape(-1, 2)[good], nxt.reshape(-1, 2)[good]
    m, inl = cv2.estimateAffinePartial2D(p0, p1, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=500, confidence=0.99)
    if m is None or inl is None or int(inl.sum()) < MIN_INLIERS:
        return row, kept, carried
    m, used = _beyond_overlay(m, inl.ravel().astype(bool), p0, p1)
    unit = float(h)  # pixels per frame height
    row[A], row[B] = m[0, 0], m[1, 0]
    row[TX], row[TY] = m[0, 2] / unit, m[1, 2] / unit
    row[CUT] = 0.0
    row[DY] = float(np.median(p1[used, 1] - p0[used, 1])) / unit  # the agreeing points' own vertical motion
    # Parallax: the flow of the lower points against the upper ones (all points, not only the
    # inliers: a travelling camera's near ground disagrees with its far background).
    flow = p1 - p0
    mid = np.median(p0[:, 1])
    lower, upper = flow[p0[:, 1] > mid], flow[p0[:, 1] <= mid]
    if len(lower) >= 6 and len(upper) >= 6:
        lo = float(np.linalg.norm(np.median(lower, axis=0)))
        up = float(np.linalg.norm(np.median(upper, axis=0)))
        row[GROUND] = lo / unit
        if max(lo, up) > 0.5:  # half a pixel: a measurable motion
            row[NEAR_FAR] = lo / max(up, 0.05)
    return row, kept, carried


def _beyond_overlay(m: np.ndarray, inl: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A still majority may be burned into the picture (a watermark, captions, a timestamp) while
    the scene behind it moves: when the points that did not agree with a still fit agree among
    themselves on a real motion, and are at least half as many, that motion is the camera's.
    Returns the fit and the mask of the points that agree with it."""
    if abs(m[0, 2]) > STILL_PX or abs(m[1, 2]) > STILL_PX or abs(m[0, 0] - 1) > 0.002:
        return m, inl
    rest = ~inl
    if rest.sum() < max(MIN_INLIERS, 0.5 * inl.sum()):
        return m, inl
    m2, inl2 = cv2.estimateAffinePartial2D(p0[rest], p1[rest], method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=500, confidence=0.99)
    if m2 is None or inl2 is None or int(inl2.sum()) < max(MIN_INLIERS, 0.5 * inl.sum()):
        return m, inl
    if np.hypot(m2[0, 2], m2[1, 2]) <= 4 * STILL_PX:
        return m, inl
    used = np.zeros_like(inl)
    used[np.flatnonzero(rest)[inl2.ravel().astype(bool)]] = True
    return m2, used


# --- the clip's camera -----------------------------------------------------------------------


def trajectory(motion: np.ndarray, t_s: np.ndarray, anchor: np.ndarray | None = None) -> np.ndarray:
    """(T, 2, 3): for each frame, the mapping of its coordinates (frame heights) to those of the
    clip's first frame, by composing the frame-to-frame motions. Unknown motions (NaN rows: frames
    the model skipped, too little background) take their neighbours' (interpolated in time); cuts
    add none.

    With `anchor` ((T, 2) points, frame heights: the athlete), the mapping is a shift only: each
    frame's shift is the background's motion *at the anchor*. A camera following a runner sees
    the near ground stream past faster than the far hills, and a similarity fitted to both takes
    part of that parallax for a zoom; composed over a clip, such a zoom would shrink or grow the
    athlete. The motion at the athlete's place in the picture carries no such drift."""
    n = len(motion)
    params = motion[:, :4].astype(np.float64).copy()
    known = np.isfinite(params).all(axis=1)
    cut = np.nan_to_num(motion[:, CUT]) > 0.5
    if known.sum() >= 2:
        idx = np.flatnonzero(known)
        for j in range(4):
            params[~known, j] = np.interp(t_s[~known], t_s[idx], params[idx, j])
    else:
        params[~known] = (1.0, 0.0, 0.0, 0.0)
    params[cut] = (1.0, 0.0, 0.0, 0.0)
    params[0] = (1.0, 0.0, 0.0, 0.0)
    out = np.empty((n, 2, 3))
    if anchor is not None:
        where = _held(anchor)
        dy = _filled(motion[:, DY], t_s, cut) if motion.shape[1] > DY else None
        shift = np.zeros(2)
        for k in range(1, n):
            a, b, tx, ty = params[k]
            x, y = where[k - 1]
            shift[0] += a * x - b * y + tx - x  # the background's motion there
            # Up and down: the background's own median vertical motion. (A similarity fitted to
            # a parallax field takes the near ground's faster sideways flow for a zoom or a turn,
            # which would make the athlete drift up or down the picture.)
            shift[1] += dy[k] if dy is not None else b * x + a * y + ty - y
            out[k] = ((1.0, 0.0, -shift[0]), (0.0, 1.0, -shift[1]))
        out[0] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
        return out
    acc = np.eye(3)  # maps frame k -> frame 0
    for k in range(n):
        a, b, tx, ty = params[k]
        step = np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])  # frame k-1 -> frame k
        try:
            acc = acc @ np.linalg.inv(step)
        except np.linalg.LinAlgError:
            pass
        out[k] = acc[:2]
    return out


def _filled(v: np.ndarray, t_s: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """A per-frame motion column with unknown frames interpolated from their neighbours, zero at
    cuts and in the first frame."""
    v = v.astype(np.float64).copy()
    ok = np.isfinite(v)
    v[~ok] = np.interp(t_s[~ok], t_s[ok], v[ok]) if ok.sum() >= 2 else 0.0
    v[cut] = 0.0
    v[0] = 0.0
    return v


def _held(points: np.ndarray) -> np.ndarray:
    """(T, 2) points with the gaps filled by the last known one (the first known before it;
    the picture's centre line when none is known)."""
    out = np.asarray(points, np.float64).copy()
    ok = np.isfinite(out).all(axis=1)
    if not ok.any():
        out[:] = (0.5, 0.5)
        return out
    idx = np.where(ok, np.arange(len(out)), -1)
    idx = np.maximum.accumulate(idx)
    idx[idx < 0] = np.flatnonzero(ok)[0]
    return out[idx]


def stabilise(xy: np.ndarray, traj: np.ndarray, aspect: float) -> np.ndarray:
    """(T, N, 2) normalized image points mapped to the first frame's coordinates (normalized):
    positions relative to the ground, not the picture."""
    X = np.stack([xy[..., 0] * aspect, xy[..., 1]], -1)
    R = traj[:, None, :, :2]
    t = traj[:, None, :, 2]
    out = np.einsum("tnij,tnj->tni", np.broadcast_to(R, (*X.shape[:2], 2, 2)), X) + t
    return np.stack([out[..., 0] / aspect, out[..., 1]], -1).astype(xy.dtype)


@dataclass
class CameraSummary:
    """What the camera did over the clip (the report's `camera` section)."""

    label: str  # static | panning | following | unknown
    confidence: float
    measured_fraction: float  # frames whose motion was measured
    moving_fraction: float  # frames where the background moved
    background_speed: float  # median, frame heights per second
    near_far: float | None  # median near/far flow ratio while moving
    shots: list[dict]
    scale_rate: float = 0.0  # the background's steady growth (+) or shrinking (-), log units per second

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "measured_fraction": round(self.measured_fraction, 3),
            "moving_fraction": round(self.moving_fraction, 3),
            "background_speed_heights_s": round(self.background_speed, 4),
            "near_far_flow_ratio": None if self.near_far is None else round(self.near_far, 3),
            "background_scale_rate_per_s": round(self.scale_rate, 4),
            "shots": self.shots,
        }


#: Background faster than this (frame heights per second) in a frame: the camera moved.
MOVING_SPEED = 0.08
#: The camera moved in at least this fraction of the measured frames: it is not on a tripod.
MOVING_FRACTION = 0.3
#: Near ground over far background flow: above, the camera travels (follows); below, it turns.
TRAVELLING_RATIO = 1.6
TURNING_RATIO = 1.3
MIN_SHOT_S = 0.3
#: The background growing or shrinking steadily faster than this (log units per second) in at
#: least this fraction of the frames: the camera travels along its line of sight (backs away in
#: front of an approaching runner, or follows one running away) even when little else moves.
DOLLY_RATE = 0.01
DOLLY_CONSISTENCY = 0.8


def shots(motion: np.ndarray, t_s: np.ndarray) -> list[dict]:
    """The clip's shots: cut to cut."""
    cut = np.flatnonzero(np.nan_to_num(motion[:, CUT]) > 0.5)
    starts = [0]
    for k in (int(k) for k in cut if k > 0):  # a flash or a fade (a shot under 0.3 s) is no shot
        if t_s[k] - t_s[starts[-1]] >= MIN_SHOT_S and t_s[-1] - t_s[k] >= MIN_SHOT_S:
            starts.append(k)
    ends = [*[k - 1 for k in starts[1:]], len(t_s) - 1]
    return [{"start_s": round(float(t_s[a]), 3), "end_s": round(float(t_s[b]), 3)} for a, b in zip(starts, ends, strict=True)]


def summarise(motion: np.ndarray | None, t_s: np.ndarray, athlete_x: np.ndarray, athlete_ground_x: np.ndarray) -> CameraSummary:
    """Static, panning or following, from the per-frame motion and the athlete's hip x in the
    image and relative to the ground (normalized)."""
    if motion is None or not len(motion):
        return CameraSummary("unknown", 0.0, 0.0, 0.0, 0.0, None, [])
    fps = (len(t_s) - 1) / max(float(t_s[-1] - t_s[0]), 1e-6)
    real = np.nan_to_num(motion[:, CUT], nan=1.0) < 0.5  # measured, and not a cut
    measured = float(real.mean())
    if real.sum() < 5:
        return CameraSummary("unknown", 0.0, measured, 0.0, 0.0, None, shots(motion, t_s))
    m = motion[real].astype(np.float64)
    scale = np.abs(np.log(np.hypot(m[:, A], m[:, B]))) * 0.5  # a zoom of 1 %: 0.005 heights
    speed = (np.hypot(m[:, TX], m[:, TY]) + scale) * fps
    moving = speed > MOVING_SPEED
    frac = float(moving.mean())
    bg = float(np.median(speed))
    nf_vals = m[moving, NEAR_FAR]
    nf_vals = nf_vals[np.isfinite(nf_vals)]
    nf = float(np.median(nf_vals)) if len(nf_vals) >= 5 else None
    cuts = shots(motion, t_s)
    log_scale = np.log(np.hypot(m[:, A], m[:, B]))
    rate = float(np.median(log_scale)) * fps
    changed = log_scale[np.abs(log_scale) > 1e-5]  # repeated frames (pulldown) say nothing
    steady = float(max((changed > 0).mean(), (changed < 0).mean())) if len(changed) >= 10 else 0.0
    if frac < MOVING_FRACTION:
        if abs(rate) >= DOLLY_RATE and steady >= DOLLY_CONSISTENCY:
            return CameraSummary("following", 0.5 + 0.5 * (steady - DOLLY_CONSISTENCY) / (1 - DOLLY_CONSISTENCY),
                                 measured, frac, bg, nf, cuts, rate)  # fmt: skip
        return CameraSummary("static", 1.0 - 0.5 * frac / MOVING_FRACTION, measured, frac, bg, nf, cuts, rate)
    conf = min(1.0, 0.5 + frac)
    if nf is not None and nf >= TRAVELLING_RATIO:
        return CameraSummary("following", conf, measured, frac, bg, nf, cuts, rate)
    if nf is not None and nf <= TURNING_RATIO:
        return CameraSummary("panning", conf, measured, frac, bg, nf, cuts, rate)
    # No clear parallax: a camera that keeps the athlete in place follows them.
    ok = np.isfinite(athlete_x) & np.isfinite(athlete_ground_x)
    if ok.sum() >= 5:
        img = np.percentile(athlete_x[ok], 95) - np.percentile(athlete_x[ok], 5)
        ground = np.percentile(athlete_ground_x[ok], 95) - np.percentile(athlete_ground_x[ok], 5)
        if ground > 2 * img:
            return CameraSummary("following", 0.5 * conf, measured, frac, bg, nf, cuts, rate)
    return CameraSummary("panning", 0.5 * conf, measured, frac, bg, nf, cuts, rate)
