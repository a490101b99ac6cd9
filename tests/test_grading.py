"""Overall grade gating and the crossover-step judgement (engine units, no model needed)."""

from __future__ import annotations

import numpy as np

from formcheck import engine
from formcheck.landmarks import Landmark as L


def _cue(cid: str, band: str, score: float | None = 80.0) -> dict:
    return {"id": cid, "title": cid.replace("_", " "), "band": band, "score": None if band == "not_assessed" else score,
            "weight": 1.0, "advisory": False, "confidence": 1.0,
            "reason": "needs a side or oblique view but the camera sees the athlete from the front — film from the side" if band == "not_assessed" else None}


OTHERS = ["stride_length", "cadence", "knee_bend", "shoulders_relaxed", "stance_width", "look_over_shoulder", "pace_build"]


def test_a_grade_needs_the_headline_cues_and_five_cues() -> None:
    heads = list(engine.HEADLINE_CUES)
    full = [_cue(c, "good") for c in heads] + [_cue("shoulders_relaxed", "good")] + [_cue(c, "not_assessed") for c in OTHERS[:3]]
    o = engine._overall(full)
    assert o["graded"] and o["score"] == 80.0 and o["grade"] is not None
    # The front-view drills case: one cue measured, however well, is no grade.
    front = [_cue(c, "not_assessed") for c in heads] + [_cue("shoulders_relaxed", "good", 100.0)]
    o = engine._overall(front)
    assert not o["graded"] and o["score"] is None and o["grade"] is None
    assert o["summary"].startswith("Not graded:") and "film from the side" in o["summary"]
    assert set(o["not_graded_because"]) == set(heads)
    # Headline cues all there, but only four cues in all.
    o = engine._overall([_cue(c, "good") for c in heads] + [_cue(c, "not_assessed") for c in OTHERS])
    assert not o["graded"] and o["not_graded_because"] == ["too_few_cues"]


def _pose(left_ankle_x: float, right_ankle_x: float) -> np.ndarray:
    p = np.full((1, 33, 2), np.nan)
    p[0, L.LEFT_HIP], p[0, L.RIGHT_HIP] = (0.55, 0.5), (0.45, 0.5)
    p[0, L.LEFT_ANKLE], p[0, L.RIGHT_ANKLE] = (left_ankle_x, 0.9), (right_ankle_x, 0.9)
    return p


def test_crossover_steps_are_judged_from_the_front_and_from_behind() -> None:
    # Facing the camera the athlete's left is the image right: a left foot landing on the image
    # left of the hips' midpoint has crossed over; from behind it is the other way round.
    assert engine._crossover(_pose(0.45, 0.45), 0, "left", "front") is True
    assert engine._crossover(_pose(0.56, 0.45), 0, "left", "front") is False
    assert engine._crossover(_pose(0.56, 0.45), 0, "left", "back") is True
    assert engine._crossover(_pose(0.56, 0.56), 0, "right", "front") is True
    assert engine._crossover(_pose(0.56, 0.44), 0, "right", "front") is False
    assert engine._crossover(_pose(0.45, 0.45), 0, "left", "side") is None  # side-on: not judged
    rows = [{"crossover": True}, {"crossover": False}, {"crossover": False}, {"crossover": None}]
    assert abs(engine._crossover_rate(rows) - 100 / 3) < 1e-9


def test_rates_are_not_judged_on_slowed_playback() -> None:
    """A clip at 70 steps/min in clip time (slowed playback): cadence says nothing about the
    athlete, so it is not assessed, while angles still are."""
    profile = engine.load_profile()
    comps = {c.id: c for cue in profile.cues for c in cue.components}
    g = engine.Gait(1, 1.0, -1, "image", 1.0, 1.0, 0.3, "side", "right")
    g.locomotion, g.cadence_spm = "running", 70.0
    ctx = engine._Context(g, 20, 0.9, 10.0, 30.0, profile.min_visibility)
    assert engine._not_assessed(comps["cadence"], ctx, 70.0) is None
    g.slow_motion_suspected = True
    assert "slowed playback" in engine._not_assessed(comps["cadence"], ctx, 70.0)
    assert engine._not_assessed(comps["trunk_lean"], ctx, 7.0) is None
    assert {c.id for c in comps.values() if c.real_time} == {"cadence", "looks_per_min", "ramp_time"}


def test_per_frame_cues_come_from_the_running_segments() -> None:
    """A set position then running: the crouch's frames are not the running's posture."""
    g = engine.Gait(1, 1.0, -1, "image", 1.0, 1.0, 0.3, "side", "right")
    g.segments = [{"start_s": 0.0, "end_s": 1.9, "movement": "stationary"},
                  {"start_s": 2.0, "end_s": 3.9, "movement": "backward_running"}]  # fmt: skip
    t = np.arange(40) / 10.0
    moving = engine._moving_frames(g, t)
    assert not moving[:20].any() and moving[20:].all()
    g.segments = [{"start_s": 0.0, "end_s": 3.9, "movement": "stationary"}]
    assert engine._moving_frames(g, t).all()  # nothing runs: every frame counts
