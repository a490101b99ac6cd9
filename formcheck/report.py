"""Write a report: JSON (versioned schema), HTML for people, and CSV for spreadsheets.

Also what the report needs from the frames: the capture-quality checks (camera angle, distance,
frame rate, lighting, visibility, length) and which frames to show as key moments.
"""

from __future__ import annotations

import base64
import csv
import functools
import json
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
from jinja2 import Environment, Template, select_autoescape

from formcheck.landmarks import Landmark as L
from formcheck.light import LightMeter  # noqa: F401 - part of this module's interface
from formcheck.series import PoseSeries

#: The order of the report's cue cards: what to fix first.
CARD_ORDER = {"poor": 0, "fair": 1, "good": 2, "not_assessed": 3}
#: The open end of a band ("≥ lo") is written as a large number in the profile.
OPEN_END = 999.0


def public(rep: dict) -> dict:
    """The report without in-memory helpers (keys starting with '_')."""
    return {k: v for k, v in rep.items() if not k.startswith("_")}


def schema() -> dict:
    """The report's JSON Schema (formcheck/report.schema.json)."""
    return json.loads(
        resources.files("formcheck").joinpath("report.schema.json").read_text("utf-8")
    )


def write_json(path: Path, rep: dict) -> None:
    """report.json, UTF-8, indented."""
    path.write_text(json.dumps(public(rep), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cue_state_frames(rep: dict, t_s: np.ndarray) -> dict[str, list[str]]:
    """Per-frame state of every cue.

    Inside one of the cue's intervals: that interval's band. Elsewhere: good — except for a cue
    judged on the clip as a whole (a fair or poor band without intervals, e.g. cadence), which
    keeps its band throughout.
    """
    out = {}
    for cue in rep["cues"]:
        band = cue["band"]
        default = (
            band if band == "not_assessed" or (band != "good" and not cue["intervals"]) else "good"
        )
        states = np.full(len(t_s), default, object)
        for f in cue["intervals"]:
            states[(t_s >= f["start_s"]) & (t_s <= f["end_s"])] = f["band"]
        out[cue["id"]] = states.tolist()
    return out


# --- CSV ----------------------------------------------------------------------------------------


def _fmt(v: float | None, nd: int = 2) -> str:
    """A number for a spreadsheet: fixed decimals with a point; empty when missing (never 'nan')."""
    if v is None or isinstance(v, str):
        return "" if v is None else v
    if isinstance(v, bool):
        return "1" if v else "0"
    return "" if not np.isfinite(v) else f"{float(v):.{nd}f}"


def stride_frames(rep: dict, key: str, frames: int) -> np.ndarray:
    """(T,) a stride-table value spread over the frames of its stride; NaN outside strides."""
    out = np.full(frames, np.nan)
    for s in rep.get("gait", {}).get("strides", []):
        a, b, v = s.get("start_frame"), s.get("end_frame"), s.get(key)
        if a is not None and b is not None and v is not None:
            out[a : b + 1] = v
    return out


def write_frames_csv(path: Path, series: PoseSeries, rep: dict) -> None:
    """frames.csv: one row per frame — time, detection, foot contact, per-frame metrics, the
    stride's arm swing, each cue's state, and every landmark's x, y, visibility.

    Plain UTF-8, comma-separated, a point as the decimal mark, empty cells where a value is
    missing: opens as it is in spreadsheets and in pandas.
    """
    n = len(series)
    metrics = dict(rep.get("_frame_metrics", {}))
    metrics["arm_swing_deg"] = stride_frames(rep, "arm_swing_deg", n)
    states = cue_state_frames(rep, series.t_s)
    contact = [""] * n
    for s in rep.get("gait", {}).get("steps", []):
        if s.get("frame") is not None and 0 <= s["frame"] < n:
            contact[s["frame"]] = s["foot"]
    names = [lm.name.lower() for lm in L]
    header = [
        "frame",
        "time_s",
        "pose_detected",
        "foot_contact",
        *metrics,
        *(f"cue_{k}" for k in states),
    ]
    for name in names:
        header += [f"{name}_x", f"{name}_y", f"{name}_visibility"]
    det = series.detected
    # Numbers are formatted a whole row at a time (one printf per row, not one call per cell):
    # 18 000 frames x 115 cells take a second cell by cell.
    cols = list(metrics)
    m_fmt = ",".join("%.3f" if k.endswith("_ratio") else "%.2f" for k in cols)
    m_vals = np.column_stack([np.asarray(metrics[k], float) for k in cols]) if cols else np.zeros((n, 0))
    lm_fmt = ",".join(["%.5f,%.5f,%.3f"] * len(names))
    lm_vals = np.concatenate([series.xy, series.visibility[..., None]], axis=2).reshape(n, -1).astype(float)
    state_cols = [[_cell(v) for v in states[k]] for k in states]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(header)
        for i in range(n):
            parts = [f"{i},{series.t_s[i]:.4f},{int(det[i])},{_cell(contact[i])}"]
            if cols:
                parts.append(_numbers(m_fmt % tuple(m_vals[i])))
            parts += [c[i] for c in state_cols]
            parts.append(_numbers(lm_fmt % tuple(lm_vals[i])))
            f.write(",".join(parts) + "\r\n")


def _numbers(text: str) -> str:
    """Formatted numbers with missing values (NaN, infinities) left empty, as `_fmt` does."""
    if "n" in text:  # 'nan' or 'inf'
        text = ",".join("" if c.endswith(("nan", "inf")) else c for c in text.split(","))
    return text


def _cell(text: str) -> str:
    """A text cell, quoted as the csv module would when it holds a comma, quote or line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_strides_csv(path: Path, rep: dict) -> None:
    """strides.csv: the stride table, one row per stride (same columns as report.json's
    gait.strides; `valid` is 1 or 0). A header row only when no stride was found."""
    rows = rep.get("gait", {}).get("strides", [])
    columns = list(dict.fromkeys(k for r in rows for k in r)) or [
        "stride",
        "foot",
        "start_s",
        "end_s",
        "duration_s",
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(
                [
                    v if isinstance(v, int) and not isinstance(v, bool) else _fmt(v, 3)
                    for v in (r.get(c) for c in columns)
                ]
            )


# --- capture quality ----------------------------------------------------------------------------


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


# --- key frames ---------------------------------------------------------------------------------


def _index(t_s: np.ndarray, time_s: float | None) -> int | None:
    if time_s is None or not len(t_s):
        return None
    return int(np.clip(np.searchsorted(t_s, time_s), 0, len(t_s) - 1))


def _worst_time(cue: dict) -> float | None:
    """The cue's worst moment; else the middle of its longest, worst-banded interval."""
    if cue.get("worst_s") is not None:
        return cue["worst_s"]
    ivs = cue.get("intervals") or []
    if not ivs:
        return None
    worst = max(ivs, key=lambda iv: (iv["band"] == "poor", iv["end_s"] - iv["start_s"]))
    return (worst["start_s"] + worst["end_s"]) / 2


def key_frame_plan(rep: dict, series: PoseSeries) -> dict:
    """The frames the report shows: each assessed cue's worst and best moment, and one whole frame.

    Returns:
        {"hero": index or None, "cues": {cue id: {"worst": index or None, "best": index or None}}}
    """
    t = series.t_s
    det = np.flatnonzero(series.detected)
    hero = int(det[np.argmin(np.abs(det - len(t) // 2))]) if det.size else None
    cues = {}
    for cue in rep["cues"]:
        if cue["band"] == "not_assessed":
            continue
        worst = (
            _index(t, _worst_time(cue))
            if cue["band"] != "good" or cue.get("worst_s") is not None
            else None
        )
        best = _index(t, cue.get("best_s"))
        cues[cue["id"]] = {"worst": worst, "best": best if best != worst else None}
    return {"hero": hero, "cues": cues}


def plan_indices(plan: dict) -> tuple[set[int], set[int]]:
    """(frames to keep cropped to the athlete, frames to keep whole) of a key-frame plan."""
    crop = {i for c in plan["cues"].values() for i in c.values() if i is not None}
    return crop, ({plan["hero"]} if plan["hero"] is not None else set())


# --- HTML ---------------------------------------------------------------------------------------


def _data_uri(data: bytes | None, mime: str) -> str | None:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}" if data else None


def band_bar(value: float | None, good: list[float], fair: list[float]) -> dict | None:
    """Where the fair band, the good band and the value sit on a 0–100 % scale (for a small bar)."""
    if value is None:
        return None
    g_lo, g_hi = good
    f_lo, f_hi = fair
    top = f_hi if f_hi < OPEN_END else max(g_lo * 1.8, g_lo + 1.0)
    lo, hi = min(f_lo, value), max(top, value, g_hi if g_hi < OPEN_END else g_lo)
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad

    def pos(x: float) -> float:
        return round(float(np.clip((min(x, hi) - lo) / (hi - lo) * 100.0, 0.0, 100.0)), 1)

    return {
        "fair": (pos(f_lo), round(pos(min(f_hi, hi)) - pos(f_lo), 1)),
        "good": (pos(g_lo), round(pos(min(g_hi, hi)) - pos(g_lo), 1)),
        "mark": pos(value),
        "open": g_hi >= OPEN_END,
    }


def how_to_record(reason: str | None) -> str:
    """What to film so a not-assessed cue can be assessed, from the reason it was not."""
    tips = []
    for part in (reason or "").lower().split(";"):
        tip = next((t for key, t in _RECORD_ADVICE if key in part), None)
        if tip and tip not in tips:
            tips.append(tip)
    return " ".join(tips) or (
        "Film side-on at hip height, 10–15 s of steady running, the whole body in view, at 60 "
        "fps if possible."
    )


#: (words in a not-assessed reason, what to film instead); the first match wins.
_RECORD_ADVICE = (
    (
        "front or back view",
        (
            "Film a second clip from behind or in front, camera at hip height, the athlete moving "
            "straight away from or towards it."
        ),
    ),
    ("side", "Film side-on: camera at hip height, square to the path, 5–10 m away."),
    ("s of running", "Film a longer stretch: at least 20 s of running."),
    ("standing start", "Start filming before the first step, from standing still."),
    (
        "bands are for running",
        "Run rather than walk (with a flight phase): these bands are for running.",
    ),
    ("travel across", "Film over ground (not on a treadmill), the athlete crossing the frame."),
    ("steps", "Film a longer stretch: at least 10 s of steady movement."),
    ("visibility", "Film closer, in better light, in fitted clothing."),
    (
        "landmarks",
        "Keep the whole body in view, in good light, with nothing in front of the athlete.",
    ),
)


def _cue_view(cue: dict, plan: dict, images: dict, t_s: np.ndarray) -> dict:
    """A cue with what its card needs: bars, key frames, record advice."""
    view = dict(cue)
    view["bar"] = (
        band_bar(cue.get("value"), cue["target"]["good"], cue["target"]["fair"])
        if cue.get("target")
        else None
    )
    parts = [
        {
            **c,
            "bar": band_bar(c.get("value"), c["target"]["good"], c["target"]["fair"]),
            "label": c["id"].replace("_", " "),
        }
        for c in cue.get("components", [])
    ]
    view["parts"] = parts
    view["measured"] = [p for p in parts if p.get("band") != "not_assessed"]
    unmeasured: dict[str, list[str]] = {}
    for p in parts:
        if p.get("band") == "not_assessed" and cue["band"] != "not_assessed":
            unmeasured.setdefault(p.get("reason") or "not measured", []).append(p["label"])
    view["unmeasured"] = list(unmeasured.items())
    moments = plan["cues"].get(cue["id"], {})
    for kind in ("worst", "best"):
        i = moments.get(kind)
        view[f"{kind}_img"] = (
            _data_uri(images.get((i, "crop")), "image/jpeg") if i is not None else None
        )
        view[f"{kind}_t"] = round(float(t_s[i]), 2) if i is not None else None
    view["record"] = how_to_record(cue.get("reason")) if cue["band"] == "not_assessed" else None
    return view


def _band_of(rep: dict, component_id: str) -> dict | None:
    """The target bands of an assessed cue component (or cue) with this id, else None (a band
    that does not apply to the clip, e.g. running bands on a walk, is not drawn)."""
    for cue in rep["cues"]:
        for c in [cue, *cue.get("components", [])]:
            if c.get("id") == component_id and c.get("target") and c.get("band") != "not_assessed":
                return c["target"]
    return None


def plots_for(rep: dict, series: PoseSeries) -> dict[str, str]:
    """The report's plots as PNG data URIs (missing when there is nothing to plot)."""
    from formcheck import plots

    m = rep.get("_frame_metrics", {})
    t = series.t_s
    side = (rep.get("camera_view") or {}).get("near_side") or "left"
    steps = rep.get("gait", {}).get("steps", [])
    made = {
        "trunk": plots.trunk_lean(t, m.get("trunk_lean_deg"), _band_of(rep, "trunk_lean")),
        "knees": plots.knee_flexion(
            t,
            m.get("knee_flexion_left_deg"),
            m.get("knee_flexion_right_deg"),
            steps,
            _band_of(rep, "stance_flexion"),
        ),
        "arm_leg": plots.arm_leg(
            t, m.get(f"shoulder_flexion_{side}_deg"), m.get(f"thigh_angle_{side}_deg"), side
        ),
        "steps": plots.step_times(steps, _band_of(rep, "cadence")),
    }
    return {k: uri for k, v in made.items() if (uri := _data_uri(v, "image/png"))}


def html_context(
    rep: dict, series: PoseSeries | None, images: dict | None, video: bool, plots: dict | None = None
) -> dict:
    """Everything the report template shows; `plots` from `plots_for` if already made."""
    r = public(rep)
    images = images or {}
    t = series.t_s if series is not None else np.zeros(0)
    plan = key_frame_plan(rep, series) if series is not None else {"hero": None, "cues": {}}
    views = [_cue_view(c, plan, images, t) for c in r["cues"]]
    views.sort(
        key=lambda c: (
            CARD_ORDER[c["band"]],
            c["score"] if c["score"] is not None else 0,
            -(c.get("weight") or 0),
            c["id"],
        )
    )
    hero = plan["hero"]
    return {
        "r": r,
        "cues": views,
        "focus": [c for c in views if c["id"] in r["overall"].get("focus", [])],
        "video": "annotated.mp4" if video else None,
        "hero": _data_uri(images.get((hero, "full")), "image/jpeg") if hero is not None else None,
        "plots": plots if plots is not None else (plots_for(rep, series) if series is not None else {}),
        "capture": r.get("capture"),
    }


def write_html(
    path: Path,
    rep: dict,
    video: bool = True,
    *,
    series: PoseSeries | None = None,
    images: dict | None = None,
    plots: dict | None = None,
) -> None:
    """report.html: one self-contained page (plots and key frames embedded as data URIs) with
    the annotated video beside it; prints to PDF cleanly.

    Args:
        path: where to write.
        rep: the report dict (with `_frame_metrics` for the plots).
        video: whether annotated.mp4 sits next to the page.
        series: the cleaned pose series (plots and key-frame times); None leaves them out.
        images: key frames, `KeyFrames.images` ({(frame, "crop" | "full"): JPEG bytes}).
        plots: the plots from `plots_for` when made beforehand (e.g. while the video encodes).
    """
    html = html_template().render(**html_context(rep, series, images, video, plots))
    path.write_text(html, encoding="utf-8")


@functools.cache
def html_template() -> Template:
    """The compiled report page (compiling takes a fifth of a second: done once per process,
    by the pipeline while the model runs)."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["dir"] = lambda d: {"right": "→ right", "left": "← left", "toward_camera": "toward the camera",
                                    "away_from_camera": "away from the camera"}.get(d, d)  # fmt: skip
    env.filters["words"] = lambda s: str(s).replace("_", " ")
    env.filters["num"] = _num
    env.filters["unit"] = _unit
    env.filters["band"] = _band_text
    env.filters["value"] = _value_text
    return env.from_string(resources.files("formcheck").joinpath("templates/report.html").read_text("utf-8"))


def _unit(unit: str | None) -> str:
    """A unit written after a number: ° for degrees, else a space and the unit."""
    return "°" if unit == "deg" else (f" {unit}" if unit else "")


def _value_text(v: float | None, unit: str | None = None) -> str:
    """A measured value with its unit: degrees to 0.1°, other units to 3 significant digits."""
    if v is None:
        return "—"
    return (f"{v:.1f}" if unit == "deg" else f"{v:.3g}") + _unit(unit)


def _band_text(target: dict, unit: str | None = None) -> str:
    """The good band in words: '3–12°', '≥ 2 looks/min'."""
    lo, hi = target["good"]
    return (f"≥ {lo:g}" if hi >= OPEN_END else f"{lo:g}–{hi:g}") + _unit(unit)


def _num(v: float | None, nd: int = 1) -> str:
    """A number for people: fixed decimals, '—' when missing, 'no limit' for an open band end."""
    if v is None:
        return "—"
    if isinstance(v, (int, float)) and v >= OPEN_END:
        return "∞"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)
