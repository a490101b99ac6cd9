"""Each annotator of the overlay on its own: it draws its one thing where it belongs and nothing
elsewhere, and frames with holes, without a pose or past the clip's ends draw without error.

The pose series is the real model's on the backward sample clip (conftest `analysed`, the engine
re-run on its landmarks.npz), drawn on that clip's decoded frames at their own size (960 x 286:
short enough that the old strip over the picture covered the feet).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import sample

from formcheck import engine
from formcheck.landmarks import Landmark as L
from formcheck.render import (
    ArmSwing,
    ContactMarkers,
    Hud,
    KeyFrames,
    KneeFlexion,
    Overlay,
    Pose,
    Scene,
    Skeleton,
    Timeline,
    TrunkLean,
    finite_at,
)
from formcheck.render.timeline import BAND_BGR
from formcheck.series import load_npz
from formcheck.video import read_frames

FRAME = 70  # the athlete mid-frame, every landmark found


@pytest.fixture(scope="module")
def scored(analysed: dict) -> tuple:
    """(clean series, in-memory report) of the analysed backward clip."""
    raw, _, meta = load_npz(analysed["backward"] / "landmarks.npz")
    return engine.evaluate(raw, meta, engine.load_profile(meta.get("profile_path")))


@pytest.fixture(scope="module")
def pictures() -> dict[int, np.ndarray]:
    """Some decoded frames of the backward clip (BGR, its own size)."""
    wanted = {0, 6, 35, FRAME, 100}
    out = {}
    for i, (_, bgr) in enumerate(read_frames(sample("backward"), "bgr24")):
        if i in wanted:
            out[i] = bgr
        if len(out) == len(wanted):
            return out
    raise AssertionError("the sample clip is shorter than expected")


@pytest.fixture(scope="module")
def scene(scored: tuple) -> Scene:
    clean, rep = scored
    return Scene.build(clean, rep, clean.width, clean.height)


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(H, W) bool: where any channel differs."""
    return (before != after).any(axis=2)


def _draw(annotator, picture: np.ndarray, i: int) -> np.ndarray:
    img = picture.copy()
    annotator.annotate(img, i)
    return _changed(picture, img)


def _near(mask: np.ndarray, p: np.ndarray, r: int) -> bool:
    x, y = int(round(p[0])), int(round(p[1]))
    return bool(mask[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1].any())


def _ring(mask: np.ndarray, centre: np.ndarray, r0: float, r1: float) -> float:
    """Fraction of the pixels at distance [r0, r1] from `centre` that are set."""
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    d = np.hypot(xx - centre[0], yy - centre[1])
    band = (d >= r0) & (d <= r1)
    return float(mask[band].mean()) if band.any() else 0.0


def _holed(series, mode: str, seed: int = 0):
    """A copy of `series` with holes: random points, whole legs, or no pose at all."""
    out = series.copy()
    rng = np.random.default_rng(seed)
    if mode == "points":
        out.xy[rng.random(out.xy.shape[:2]) < 0.25] = np.nan
    elif mode == "legs":
        rows = rng.random(len(out)) < 0.5
        for lm in (L.LEFT_KNEE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_FOOT_INDEX):
            out.xy[rows, lm] = np.nan
    elif mode == "none":
        out.xy[:] = np.nan
        out.visibility[:] = np.nan
    return out


# --- the shared guard -------------------------------------------------------------------------


def test_scene_hands_out_only_what_exists(scene: Scene) -> None:
    assert scene.pose(-1) is None and scene.pose(scene.n) is None and scene.pose(FRAME) is not None
    px, ok = scene.px[FRAME].copy(), scene.ok[FRAME].copy()
    px[L.LEFT_KNEE] = np.nan
    ok[L.LEFT_KNEE] = False
    pose = Pose(px, ok)
    assert pose.point(L.LEFT_KNEE) is None and pose.points(L.LEFT_HIP, L.LEFT_KNEE) is None
    assert pose.points(L.RIGHT_HIP, L.RIGHT_KNEE) is not None and pose.trunk() is not None
    assert pose.mid(L.LEFT_KNEE, L.RIGHT_KNEE) is None
    assert finite_at(np.array([1.0, np.nan]), 1) is None and finite_at(np.array([1.0]), 5) is None
    assert finite_at(None, 0) is None and finite_at(np.array([[1.0, 2.0]]), 0) is not None
    assert scene.value("no such metric", FRAME) is None
    assert scene.value("trunk_lean_deg", scene.n + 3) is None


# --- one test per annotator -------------------------------------------------------------------


def test_skeleton_draws_on_the_joints_and_nowhere_else(scene: Scene, pictures: dict) -> None:
    changed = _draw(Skeleton(scene), pictures[FRAME], FRAME)
    for lm in (L.LEFT_SHOULDER, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_ANKLE, L.LEFT_WRIST, L.NOSE):
        assert _near(changed, scene.px[FRAME, lm], 2), f"nothing drawn at {lm.name}"
    x0, y0, x1, y1 = scene.boxes[FRAME]
    outside = np.ones_like(changed)
    outside[max(0, int(y0)) : int(y1) + 1, max(0, int(x0)) : int(x1) + 1] = False
    assert changed.any() and not changed[outside].any()
    # A missing forearm is not drawn: less is drawn, nothing new, and not at the wrist.
    px, ok = scene.px.copy(), scene.ok.copy()
    wrist = px[FRAME, L.LEFT_WRIST].copy()
    px[FRAME, [L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB]] = np.nan
    ok[FRAME] = np.isfinite(px[FRAME]).all(axis=1)
    without = _draw(Skeleton(Scene(**{**scene.__dict__, "px": px, "ok": ok})), pictures[FRAME], FRAME)
    assert 0 < without.sum() < changed.sum() and not (without & ~changed).any()
    assert not _near(without, wrist, 1)


def test_trunk_lean_draws_the_trunk_line_and_its_label(scene: Scene, pictures: dict) -> None:
    changed = _draw(TrunkLean(scene), pictures[FRAME], FRAME)
    hip, sho = Pose(scene.px[FRAME], scene.ok[FRAME]).trunk()
    for t in (0.25, 0.5, 0.75):
        assert _near(changed, hip + (sho - hip) * t, 1), "no trunk line"
    # The label beside the trunk, on the side it does not face (facing left: to the right).
    length = float(np.linalg.norm(sho - hip))
    mid = (hip + sho) / 2
    label = changed[int(mid[1]) - 4 : int(mid[1]) + 5, int(mid[0] + length * 0.3) : int(mid[0] + length * 0.3) + 40]
    assert scene.facing == -1 and label.mean() > 0.1
    # Everything is at or above the hips: the lower body is left alone.
    assert not changed[int(hip[1]) + 2 * scene.sz.line + 2 :].any()
    # Without the lean metric (NaN) the line stays and the label goes.
    metrics = dict(scene.metrics, trunk_lean_deg=np.full(scene.n, np.nan))
    no_label = _draw(TrunkLean(Scene(**{**scene.__dict__, "metrics": metrics})), pictures[FRAME], FRAME)
    assert 0 < no_label.sum() < changed.sum() and not no_label[int(mid[1]) - 4 : int(mid[1]) + 5, int(mid[0] + length * 0.3) + 4 :].any()


def test_knee_flexion_draws_an_arc_at_each_knee(scene: Scene, pictures: dict) -> None:
    changed = _draw(KneeFlexion(scene), pictures[FRAME], FRAME)
    for side in ("LEFT", "RIGHT"):
        knee, ankle = scene.px[FRAME, L[f"{side}_KNEE"]], scene.px[FRAME, L[f"{side}_ANKLE"]]
        r = max(6, int(np.linalg.norm(ankle - knee) * 0.3))
        assert _ring(changed, knee, r - 1.5, r + 1.5) > 0.05, f"no arc at the {side.lower()} knee"
    hips_y = min(scene.px[FRAME, L.LEFT_HIP, 1], scene.px[FRAME, L.RIGHT_HIP, 1])
    assert not changed[: int(hips_y)].any()
    # A leg without its knee gets no arc; the other leg keeps its own.
    px, ok = scene.px.copy(), scene.ok.copy()
    px[FRAME, L.RIGHT_KNEE] = np.nan
    ok[FRAME, L.RIGHT_KNEE] = False
    one = _draw(KneeFlexion(Scene(**{**scene.__dict__, "px": px, "ok": ok})), pictures[FRAME], FRAME)
    assert 0 < one.sum() < changed.sum()


def test_arm_swing_draws_the_range_around_the_near_shoulder(scene: Scene, pictures: dict) -> None:
    arms = ArmSwing(scene)
    changed = _draw(arms, pictures[FRAME], FRAME)
    sh, el = scene.px[FRAME, arms.shoulder], scene.px[FRAME, arms.elbow]
    r = max(8, int(np.linalg.norm(el - sh)))
    assert scene.near == "left" and arms.shoulder == L.LEFT_SHOULDER
    assert _ring(changed, sh, r - 2, r + 2) > 0.02, "no arc through the elbow"
    hip = Pose(scene.px[FRAME], scene.ok[FRAME]).trunk()[0]
    assert not changed[int(hip[1]) + 4 :].any()
    # Its label is beside the shoulder on the side the athlete faces (left).
    assert changed[: int(sh[1]), : int(sh[0])].any()
    # Without the elbow there is no arm to measure.
    px, ok = scene.px.copy(), scene.ok.copy()
    px[FRAME, arms.elbow] = np.nan
    ok[FRAME, arms.elbow] = False
    assert not _draw(ArmSwing(Scene(**{**scene.__dict__, "px": px, "ok": ok})), pictures[FRAME], FRAME).any()


def test_contact_markers_ring_the_planted_foot_then_go(scene: Scene, pictures: dict) -> None:
    markers = ContactMarkers(scene)
    step = scene.rep["gait"]["steps"][0]
    f, foot = step["frame"], step["foot"]
    assert f in markers.markers and f in pictures
    changed = _draw(markers, pictures[f], f)
    at = (scene.px[f, L[f"{foot.upper()}_HEEL"]] + scene.px[f, L[f"{foot.upper()}_FOOT_INDEX"]]) / 2
    r = int(scene.sz.text * 0.7)
    assert _ring(changed, at, r - 1, r + 1) > 0.5, "no ring around the foot"
    assert not _near(changed, at, r // 3), "a ring, not a disc: the foot shows inside"
    assert not changed[: int(at[1]) - 2 * r].any()
    quiet = next(i for i in pictures if i not in markers.markers)
    assert not _draw(markers, pictures[quiet], quiet).any()


def test_hud_draws_the_panel_in_its_corner_only(scene: Scene, pictures: dict) -> None:
    hud = Hud(scene)
    changed = _draw(hud, pictures[FRAME], FRAME)
    x0, y0, x1, y1 = hud.panel_rect(FRAME)
    assert changed[y0:y1, x0:x1].mean() > 0.5
    inside = np.zeros_like(changed)
    inside[y0:y1, x0:x1] = True
    assert not changed[~inside].any()
    # It shows on every frame: before the first and after the last, the nearest frame's panel.
    for i, j in ((-5, 0), (scene.n + 5, scene.n - 1)):
        a, b = pictures[FRAME].copy(), pictures[FRAME].copy()
        hud.annotate(a, i)
        hud.annotate(b, j)
        assert (a == b).all() and _changed(pictures[FRAME], a).any()


def test_timeline_over_the_picture_lets_the_legs_through(scene: Scene, pictures: dict) -> None:
    timeline = Timeline(scene)
    assert timeline.rows_below == 0 and timeline.canvas(pictures[FRAME]) is pictures[FRAME]
    changed = _draw(timeline, pictures[FRAME], FRAME)
    x0, y0, x1, y1 = timeline.strip_rect()
    assert y1 <= scene.h and changed[y0:y1, x0:x1].mean() > 0.5
    head = timeline.rise + 2 * timeline.thick + 2  # the playhead's head above the strip
    assert not changed[: y0 - head].any() and changed[y0 - head : y0].any()
    # Where the legs cross the strip, the picture shows through more than beside them.
    span = timeline._legs_span(FRAME, y0, x0, x1)
    assert span is not None
    img = pictures[FRAME].copy()
    timeline.annotate(img, FRAME)
    diff = np.abs(img.astype(int) - pictures[FRAME].astype(int)).mean(axis=2)[y0:y1]
    hole = diff[:, span[0] : span[1]].mean()
    beside = np.delete(diff, np.s_[span[0] : span[1]], axis=1)[:, x0:].mean()
    assert hole < 0.6 * beside


@pytest.mark.parametrize("height", [286, 285])
def test_timeline_below_the_picture_leaves_the_picture_alone(scored: tuple, pictures: dict, height: int) -> None:
    clean, rep = scored
    picture = cv2.resize(pictures[FRAME], (clean.width, height)) if height != clean.height else pictures[FRAME]
    timeline = Timeline(Scene.build(clean, rep, clean.width, height), below=True)
    canvas = timeline.canvas(picture)
    assert canvas.shape == (height + timeline.rows_below, clean.width, 3) and canvas.shape[0] % 2 == 0
    assert (canvas[:height] == picture).all() and (canvas[height:] == BAND_BGR).all()
    blank = canvas.copy()
    timeline.annotate(canvas, FRAME)
    assert (canvas[:height] == picture).all(), "the strip below draws nothing on the picture"
    x0, y0, x1, y1 = timeline.strip_rect()
    assert height < y0 - timeline.rise - 2 * timeline.thick and y1 < canvas.shape[0]
    changed = _changed(blank, canvas)
    assert changed[y0:y1, x0:x1].mean() > 0.2
    # The playhead moves with the frame: first and last frames put it at opposite ends.
    ends = []
    for i in (0, clean.__len__() - 1):
        img = timeline.canvas(picture)
        timeline.annotate(img, i)
        white = (img[y0:y1, x0:x1] == 255).all(axis=2).sum(axis=0)
        ends.append(int(np.argmax(white)))
    assert ends[0] < 0.2 * (x1 - x0) < 0.8 * (x1 - x0) < ends[1]


def test_no_strip_no_rows(scored: tuple, pictures: dict) -> None:
    """Nothing failed and no step: no strip, and the canvas is the picture itself."""
    clean, rep = scored
    quiet = dict(rep, cues=[dict(c, band="not_assessed") for c in rep["cues"]], gait=dict(rep["gait"], steps=[]))
    overlay = Overlay(clean, quiet, clean.width, clean.height, strip_below=True)
    assert overlay.strip_rect() is None and overlay.canvas_size == (clean.width, clean.height)
    assert overlay.canvas(pictures[FRAME]) is pictures[FRAME]
    assert not _draw(overlay.timeline, pictures[FRAME], FRAME).any()


def test_key_frames_crop_the_picture_and_keep_the_whole_frame(scene: Scene, scored: tuple, pictures: dict) -> None:
    clean, rep = scored
    overlay = Overlay(clean, rep, scene.w, scene.h, strip_below=True)
    boxes = overlay.boxes.copy()
    boxes[35] = np.nan  # no box: the whole picture
    keys = KeyFrames(crop=[FRAME, 35], full=[FRAME], boxes=boxes, max_px=10_000, quality=95, picture_h=scene.h)
    assert keys.wants(FRAME) and not keys.wants(0)
    for i in (0, 35, FRAME):
        frame = overlay.canvas(pictures[i])
        overlay.draw(frame, i)
        keys.annotate(frame, i)
    assert set(keys.images) == {(FRAME, "crop"), (35, "crop"), (FRAME, "full")}
    img = {k: cv2.imdecode(np.frombuffer(v, np.uint8), cv2.IMREAD_COLOR) for k, v in keys.images.items()}
    assert img[(FRAME, "full")].shape == (*overlay.canvas_size[::-1], 3)  # the strip below included
    assert img[(35, "crop")].shape == (scene.h, scene.w, 3)  # the picture, not the strip
    crop = img[(FRAME, "crop")]
    x0, y0, x1, y1 = overlay.boxes[FRAME]
    assert crop.shape[0] <= scene.h and crop.shape[1] < scene.w and crop.shape[1] >= x1 - x0
    # The crop is the picture around the athlete: no row of the strip's backdrop at its bottom.
    assert np.abs(crop[-1].astype(int) - BAND_BGR).max(axis=1).mean() > 20


# --- the composition and missing landmarks ------------------------------------------------------


def test_overlay_composes_the_annotators_in_order(scored: tuple, pictures: dict) -> None:
    clean, rep = scored
    overlay = Overlay(clean, rep, clean.width, clean.height)
    kinds = [type(a) for a in overlay.annotators]
    assert kinds == [Hud, Timeline, Skeleton, TrunkLean, KneeFlexion, ArmSwing, ContactMarkers]
    a, b = pictures[FRAME].copy(), pictures[FRAME].copy()
    overlay.draw(a, FRAME)
    for annotator in overlay.annotators:
        annotator.annotate(b, FRAME)
    assert (a == b).all()
    front = Overlay(clean, dict(rep, camera_view={"view": "front", "near_side": None}), clean.width, clean.height)
    assert [type(a) for a in front.annotators] == [Hud, Timeline, Skeleton, ContactMarkers]


ANNOTATORS = {
    "skeleton": Skeleton,
    "trunk": TrunkLean,
    "knees": KneeFlexion,
    "arms": ArmSwing,
    "contacts": ContactMarkers,
    "hud": Hud,
    "timeline": Timeline,
    "timeline below": lambda s: Timeline(s, below=True),
}
EVERY_FRAME = ("hud", "timeline", "timeline below")  # what shows on every frame, pose or not


@pytest.mark.parametrize("mode", ["points", "legs", "none"])
@pytest.mark.parametrize("name", list(ANNOTATORS))
def test_every_annotator_draws_through_missing_landmarks(scored: tuple, pictures: dict, name: str, mode: str) -> None:
    clean, rep = scored
    holed = _holed(clean, mode)
    scene = Scene.build(holed, rep, clean.width, clean.height)
    annotator = ANNOTATORS[name](scene)
    canvas = annotator.canvas if name == "timeline below" else (lambda p: p)
    picture = canvas(pictures[FRAME])
    drew = set()
    for i in range(-2, scene.n + 2):  # and frames either side of the clip
        img = picture.copy()
        annotator.annotate(img, i)
        if _changed(picture, img).any():
            drew.add(i)
    if name in EVERY_FRAME:
        assert drew == set(range(-2, scene.n + 2))
    elif mode == "none":
        assert not drew, "no pose anywhere: nothing to draw"
    else:
        assert drew and drew <= set(range(scene.n)), "draws where the landmarks are, and only in the clip"
