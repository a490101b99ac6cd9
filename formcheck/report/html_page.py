"""report.html: what the page shows (cue cards with bars, key frames and advice; plots; capture
quality) and the Jinja template that renders it (formcheck/templates/report.html)."""

from __future__ import annotations

import base64
import functools
from importlib import resources
from pathlib import Path

import numpy as np
from jinja2 import Environment, Template, select_autoescape

from formcheck.report.json_file import public
from formcheck.report.key_frames import key_frame_plan
from formcheck.series import PoseSeries

#: The order of the report's cue cards: what to fix first.
CARD_ORDER = {"poor": 0, "fair": 1, "good": 2, "not_assessed": 3}
#: The open end of a band ("≥ lo") is written as a large number in the profile.
OPEN_END = 999.0


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
    import formcheck.report.plots as plots

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
