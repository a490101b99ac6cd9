"""Engine pieces on hand-made geometry: angles, signs, bands, profiles, swap repair."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.clean import repair_leg_swaps
from formcheck.cues import load_profile
from formcheck.errors import ConfigError
from formcheck.landmarks import LEFT_RIGHT_PAIRS, Landmark, mirror_index
from formcheck.landmarks import Landmark as L
from formcheck.metrics import joint_angle, lean_from_vertical


@pytest.mark.parametrize(
    "a, b, c, expected",
    [((1, 0), (0, 0), (0, 1), 90.0), ((1, 0), (0, 0), (-1, 0), 180.0), ((1, 0), (0, 0), (1, 1), 45.0)],
)
def test_joint_angle(a, b, c, expected) -> None:
    assert float(joint_angle(np.array(a, float), np.array(b, float), np.array(c, float))) == pytest.approx(expected)


def test_joint_angle_nan_in_nan_out() -> None:
    assert np.isnan(joint_angle(np.array([np.nan, 0.0]), np.zeros(2), np.array([0.0, 1.0])))


def test_lean_sign_follows_the_facing_direction() -> None:
    hip = np.array([0.5, 0.6])
    shoulder_right = np.array([0.55, 0.3])  # shoulders right of the hips (image y is down)
    assert lean_from_vertical(hip, shoulder_right, facing=+1) > 0  # faces right: forward lean
    assert lean_from_vertical(hip, shoulder_right, facing=-1) < 0  # faces left: leaning back
    assert lean_from_vertical(hip, np.array([0.5, 0.3]), facing=1) == pytest.approx(0.0)


def test_landmark_tables() -> None:
    assert len(Landmark) == 33 and len(LEFT_RIGHT_PAIRS) == 16
    perm = mirror_index()
    assert sorted(perm) == list(range(33)) and [perm[p] for p in perm] == list(range(33))
    assert perm[L.LEFT_KNEE] == L.RIGHT_KNEE and perm[L.NOSE] == L.NOSE


def test_bands_and_scores() -> None:
    cue = load_profile().cue("forward_lean").component("trunk_lean")  # good 3..12, fair 0..20
    assert [cue.band(v) for v in (7, 2, 15, -5, 25)] == ["good", "fair", "fair", "poor", "poor"]
    assert cue.score(7) == 100 and 60 <= cue.score(15) < 100 and cue.score(30) < 60
    assert cue.score(-1) < cue.score(1) < cue.score(3)  # monotonic towards the band
    advisory = load_profile().cue("arm_swing").component("arm_leg_phase")
    assert advisory.band(170) == "fair" and advisory.score(170) >= 60  # advisory: never poor


def test_profile_override_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text("[cues.cadence.components.cadence]\ngood = [160.0, 200.0]\n")
    assert load_profile(f).cue("cadence").component("cadence").good == (160.0, 200.0)
    f.write_text("[cues.cadense]\nweight = 1\n")
    with pytest.raises(ConfigError, match="unknown cue 'cadense'"):
        load_profile(f)
    f.write_text("[cues.cadence.components.cadence]\ngoood = [1, 2]\n")
    with pytest.raises(ConfigError, match="goood"):
        load_profile(f)
    f.write_text("[cues.cadence.components.cadense]\ngood = [1, 2]\n")
    with pytest.raises(ConfigError, match="unknown component"):
        load_profile(f)
    f.write_text("[cues.cadence\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile(f)
    f.write_text("[cues.cadence.components.cadence]\ngood = [100.0, 300.0]\n")
    with pytest.raises(ConfigError, match="inside the fair band"):
        load_profile(f)


def test_hysteresis_holds_a_band_until_it_has_lasted() -> None:
    from formcheck.cues import CueHysteresis

    h = CueHysteresis(1.0)
    assert h.update({"cadence": "good"}, 0.0) == [] and "cadence" not in h.shown
    assert h.update({"cadence": "good"}, 1.0) == [(1.0, "cadence", "good")]
    assert h.update({"cadence": "poor"}, 1.5) == []  # a blip
    assert h.update({"cadence": "good"}, 1.7) == [] and h.shown["cadence"] == "good"
    assert h.update({"cadence": "poor"}, 2.0) == []
    assert h.update({"cadence": "poor"}, 3.1) == [(3.1, "cadence", "poor")]  # held for 1.1 s


def _walker(frames: int = 120, fps: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Legs swinging in anti-phase at 1 stride/s, seen side-on."""
    t = np.arange(frames) / fps
    xy = np.full((frames, 33, 2), 0.5)
    swing = 0.12 * np.sin(2 * np.pi * 1.0 * t)
    for side, s in (("LEFT", 1), ("RIGHT", -1)):
        xy[:, L[f"{side}_HIP"]] = (0.5, 0.5)
        xy[:, L[f"{side}_KNEE"], 0] = 0.5 + s * swing / 2
        xy[:, L[f"{side}_KNEE"], 1] = 0.62
        for lm in ("ANKLE", "HEEL", "FOOT_INDEX"):
            xy[:, L[f"{side}_{lm}"], 0] = 0.5 + s * swing
            xy[:, L[f"{side}_{lm}"], 1] = 0.75
    return xy, t


def test_leg_swap_repair_restores_a_swapped_stretch() -> None:
    truth, t = _walker()
    bad = truth.copy()
    perm = mirror_index()
    # The model swaps the legs' labels where they pass each other (every 15 frames here) and
    # keeps the wrong labels for two steps.
    bad[45:75] = bad[45:75][:, perm]
    fixed = repair_leg_swaps(bad, t)
    assert fixed >= 25
    err = np.abs(bad[:, L.LEFT_ANKLE, 0] - truth[:, L.LEFT_ANKLE, 0])
    assert np.mean(err > 0.02) < 0.05


def test_leg_swap_repair_leaves_clean_gait_alone() -> None:
    truth, t = _walker()
    xy = truth.copy()
    assert repair_leg_swaps(xy, t) == 0
    assert np.allclose(xy, truth)
