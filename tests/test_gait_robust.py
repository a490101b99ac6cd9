"""Gait judgement that must hold on footage as people film it, pinned on generated series.

Real phone clips are checked by `bench/real_clips.py` (not in CI: their licences are unknown);
these tests pin each behaviour it relies on with synthetic gait whose answers are known:
slowed playback, treadmills at 30 fps, the pelvis's phase, impossible contacts, a set position
before a run, a turnaround, slow pathological walking, and track pieces of one person.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck import gait
from formcheck.clean import clean
from formcheck.engine import evaluate, load_profile
from formcheck.landmarks import Landmark as L
from formcheck.pose import DetectedPose
from formcheck.series import PoseSeries
from formcheck.subject import choose, distinct, link, stitch
from formcheck.synthetic import GaitSpec, generate, meta_for

PROFILE = load_profile()


def _analyse(series: PoseSeries) -> gait.Gait:
    s, _ = clean(series)
    return gait.analyse(s)


def _concat(*parts: PoseSeries) -> PoseSeries:
    """One series from several, times made continuous."""
    t, off = [], 0.0
    for p in parts:
        dt = float(p.t_s[1] - p.t_s[0])
        t.append(p.t_s - p.t_s[0] + off)
        off = t[-1][-1] + dt
    return PoseSeries(np.concatenate([p.xy for p in parts]), np.concatenate([p.visibility for p in parts]),
                      np.concatenate([p.world for p in parts]), np.concatenate(t), parts[0].width, parts[0].height)  # fmt: skip


def _standing(like: PoseSeries, seconds: float, seed: int = 0) -> PoseSeries:
    """The athlete standing still where `like` starts: its first frame with the feet together,
    held, with landmark noise."""
    rng = np.random.default_rng(seed)
    fps = 1.0 / float(like.t_s[1] - like.t_s[0])
    n = int(seconds * fps)
    k = int(np.flatnonzero(like.detected)[0])
    pose = like.xy[k].copy()
    hip_x = (pose[L.LEFT_HIP, 0] + pose[L.RIGHT_HIP, 0]) / 2
    ankle = pose[L.LEFT_ANKLE].copy()
    ground = max(pose[L.LEFT_ANKLE, 1], pose[L.RIGHT_ANKLE, 1])
    for side in ("LEFT", "RIGHT"):  # both feet under the hips, flat on the ground, toes forward
        for part in ("ANKLE", "HEEL", "FOOT_INDEX"):
            rel = like.xy[k, L[f"LEFT_{part}"]] - ankle
            pose[L[f"{side}_{part}"]] = (hip_x + rel[0], ground + rel[1])
        pose[L[f"{side}_KNEE"]] = (hip_x, (pose[L[f"{side}_HIP"], 1] + ground) / 2)
    s = PoseSeries.empty(n, like.width, like.height)
    s.xy[:] = pose + rng.normal(0, 0.0015, (n, 33, 2))
    s.visibility[:] = 0.95
    s.world[:] = 0.0
    s.t_s[:] = np.arange(n) / fps
    return s


def test_slowed_playback_running_is_still_running() -> None:
    """Running shown 8x slower (phone slow motion played back at 30 fps): the cadence falls
    below any real-time gait, but the pelvis, the knee and the duty factor still say running."""
    spec = GaitSpec(fps=240, duration_s=2.5, cadence_spm=176, seed=21)
    s = generate(spec)
    s.t_s[:] = s.t_s * 8.0  # each frame shown for 8x as long
    _, rep = evaluate(s, dict(meta_for(spec), input=dict(meta_for(spec)["input"], fps=30.0)), PROFILE)
    mv, g = rep["movement"], rep["gait"]
    assert mv["type"] == "backward_running", mv["locomotion_signals"]
    assert g["cadence_spm"] == pytest.approx(176 / 8, rel=0.03)
    assert g["slow_motion_suspected"] is True
    assert 0.25 <= g["duty_factor"] <= 0.48
    est = g["real_time_estimate"]
    assert est and 0.18 <= est["contact_time_s"] <= 0.32
    assert mv["locomotion_signals"]["pelvis_phase"]["vote"] > 0
    assert "cadence_prior" not in mv["locomotion_signals"], "a cadence below real time casts no vote"
    assert any("slowed playback" in w for w in rep["warnings"])


@pytest.mark.parametrize("travel", [1, -1])
def test_treadmill_at_30_fps_lands_in_plausible_bands(travel: int) -> None:
    spec = GaitSpec(treadmill=True, fps=30, cadence_spm=170, travel=travel, facing=1, seed=22 + travel)
    _, rep = evaluate(generate(spec), meta_for(spec), PROFILE)
    mv, g = rep["movement"], rep["gait"]
    assert mv["type"] == ("forward_running" if travel == 1 else "backward_running")
    assert mv["treadmill"] is True and mv["travel_source"] == "body"
    assert mv["travel"] == ("right" if travel == 1 else "left")
    assert mv["belt"] == ("left" if travel == 1 else "right"), "the belt runs against the travel"
    assert 0.18 <= g["contact_time_s"] <= 0.32
    assert 0.25 <= g["duty_factor"] <= 0.48
    assert g["duty_factor_uncertainty"] == pytest.approx(2 / 30 / (120 / 170), rel=0.15)
    assert g["cadence_check"]["agree"] is True


@pytest.mark.parametrize("running", [True, False])
def test_pelvis_phase_and_knee_vote_for_the_right_gait(running: bool) -> None:
    spec = GaitSpec(running=running, cadence_spm=170 if running else 110, speed_legs_s=2.4 if running else 1.3,
                    knee_stance_deg=40 if running else 15, elbow_deg=90 if running else 25, seed=23)  # fmt: skip
    g = _analyse(generate(spec))
    sig = g.locomotion_signals
    expect = 1 if running else -1
    assert np.sign(sig["pelvis_phase"]["vote"]) == expect
    assert np.sign(sig["midstance_knee_deg"]["vote"]) == expect
    assert np.sign(sig["arm_carriage_deg"]["vote"]) == expect
    assert sig["arm_carriage_deg"]["value"] == pytest.approx(90 if running else 25, abs=8)
    assert np.sign(sig["duty_factor"]["vote"]) == expect
    assert g.locomotion == ("running" if running else "walking") and g.locomotion_confidence > 0.5


def test_from_the_front_the_pelvis_phase_is_reported_not_counted() -> None:
    """Seen from the front or behind, the feet's vertical spread peaks twice a running step, so
    the pelvis's phase against it is no evidence (it read -0.7 on every real running clip filmed
    that way); bent arms and the other signals decide."""
    def judged(axis: str) -> gait.Gait:
        g = gait.Gait(1, 1.0, 1, "image", 1.0, 1.0, 0.3, "front" if axis == "depth" else "side", None, axis=axis)
        g.cadence_spm = 60.0  # slowed playback: no cadence vote
        gait.classify_locomotion(g, -0.25, None, gait.GaitOptions(), elbow_deg=85.0)
        return g

    side, front = judged("image_x"), judged("depth")
    assert side.locomotion_signals["pelvis_phase"]["weight"] == 1.0 and side.locomotion == "walking"
    assert front.locomotion_signals["pelvis_phase"]["weight"] == 0.0
    assert "not counted" in front.locomotion_signals["pelvis_phase"]["note"]
    assert front.locomotion == "running" and front.locomotion_signals["arm_carriage_deg"]["vote"] == 1.0


def test_running_at_a_walking_cadence_is_running() -> None:
    """A slow jog (120 steps/min): the cadence prior says walking, the mechanics say running."""
    spec = GaitSpec(cadence_spm=120, speed_legs_s=1.6, seed=24)
    g = _analyse(generate(spec))
    assert g.locomotion_signals["cadence_prior"]["vote"] < 0
    assert g.locomotion == "running"


def test_impossible_contacts_are_rejected() -> None:
    """The left foot's landmarks freeze for two strides (the model stuck on it): no contact may
    last longer than a stride, and the other foot's contacts are unaffected."""
    spec = GaitSpec(fps=60, seed=25, dropout=0.0)
    s = generate(spec)
    stride = int(120 / spec.cadence_spm * spec.fps)
    a = 2 * stride
    for lm in (L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.LEFT_KNEE):
        s.xy[a : a + 2 * stride, lm] = s.xy[a, lm]
    g = _analyse(s)
    step_s = 60 / spec.cadence_spm
    for c in g.contacts:
        assert c.to_s - c.ic_s <= 2.2 * step_s
    own = [c for c in g.contacts if c.foot == "right"]
    assert len(own) >= 4
    starts = np.array([c.ic_s for c in own])
    assert np.all(np.diff(starts) > 0.6 * 2 * step_s), "one contact per stride and foot"


def test_a_set_position_then_running_makes_two_segments() -> None:
    run = generate(GaitSpec(facing=1, travel=1, duration_s=4.0, seed=26))
    series = _concat(_standing(run, 3.0), run)
    _, rep = evaluate(series, meta_for(GaitSpec(duration_s=7.0)), PROFILE)
    segs = rep["movement"]["segments"]
    kinds = [s["movement"] for s in segs]
    assert kinds[0] == "stationary" and kinds[-1] == "forward_running", segs
    assert 2.0 <= segs[1]["start_s"] <= 4.0
    assert rep["movement"]["type"] == "forward_running"


def test_a_turnaround_is_its_own_segment() -> None:
    """Walking right, standing a moment, then walking back left (facing the other way)."""
    there = generate(GaitSpec(facing=1, travel=1, running=False, cadence_spm=104, speed_legs_s=1.2,
                              knee_stance_deg=12, duration_s=5.0, seed=27))  # fmt: skip
    back = generate(GaitSpec(facing=-1, travel=-1, running=False, cadence_spm=104, speed_legs_s=1.2,
                             knee_stance_deg=12, duration_s=5.0, seed=28))  # fmt: skip
    shift = np.nanmedian(there.xy[-1, [L.LEFT_HIP, L.RIGHT_HIP], 0]) - np.nanmedian(back.xy[0, [L.LEFT_HIP, L.RIGHT_HIP], 0])
    back.xy[..., 0] += shift  # starts where the walk there ended
    pause = _standing(back, 1.5, seed=29)
    g = _analyse(_concat(there, pause, back))
    kinds = [s["movement"] for s in g.segments]
    assert kinds[0] == "forward_walking" and kinds[-1] == "forward_walking", g.segments
    assert "turning" in kinds
    first, last = g.segments[0], g.segments[-1]
    assert (first["travel"], last["travel"]) == (1, -1)
    assert g.movement == "forward_walking"


def test_slow_pathological_walking_is_walking() -> None:
    """50 steps/min, far below the old 72 steps/min floor: still walking, with its steps."""
    spec = GaitSpec(running=False, cadence_spm=50, speed_legs_s=0.6, knee_stance_deg=10, duration_s=14.0,
                    facing=-1, travel=-1, seed=30)  # fmt: skip
    g = _analyse(generate(spec))
    assert g.movement == "forward_walking"
    assert g.cadence_spm == pytest.approx(50, abs=2)
    assert len(g.contacts) >= 8


def test_cadence_sources_disagreeing_are_reported() -> None:
    g = gait.Gait(1, 1.0, 1, "image", 1.0, 1.0, 0.3, "side", "right")
    t = np.arange(0, 10, 1 / 30)
    crossings = np.array([0, 10, 20, 30, 40, 50, 60, 70])  # every 1/3 s: 180 steps/min
    gait._cadence(g, crossings, t, step_s=0.4)  # the leg frequency says 150
    assert g.cadence_source == "steps" and g.cadence_spm == pytest.approx(180, abs=1)
    assert g.cadence_check["agree"] is False and "150" in g.cadence_check["note"]


def _pose(x: float, y: float, size: float = 0.3) -> DetectedPose:
    xy = np.zeros((33, 2), np.float32)
    xy[:, 0] = x
    xy[:, 1] = y
    xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 1] = y - size / 2
    xy[[L.LEFT_ANKLE, L.RIGHT_ANKLE], 1] = y + size / 2
    return DetectedPose(xy=xy, visibility=np.ones(33, np.float32), world=np.zeros((33, 3), np.float32))


def test_track_pieces_of_one_person_are_joined_and_a_bystander_is_not() -> None:
    """The athlete is lost for 10 frames and found a little further on (a new track); a
    bystander elsewhere in the frame overlaps the athlete in time and stays apart."""
    t = np.arange(60) / 30.0
    frames: list[list[DetectedPose]] = []
    for i in range(60):
        found = [] if 20 <= i < 30 else [_pose(0.2 + 0.01 * i, 0.6)]
        found.append(_pose(1.5, 0.3, size=0.28))  # the bystander, standing
        frames.append(found)
    tracks = [tr for tr in link(frames, aspect=16 / 9, max_gap=5) if len(tr.poses) >= 3]
    assert len(tracks) == 3
    athlete = next(tr for tr in tracks if min(tr.poses) == 30)
    joined = stitch(athlete, tracks, t, aspect=16 / 9)
    assert len(joined) == 1 and min(athlete.poses) == 0 and len(athlete.poses) == 50
    bystander = next(tr for tr in tracks if tr.id not in joined and tr is not athlete)
    assert min(bystander.poses) == 0 and max(bystander.poses) == 59


def _wide(p: DetectedPose, width: float) -> DetectedPose:
    """`p` with its left side `width` to the left of its right side (a box with an area)."""
    left = [lm for lm in L if lm.name.startswith("LEFT_")]
    p.xy[left, 0] -= width
    return p


def _squashed(x: float, y: float, size: float) -> DetectedPose:
    """A stray second detection of a person: every landmark squeezed around their hips."""
    return _wide(_pose(x, y, size=size * 0.4), 0.02)


def test_a_squashed_second_detection_is_one_person_and_a_two_person_pose_is_not() -> None:
    """Detection can return someone twice: whole, and squashed around the same hips (more
    "visible" than the whole pose). That is one person, the whole one. A pose made of one
    person's head and another's legs holds a whole person's box too, but its hips are elsewhere:
    both are kept, for the linker to choose between."""
    whole = _wide(_pose(0.5, 0.7, size=0.3), 0.05)
    whole.visibility[:] = 0.8
    squashed = _squashed(0.5, 0.7, 0.3)
    kept = distinct([squashed, whole])
    assert len(kept) == 1 and kept[0] is whole
    chimera = _wide(_pose(0.5, 0.5, size=0.7), 0.06)  # from the man on the box's head to the walker's feet
    assert len(distinct([whole, chimera])) == 2


def test_a_stray_detection_beside_the_athlete_does_not_take_their_track() -> None:
    """A second, slightly offset detection of the athlete for one frame starts a track of its
    own; in the next frame the athlete is nearer that stray's hips than their own last ones,
    and still stays on their own track. A pose twice as tall is never linked to it."""
    frames: list[list[DetectedPose]] = []
    for i in range(40):
        x = 0.2 + 0.01 * i
        found = [_pose(x, 0.7)]
        if i == 20:
            found.append(_pose(x + 0.012, 0.7))  # the stray, a little ahead
        if i == 30:
            found = [_pose(x, 0.5, size=0.7)]  # a pose made of two people, at the athlete's place
        frames.append(found)
    tracks = link(frames, aspect=16 / 9)
    athlete = max(tracks, key=lambda tr: len(tr.poses))
    assert sorted(athlete.poses) == [i for i in range(40) if i != 30]


def test_a_bystanders_piece_is_not_joined_to_the_athlete() -> None:
    """Pieces that look like a continuation only in time: someone 1.5 body sizes away in the
    very next frame (the man standing on the box, when the athlete walks in below him), someone
    up in the stands just before the sprinter starts below, and a stray second detection of a
    bystander standing where the athlete starts, while the bystander's own track goes on."""
    t = np.arange(120) / 30.0

    def athlete_from_60(way: float = 1.0) -> list[list[DetectedPose]]:
        return [[_pose(0.3 + way * 0.01 * (i - 60), 0.7)] if i >= 60 else [] for i in range(120)]

    for x, y, last in ((0.4, 0.27, 59), (0.33, 0.35, 50)):  # on the box; in the stands
        frames = athlete_from_60()
        for i in range(0, last + 1):
            frames[i].append(_pose(x, y, size=0.29))
        tracks = [tr for tr in link(frames, aspect=16 / 9) if len(tr.poses) >= 3]
        athlete = next(tr for tr in tracks if min(tr.poses) == 60)
        assert stitch(athlete, tracks, t, aspect=16 / 9) == [], (x, y)

    frames = athlete_from_60(way=-1.0)  # running off to the left, away from the bystander
    for i in range(0, 120):
        frames[i].append(_pose(0.36, 0.7, size=0.29))  # standing, all along
    for i in (40, 44, 48):
        frames[i].append(_pose(0.366, 0.71, size=0.27))  # a stray second detection of them
    tracks = [tr for tr in link(frames, aspect=16 / 9, max_gap=5) if len(tr.poses) >= 3]
    athlete = next(tr for tr in tracks if min(tr.poses) == 60)
    assert any(min(tr.poses) == 40 and len(tr.poses) == 3 for tr in tracks)  # the stray's piece
    assert stitch(athlete, tracks, t, aspect=16 / 9) == []


def test_an_athlete_running_to_and_fro_is_chosen_over_a_bystander_who_shifts() -> None:
    """Back and forth across the frame the athlete ends where they started: how far they ranged
    counts, not where they ended."""
    t = np.arange(180) / 30.0
    frames: list[list[DetectedPose]] = []
    for i in range(180):
        x = 0.3 + 0.9 * (1 - abs(1 - i / 90))  # out and back
        athlete = _pose(x, 0.7)
        bystander = _pose(1.5 + 0.02 * np.sin(i / 5), 0.7)
        for p, lift in ((athlete, 0.03 * np.sin(2 * np.pi * i / 12)), (bystander, 0.0)):
            p.xy[L.LEFT_ANKLE, 1] -= max(lift, 0)
            p.xy[L.RIGHT_ANKLE, 1] -= max(-lift, 0)
        frames.append([bystander, athlete])
    series, info = choose(frames, t, 1280, 720)
    chosen = next(c for c in info["candidates"] if c["track"] == info["chosen_track"])
    assert chosen["travel_body_sizes"] > 2.5 and abs(np.nanmedian(series.xy[:, L.LEFT_HIP, 0]) - 0.75) < 0.1


def test_a_runner_coming_toward_the_camera_is_chosen_over_a_bystander() -> None:
    """Filmed from the front the runner hardly crosses the frame: they grow (coming closer) and
    their feet take turns up and down. A bystander at the side shuffles sideways as much as the
    runner drifts. The runner is the athlete, and the reason says how they moved."""
    t = np.arange(90) / 30.0
    frames: list[list[DetectedPose]] = []
    for i in range(90):
        size = 0.15 * 1.02**i  # about 6x bigger over 3 s
        runner = _pose(0.5 + 0.0005 * i, 0.5, size=size)
        lift = 0.08 * size * np.sin(2 * np.pi * i / 10)
        runner.xy[L.LEFT_ANKLE, 1] -= max(lift, 0)
        runner.xy[L.RIGHT_ANKLE, 1] -= max(-lift, 0)
        bystander = _pose(1.4 + 0.0005 * i, 0.5, size=0.3)
        frames.append([bystander, runner])
    series, info = choose(frames, t, 1280, 720)
    chosen = next(c for c in info["candidates"] if c["track"] == info["chosen_track"])
    assert chosen["size_change"] > 4 and abs(np.nanmedian(series.xy[:, L.LEFT_HIP, 0]) - 0.55) < 0.05
    assert "closer to the camera" in info["reason"]


def _depth_runner(faces_camera: bool, toward: bool, cadence_spm: float = 170.0, seconds: float = 4.0,
                  start_h: float = 0.3, perspective: bool = False, rate: float = 0.15,
                  dip: tuple[float, float, float] | None = None) -> PoseSeries:  # fmt: skip
    """A runner filmed from in front or behind: the body's size in the picture grows (coming
    closer) or shrinks (going away) over time, the feet take turns being the nearer, lower one
    once a step, the elbows are bent; the left shoulder is on the image right when they face
    the camera, and their nose is nearer the camera than their ears. `perspective`: the feet's
    height difference shrinks with the body's size, as a real camera sees it (a step's depth
    looks shallower further away), from a larger one close up. `rate`: how fast the size
    changes (log units a second); `dip`: (from_s, to_s, log units) the size drops by between
    the two times (a zoom out, or a bad fit, against the travel)."""
    fps = 30.0
    t = np.arange(0, seconds, 1 / fps)
    n = len(t)
    h = start_h * np.exp((rate if toward else -rate) * t)  # shoulders to ankles, frame heights
    if dip is not None:
        h = h * np.exp(-dip[2] * np.clip((t - dip[0]) / (dip[1] - dip[0]), 0.0, 1.0))
    lift = 0.3 * h * h / h.max() if perspective else 0.12 * h  # the nearer foot's drop
    phase = np.pi * t * cadence_spm / 60.0  # one stride = two steps
    side = 1.0 if faces_camera else -1.0  # + : the athlete's left is the image right
    aspect = 16 / 9
    xy = np.full((n, 33, 2), np.nan)
    cx, hip_y = 0.5, 0.45
    def put(lm: int, dx: np.ndarray | float, y: np.ndarray) -> None:
        xy[:, lm, 0] = cx + np.asarray(dx) * h / aspect
        xy[:, lm, 1] = y
    for s, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
        put(L[f"{s}_SHOULDER"], side * sign * 0.12, hip_y - 0.3 * h)
        put(L[f"{s}_HIP"], side * sign * 0.07, hip_y + 0 * h)
        near = sign * np.sin(phase)  # + : this foot is the nearer one
        ankle_y = hip_y + 0.7 * h + lift * near - 0.05 * h * np.clip(-near, 0, None)
        put(L[f"{s}_KNEE"], side * sign * 0.07, (hip_y + ankle_y) / 2)
        put(L[f"{s}_ANKLE"], side * sign * 0.07, ankle_y)
        put(L[f"{s}_HEEL"], side * sign * 0.07, ankle_y + 0.01 * h)
        put(L[f"{s}_FOOT_INDEX"], side * sign * 0.075, ankle_y + 0.02 * h)
        put(L[f"{s}_ELBOW"], side * sign * 0.15, hip_y - 0.12 * h)
        put(L[f"{s}_WRIST"], side * sign * 0.1, hip_y - 0.15 * h)
        put(L[f"{s}_EAR"], side * sign * 0.04, hip_y - 0.42 * h)
    put(L.NOSE, 0.0, hip_y - 0.41 * h)
    world = np.zeros((n, 33, 3))
    world[:, :, :2] = (xy - xy[:, [L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=1, keepdims=True)) / h[:, None, None]
    world[:, L.NOSE, 2] = -0.1 if faces_camera else 0.1  # nearer the camera than the ears
    for s, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):  # forearms forward: elbows bent ~90°
        world[:, L[f"{s}_WRIST"], :2] = world[:, L[f"{s}_ELBOW"], :2]
        world[:, L[f"{s}_WRIST"], 2] = -0.25 * side
        world[:, L[f"{s}_ELBOW"], 1] = world[:, L[f"{s}_SHOULDER"], 1] + 0.28
        world[:, L[f"{s}_WRIST"], 1] = world[:, L[f"{s}_ELBOW"], 1]
    vis = np.ones((n, 33))
    return PoseSeries(xy.astype(np.float32), vis.astype(np.float32), world.astype(np.float32), t, 1920, 1080)


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")  # the landmarks a front view has no use for
@pytest.mark.parametrize(("faces_camera", "toward", "movement", "view"), [
    (True, True, "forward_running", "front"),  # coming closer, facing the camera
    (False, True, "backward_running", "back"),  # coming closer with the back to the camera: backwards
    (False, False, "forward_running", "back"),  # going away, facing away
])  # fmt: skip
def test_front_and_rear_views_travel_along_the_line_of_sight(faces_camera: bool, toward: bool, movement: str, view: str) -> None:
    g = _analyse(_depth_runner(faces_camera, toward))
    assert g.axis == "depth" and g.view == view
    assert g.travel == (1 if toward else -1) and g.facing == (1 if faces_camera else -1)
    assert g.movement == movement, g.locomotion_signals
    assert g.cadence_spm == pytest.approx(170, abs=6)
    assert g.locomotion_signals["pelvis_phase"]["weight"] == 0.0 if "pelvis_phase" in g.locomotion_signals else True


def test_a_stationary_segment_has_no_travel() -> None:
    """Standing while the picture drifts sideways (a hand-held phone, the athlete swaying): the
    stretch is stationary, and a stationary stretch travels nowhere (the report and the video's
    panel must not say 'moving →' beside 'Stationary')."""
    run = generate(GaitSpec(facing=1, travel=1, duration_s=4.0, seed=26))
    stand = _standing(run, 3.0)
    stand.xy[..., 0] -= np.linspace(0.4, 0.0, len(stand))[:, None]  # drifts 0.4 frame widths to where the run starts
    _, rep = evaluate(_concat(stand, run), meta_for(GaitSpec(duration_s=7.0)), PROFILE)
    segs = rep["movement"]["segments"]
    assert segs[0]["movement"] == "stationary", segs
    assert all(s["travel"] == "none" for s in segs if s["movement"] in ("stationary", "not_in_view")), segs
    assert segs[-1]["movement"] == "forward_running" and segs[-1]["travel"] != "none", segs


def _far_votes_scrambled(s: PoseSeries, from_s: float, seed: int) -> PoseSeries:
    """`s` with the left and right shoulders, hips and ears swapped in half the frames after
    `from_s` (chosen at random), and the nose's depth noisy there: a far, small figure's
    left-right order as the model gives it."""
    rng = np.random.default_rng(seed)
    far = np.flatnonzero(s.t_s >= from_s)
    flip = far[rng.random(len(far)) < 0.5]
    for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_EAR, L.RIGHT_EAR)):
        for arr in (s.xy, s.world):
            arr[flip, a], arr[flip, b] = arr[flip, b].copy(), arr[flip, a].copy()
    s.world[far, L.NOSE, 2] = rng.normal(0, 0.1, len(far))
    return s


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
@pytest.mark.parametrize("toward", [False, True])
def test_a_far_runner_filmed_from_behind_is_running_all_the_way(toward: bool) -> None:
    """From behind, the runner going away (or, reversed in time, coming closer) from 0.45 to
    0.12 frame heights: the feet's height difference shrinks with the size (perspective) and
    the far figure's left and right come out swapped half the time. Running the whole way,
    facing away throughout: never 'stationary' or facing the camera in the far part."""
    s = _depth_runner(False, False, seconds=9.0, start_h=0.45, perspective=True)
    s = _far_votes_scrambled(s, 6.0, seed=3)
    if toward:  # the same clip backwards: a backwards runner approaching, back to the camera
        s = PoseSeries(s.xy[::-1].copy(), s.visibility[::-1].copy(), s.world[::-1].copy(), s.t_s.copy(), s.width, s.height)
    g = _analyse(s)
    want = "backward_running" if toward else "forward_running"
    assert g.axis == "depth" and g.movement == want, g.segments
    assert [(x["movement"], x["facing"]) for x in g.segments] == [(want, -1)], g.segments
    assert g.cadence_spm == pytest.approx(170, abs=6)


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
def test_a_far_runner_who_stops_is_stationary_at_the_end() -> None:
    """The perspective allowance is for stepping while travelling: the same runner stopping far
    away (the size held, the feet side by side with landmark noise) is stationary there."""
    run = _depth_runner(False, False, seconds=6.0, start_h=0.45, perspective=True)
    rng = np.random.default_rng(5)
    n = 90
    last = run.xy[-1].copy()
    for side in ("LEFT", "RIGHT"):  # both feet down at the same height
        for part in ("ANKLE", "HEEL", "FOOT_INDEX"):
            last[L[f"{side}_{part}"], 1] = max(run.xy[-1, L[f"LEFT_{part}"], 1], run.xy[-1, L[f"RIGHT_{part}"], 1])
    stand = PoseSeries((last + rng.normal(0, 0.002, (n, 33, 2))).astype(np.float32), np.ones((n, 33), np.float32),
                       np.repeat(run.world[-1:], n, 0), np.arange(n) / 30.0, run.width, run.height)  # fmt: skip
    g = _analyse(_concat(run, stand))
    assert g.segments[0]["movement"] == "forward_running", g.segments
    assert g.segments[-1]["movement"] == "stationary" and g.segments[-1]["start_s"] >= 5.0, g.segments


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")  # the landmarks a front view has no use for
def test_a_weak_lone_reversal_of_travel_is_not_a_segment_and_a_strong_one_is() -> None:
    """Coming toward the camera for 10 s, the body's size drops for a moment at 5 s (a zoom out,
    a bad fit): one window's fit travels the other way, weakly. That is not a stretch of
    backwards running; a drop twice as deep (a window reversing at four times the threshold) is."""
    weak = _analyse(_depth_runner(True, True, seconds=10.0, rate=0.06, dip=(4.9, 5.1, 0.15)))
    assert any(w["speed_legs_s"] < 0 for w in weak.windows)  # the fit did reverse
    assert [s["movement"] for s in weak.segments] == ["forward_running"], weak.segments
    strong = _analyse(_depth_runner(True, True, seconds=10.0, rate=0.06, dip=(4.9, 5.1, 0.3)))
    assert [s["movement"] for s in strong.segments] == ["forward_running", "backward_running", "forward_running"], strong.segments
