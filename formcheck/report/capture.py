"""Capture quality: how well the clip was filmed (camera angle, distance, frame rate, lighting,
visibility, length) and what to change when re-recording."""

from __future__ import annotations

import warnings

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.series import PoseSeries


#: Each capture check: its title, and why it matters (shown with the advice).
_CHECKS = {
    "camera_angle": (
        "Camera angle",
        "Trunk lean, knee bend, arm swing and stride length are angles in the plane of travel: "
        "only a side view shows them without foreshortening.",
    ),
    "distance": (
        "Distance",
        "The pose model finds joints to a few pixels: the larger the athlete in the picture, the "
        "smaller that error is in degrees; joints outside the frame are guessed, not measured.",
    ),
    "frame_rate": (
        "Frame rate",
        "A running step lasts about a third of a second: at 30 fps that is only ~10 frames, so "
        "foot contacts and peak angles can fall between frames.",
    ),
    "lighting": (
        "Lighting",
        "In dim light the camera lengthens its exposure: limbs blur and the pose model loses "
        "them. Back light hides the body in shadow.",
    ),
    "visibility": (
        "Visibility",
        "Joints hidden by loose clothing, other people or objects are guessed by the model and "
        "make the angles less reliable.",
    ),
    "length": (
        "Clip length",
        "Per-stride cues use the median over several strides, so one odd stride does not decide "
        "the result.",
    ),
}
_SIDE_ON = "Film side-on, at hip height, square to the path, with the whole body in view."


def _item(id_: str, status: str, value: str, advice: str) -> dict:
    title, why = _CHECKS[id_]
    return {
        "id": id_,
        "title": title,
        "status": status,
        "value": value,
        "advice": advice,
        "why": why,
    }


def _camera_item(rep: dict) -> dict:
    view = (rep.get("camera_view") or {}).get("view", "unknown")
    if view == "side":
        tip = "Keep filming side-on; for pelvic drop and foot width add a clip filmed from behind."
        return _item("camera_angle", "good", "side-on", tip)
    if view == "oblique":
        tip = (
            "Put the camera square to the path (at 90° to the direction of travel), at hip height."
        )
        return _item("camera_angle", "fair", "at an angle", tip)
    if view in ("front", "back"):
        tip = "Good for pelvic drop and foot width; film a second clip side-on for the other cues."
        return _item("camera_angle", "fair", f"from the {view}", tip)
    return _item("camera_angle", "poor", "unknown", _SIDE_ON)


def athlete_height(series: PoseSeries) -> tuple[float | None, float]:
    """(median athlete height as a fraction of the frame height, fraction of frames with the head
    or feet outside the frame)."""
    xy = series.xy[series.detected]
    if not len(xy):
        return None, 0.0
    head = xy[:, [L.NOSE, L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EAR, L.RIGHT_EAR], 1]
    feet = xy[:, [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame without any head landmark
        height = (np.nanmax(feet, axis=1) - np.nanmin(head, axis=1)) * 1.12  # crown above eyes
    ends = xy[:, [L.NOSE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]]
    with np.errstate(invalid="ignore"):
        out = ((ends < 0) | (ends > 1)).any(axis=(1, 2))
    ok = np.isfinite(height)
    return (float(np.median(height[ok])) if ok.any() else None), float(out.mean())


def _distance_item(series: PoseSeries) -> dict:
    frac, cut = athlete_height(series)
    if frac is None:
        return _item("distance", "poor", "no athlete found", _SIDE_ON)
    value = f"athlete {frac:.0%} of the frame height"
    if cut >= 0.05:
        value += f"; head or feet out of the frame in {cut:.0%} of frames"
    if cut >= 0.15 or frac > 0.95:
        tip = "Step back or zoom out so the head and feet stay in the frame throughout."
        return _item("distance", "fair" if cut < 0.4 else "poor", value, tip)
    if frac >= 0.45:
        return _item(
            "distance", "good", value, "Keep this distance: the athlete is large and whole."
        )
    if frac >= 0.3:
        tip = "Move closer or zoom in until the athlete fills about two thirds of the frame height."
        return _item("distance", "fair", value, tip)
    tip = "Move much closer or zoom in: the athlete fills under a third of the frame height."
    return _item("distance", "poor", value, tip)


def _frame_rate_item(rep: dict) -> dict:
    fps = float(rep["input"]["fps"])
    value = f"{fps:.0f} fps"
    if fps >= 50:
        return _item("frame_rate", "good", value, "Keep filming at 60 fps or more.")
    if fps >= 29:
        tip = "Film at 60 fps (or 120 fps slow motion) if the phone offers it."
        return _item("frame_rate", "fair", value, tip)
    return _item(
        "frame_rate", "poor", value, "Film at 60 fps; below 30 fps fast movements are missed."
    )


#: (status, advice) by brightness: the first row whose limit the mean brightness is below.
_LIGHT = (
    (
        50.0,
        "poor",
        "Far too dark: film in daylight or add light, with the light behind the camera.",
    ),
    (85.0, "fair", "A little dark: more light gives sharper limbs."),
    (210.0, "good", "Keep this light."),
    (256.0, "fair", "Overexposed: avoid filming into the sun or against a bright sky."),
)


def _lighting_item(measured: dict | None) -> dict:
    if not measured or not measured.get("frames_measured"):
        tip = "Film in even daylight or a bright room, with the light behind the camera."
        return _item("lighting", "not_measured", "not measured", tip)
    b, c = measured["mean_brightness"], measured.get("mean_contrast", 50.0)
    value = f"brightness {b:.0f} / 255, contrast {c:.0f}"
    status, tip = next((st, tip) for limit, st, tip in _LIGHT if b < limit)
    if status == "good" and c < 25:
        status, tip = (
            "fair",
            "Flat, low-contrast picture: wear clothes that stand out from the background.",
        )
    return _item("lighting", status, value, tip)


def _visibility_item(rep: dict) -> dict:
    det = rep.get("detection", {})
    vis, cov = float(det.get("mean_visibility") or 0.0), float(det.get("coverage") or 0.0)
    value = f"joints visible {vis:.2f} (0–1); athlete found in {cov:.0%} of frames"
    if vis >= 0.8 and cov >= 0.95:
        return _item("visibility", "good", value, "Nothing to change.")
    if vis >= 0.6 and cov >= 0.8:
        tip = "Wear fitted clothing; keep the path between the camera and the athlete clear."
        return _item("visibility", "fair", value, tip)
    tip = "Film closer in good light and fitted clothing, nothing between camera and athlete."
    return _item("visibility", "poor", value, tip)


def _length_item(rep: dict) -> dict:
    steps = int(rep.get("gait", {}).get("step_count", 0) or 0)
    value = f"{float(rep['input'].get('duration_s') or 0.0):.1f} s, {steps} steps"
    if steps >= 12:
        return _item("length", "good", value, "Long enough.")
    if steps >= 6:
        return _item("length", "fair", value, "Film 10–15 s of steady movement (12 steps or more).")
    return _item("length", "poor", value, "Film at least 10 s of steady movement: too few steps.")


def capture_quality(rep: dict, series: PoseSeries, measured: dict | None) -> dict:
    """How well the clip was filmed, and what to change when re-recording.

    Args:
        rep: the report (input, detection, camera_view, gait).
        series: the cleaned pose series (for how large the athlete is in the frame).
        measured: `LightMeter.to_dict()` from the frames, or None when no frame was measured.

    Returns:
        {"items": [{id, title, status, value, advice, why}], "athlete_height_frac",
        "out_of_frame_frac", "lighting"}; status is good / fair / poor / not_measured.
    """
    frac, cut = athlete_height(series)
    items = [
        _camera_item(rep),
        _distance_item(series),
        _frame_rate_item(rep),
        _lighting_item(measured),
        _visibility_item(rep),
        _length_item(rep),
    ]
    return {
        "items": items,
        "athlete_height_frac": None if frac is None else round(frac, 3),
        "out_of_frame_frac": round(cut, 3),
        "lighting": dict(measured or {}),
    }
