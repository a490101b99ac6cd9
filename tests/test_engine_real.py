"""The engine on real footage (the real model on the sample clips)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, sample

from formcheck.video import VideoSink, probe, read_frames

# Counted by eye on a contact sheet of every 5th frame of forward_walk_sports2d.mp4: heel strikes
# near frames 17, 35, 53, 71, 90, 108 and 126 — 7 steps about 18 frames (0.6 s) apart, 100 steps/min.
EYE_STEPS = 7
EYE_CADENCE_SPM = 100.0


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def test_forward_clip_and_its_time_reversal(analysed: dict) -> None:
    fwd, back = _report(analysed["forward"]), _report(analysed["backward"])
    assert fwd["movement"]["type"] == "forward_walking"
    assert back["movement"]["type"] == "backward_walking"
    # Same person, same frames: same facing, opposite travel.
    assert fwd["movement"]["facing"] == back["movement"]["facing"] == "left"
    assert (fwd["movement"]["travel"], back["movement"]["travel"]) == ("left", "right")
    assert fwd["camera_view"] == back["camera_view"] == {"view": "side", "near_side": "left"}
    assert abs(fwd["gait"]["step_count"] - EYE_STEPS) <= 1
    for rep in (fwd, back):
        assert rep["gait"]["cadence_spm"] == pytest.approx(EYE_CADENCE_SPM, abs=5.0)
    assert abs(fwd["gait"]["cadence_spm"] - back["gait"]["cadence_spm"]) <= 4.0
    # Walking is not scored against running bands.
    cad = next(c for c in back["cues"] if c["id"] == "cadence")
    assert cad["band"] == "not_assessed" and "walking" in cad["reason"]


def test_someone_not_running_is_not_scored_as_running(tmp_path: Path) -> None:
    """The man on the box in the multi-person clip swings his arms and crouches: no locomotion."""
    src = sample("multi_person")
    clip = tmp_path / "standing.mp4"
    info = probe(src)
    x0, x1, y1 = 160, 480, 270  # his part of the frame; the walker stays below y = 280
    with VideoSink(clip, x1 - x0, y1, info.fps) as sink:
        for t, img in read_frames(src, "bgr24"):
            sink.write(img[:y1, x0:x1], t)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "--no-video")
    assert proc.returncode == 0, proc.stderr
    rep = _report(tmp_path / "out" / "standing")
    assert "running" not in rep["movement"]["type"]
    for cue in rep["cues"]:
        if cue["id"] in ("cadence", "knee_bend", "stride_length"):
            assert cue["band"] == "not_assessed" and cue["reason"] and cue["value"] is None


def test_bystander_is_not_taken_for_the_athlete(tmp_path: Path) -> None:
    proc = run_cli("analyze", str(sample("multi_person")), "-o", str(tmp_path), "--no-video")
    assert proc.returncode == 0, proc.stderr
    rep = _report(tmp_path / sample("multi_person").stem)
    assert rep["subject"]["method"] == "multi" and rep["subject"]["people_max"] >= 2
    assert "travelled" in rep["subject"]["reason"]
    # The walker (right to left, facing left) was chosen, not the man exercising on the box.
    assert rep["movement"]["type"] == "forward_walking" and rep["movement"]["travel"] == "left"
