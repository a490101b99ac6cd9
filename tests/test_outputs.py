"""What the athlete and the coach get: the overlay's pixels, frames.csv, strides.csv, the report's
key frames and capture section — on the real sample clip analysed by the real model.

The clip is analysed once per session (conftest `analysed`); overlay tests re-run the engine on
its saved landmarks (no model) and draw on real decoded frames at 480p and 4K.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
from pathlib import Path

import cv2
import jsonschema
import numpy as np
import pytest
from conftest import run_cli, sample

from formcheck import engine, report
from formcheck.landmarks import Landmark as L
from formcheck.render import COLOURS, Overlay
from formcheck.series import load_npz
from formcheck.video import read_frames

FRAME = 70  # a frame in the middle of the backward clip


@pytest.fixture(scope="module")
def scored(analysed: dict) -> tuple:
    """(clean series, in-memory report with per-frame metrics) of the analysed backward clip."""
    raw, _, meta = load_npz(analysed["backward"] / "landmarks.npz")
    clean, rep = engine.evaluate(raw, meta, engine.load_profile(meta.get("profile_path")))
    return clean, rep


@pytest.fixture(scope="module")
def source_frame() -> np.ndarray:
    """Frame FRAME of the backward sample clip, as decoded (BGR)."""
    for i, (_, bgr) in enumerate(read_frames(sample("backward"), "bgr24")):
        if i == FRAME:
            return bgr
    raise AssertionError("the sample clip is shorter than expected")


def _diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)


@pytest.mark.parametrize("size", [(854, 480), (3840, 2160)], ids=["480p", "4k"])
def test_overlay_draws_where_expected(
    scored: tuple, source_frame: np.ndarray, size: tuple[int, int]
) -> None:
    clean, rep = scored
    w, h = size
    before = cv2.resize(source_frame, size, interpolation=cv2.INTER_LINEAR)
    after = before.copy()
    overlay = Overlay(clean, rep, w, h)
    overlay.draw(after, FRAME)
    changed = _diff(before, after) > 40
    # Skeleton: pixels change at the landmarks of the near side.
    for lm in (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE):
        x, y = (clean.xy[FRAME, lm] * (w, h)).astype(int)
        r = max(3, h // 150)
        assert changed[y - r : y + r + 1, x - r : x + r + 1].any(), f"nothing drawn at {lm.name}"
    # Timeline strip along the bottom, the width of the frame, failures in red.
    x0, y0, x1, y1 = overlay.strip_rect()
    assert y1 >= h * 0.95 and y0 >= h * 0.7 and x1 - x0 >= w * 0.9
    assert changed[y0:y1, x0:x1].mean() > 0.3
    red = np.array(COLOURS["poor"], np.int16)
    assert (np.abs(after[y0:y1, x0:x1].astype(np.int16) - red).max(axis=2) < 60).mean() > 0.02
    # Heads-up panel in a top corner, clear of the athlete, text large enough to read.
    px0, py0, px1, py1 = overlay.panel_rect(FRAME)
    assert py0 < h * 0.05 and (px0 < w * 0.05 or px1 > w * 0.95)
    assert changed[py0:py1, px0:px1].mean() > 0.3
    bx0, by0, bx1, by1 = overlay.boxes[FRAME]
    assert px1 <= bx0 or px0 >= bx1 or py1 <= by0, "the panel covers the athlete"
    assert overlay.sz.text >= 12 and (py1 - py0) <= 0.5 * h
    # Nothing else is touched: the sky above the athlete, between panel and strip, stays as it was.
    free = np.ones((h, w), bool)
    free[py0:py1, px0:px1] = False
    free[y0 - h // 20 :, :] = False
    free[
        max(0, int(by0) - h // 10) : int(by1) + h // 10,
        max(0, int(bx0) - w // 10) : int(bx1) + w // 10,
    ] = False
    assert changed[free].mean() < 0.001


def test_overlay_scales_with_the_frame(scored: tuple) -> None:
    clean, rep = scored
    small, large = Overlay(clean, rep, 854, 480), Overlay(clean, rep, 3840, 2160)
    ratio = 2160 / 480
    for rect in ("panel_rect", "strip_rect"):
        a = getattr(small, rect)(0) if rect == "panel_rect" else small.strip_rect()
        b = getattr(large, rect)(0) if rect == "panel_rect" else large.strip_rect()
        assert (b[3] - b[1]) == pytest.approx((a[3] - a[1]) * ratio, rel=0.25)
    assert large.sz.line >= 3 * small.sz.line - 2


def test_panel_moves_out_of_the_athletes_way(scored: tuple) -> None:
    """The athlete crosses the whole frame: the panel changes corner and never covers them."""
    clean, rep = scored
    overlay = Overlay(clean, rep, clean.width, clean.height)
    sides = {overlay.panel_rect(i)[0] < clean.width / 2 for i in range(len(clean))}
    assert sides == {True, False}
    covered = 0
    for i in range(len(clean)):
        px0, py0, px1, py1 = overlay.panel_rect(i)
        bx0, by0, bx1, by1 = overlay.boxes[i]
        covered += not (px1 <= bx0 or px0 >= bx1 or py1 <= by0 or py0 >= by1)
    assert covered <= 0.05 * len(clean)


def test_annotated_video_has_the_overlay(analysed: dict) -> None:
    out = analysed["backward"]
    frames = {}
    for name, path in (("src", sample("backward")), ("out", out / "annotated.mp4")):
        for i, (_, bgr) in enumerate(read_frames(path, "bgr24")):
            if i == FRAME:
                frames[name] = bgr
                break
    src, out = frames["src"], frames["out"]
    h, w = src.shape[:2]
    # The timeline strip is on rows added below the picture (even: 4:2:0 video), not over it.
    assert out.shape[1] == w and out.shape[0] > h and out.shape[0] % 2 == 0
    changed = _diff(src, out[:h]) > 40
    below = out[h:]
    assert (_diff(below, np.broadcast_to(below[-1, -1], below.shape)) > 40).mean() > 0.2  # the strip
    assert changed[int(h * 0.8) :].mean() < 0.05  # the feet are not covered
    assert changed[: int(h * 0.3)].mean() > 0.05  # the panel
    assert changed.mean() < 0.5  # not a repainted frame: the picture is still there


def test_frames_csv_opens_in_a_spreadsheet(analysed: dict) -> None:
    out = analysed["backward"]
    text = (out / "frames.csv").read_bytes().decode("utf-8")  # plain UTF-8
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    assert not {v.lower() for r in body for v in r} & {"nan", "inf", "-inf", "none", "null"}
    rep = json.loads((out / "report.json").read_text())
    assert len(body) == rep["input"]["frames"] and all(len(r) == len(header) for r in body)
    wanted = {"trunk_lean_deg", "arm_swing_deg", "foot_contact"}
    wanted |= {f"{j}_flexion_{side}_deg" for j in ("knee", "elbow") for side in ("left", "right")}
    assert wanted <= set(header)
    assert {f"cue_{c['id']}" for c in rep["cues"]} <= set(header)
    numeric = [
        k
        for k, name in enumerate(header)
        if name.endswith(("_deg", "_x", "_y", "_visibility", "_s"))
    ]
    for r in body:
        for k in numeric:
            if r[k]:
                float(r[k])  # a point as the decimal mark, nothing else in the cell
    lean = np.array(
        [
            float(r[header.index("trunk_lean_deg")])
            for r in body
            if r[header.index("trunk_lean_deg")]
        ]
    )
    assert len(lean) >= 0.9 * len(body) and np.abs(lean).max() < 60
    contacts = [r[header.index("foot_contact")] for r in body if r[header.index("foot_contact")]]
    assert len(contacts) == rep["gait"]["step_count"] and set(contacts) <= {"left", "right"}


def test_strides_csv_matches_the_report(analysed: dict) -> None:
    out = analysed["backward"]
    rep = json.loads((out / "report.json").read_text())
    with open(out / "strides.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    table = rep["gait"]["strides"]
    assert len(rows) == len(table) >= 2
    for row, stride in zip(rows, table, strict=True):
        assert int(row["stride"]) == stride["stride"] and row["foot"] == stride["foot"]
        assert float(row["duration_s"]) == pytest.approx(stride["duration_s"], abs=1e-3)
        assert row["valid"] in ("0", "1")
        assert all(v.lower() not in ("nan", "none", "null") for v in row.values())


def test_report_json_has_the_capture_section(analysed: dict) -> None:
    rep = json.loads((analysed["backward"] / "report.json").read_text())
    jsonschema.validate(rep, report.schema())
    items = {it["id"]: it for it in rep["capture"]["items"]}
    assert set(items) == {
        "camera_angle",
        "distance",
        "frame_rate",
        "lighting",
        "visibility",
        "length",
    }
    assert items["camera_angle"]["status"] == "good"  # filmed side-on
    assert (
        items["frame_rate"]["status"] == "fair" and "60 fps" in items["frame_rate"]["advice"]
    )  # 30 fps
    light = rep["capture"]["lighting"]
    assert (
        light["frames_measured"] == rep["input"]["frames"] and 60 < light["mean_brightness"] < 200
    )  # daylight
    assert 0.4 < rep["capture"]["athlete_height_frac"] < 1.0
    assert all(it["advice"] and it["why"] for it in items.values())


def test_report_embeds_key_frames_with_the_overlay(analysed: dict) -> None:
    html = (analysed["backward"] / "report.html").read_text()
    rep = json.loads((analysed["backward"] / "report.json").read_text())
    jpegs = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
    assessed = [c for c in rep["cues"] if c["band"] != "not_assessed"]
    assert len(jpegs) >= len(assessed)
    img = cv2.imdecode(np.frombuffer(base64.b64decode(jpegs[0]), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and min(img.shape[:2]) >= 80
    assert (
        len(re.findall(r'src="data:image/png;base64,', html)) >= 3
    )  # trunk, knees, arm-leg, steps
    assert "http://" not in html and "https://" not in html  # opens offline
    for cue in rep["cues"]:
        assert f'id="cue-{cue["id"]}"' in html


def test_rescore_keeps_every_output(analysed: dict, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(analysed["backward"], out)
    before = json.loads((out / "report.json").read_text())
    proc = run_cli("rescore", str(out))
    assert proc.returncode == 0, proc.stderr
    after = json.loads((out / "report.json").read_text())
    assert after["capture"] == before["capture"]
    assert (out / "strides.csv").read_text() == (analysed["backward"] / "strides.csv").read_text()
    assert len(re.findall(r"data:image/jpeg;base64,", (out / "report.html").read_text())) >= 3


def test_band_bar_places_value_and_bands() -> None:
    bar = report.band_bar(8.0, [3.0, 12.0], [0.0, 20.0])
    assert bar["fair"][0] <= bar["good"][0] <= bar["mark"] <= bar["good"][0] + bar["good"][1]
    below = report.band_bar(-9.0, [3.0, 12.0], [0.0, 20.0])
    assert below["mark"] < below["fair"][0]
    open_end = report.band_bar(3.0, [2.0, 1000.0], [1.0, 1000.0])  # "2 or more"
    assert (
        open_end["open"]
        and 0 < open_end["mark"] < 100
        and open_end["good"][0] + open_end["good"][1] <= 100
    )


def test_light_meter_reads_brightness() -> None:
    meter = report.LightMeter()
    meter.add(np.zeros((480, 640, 3), np.uint8))
    meter.add(np.full((480, 640, 3), 200, np.uint8))
    got = meter.to_dict()
    assert (
        got["frames_measured"] == 2
        and got["mean_brightness"] == pytest.approx(100, abs=1)
        and got["min_brightness"] < 1
    )
    assert report.LightMeter().to_dict() == {"frames_measured": 0}


def test_a_clip_level_cue_keeps_its_band_in_every_frame() -> None:
    rep = {"cues": [
        {"id": "cadence", "band": "poor", "intervals": []},
        {"id": "forward_lean", "band": "poor",
         "intervals": [{"start_s": 1.0, "end_s": 2.0, "band": "fair"}]},
        {"id": "knee_bend", "band": "not_assessed", "intervals": []},
    ]}  # fmt: skip
    states = report.cue_state_frames(rep, np.array([0.5, 1.5, 2.5]))
    assert states == {
        "cadence": ["poor"] * 3,
        "forward_lean": ["good", "fair", "good"],
        "knee_bend": ["not_assessed"] * 3,
    }


def _jpegs(page: Path) -> list[np.ndarray]:
    """The JPEG key frames a report page embeds, decoded (BGR), in page order."""
    found = re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", page.read_text())
    return [cv2.imdecode(np.frombuffer(base64.b64decode(b), np.uint8), cv2.IMREAD_COLOR) for b in found]


def test_rescore_cuts_key_frames_from_a_video_of_any_size(tmp_path: Path) -> None:
    """With the original clip gone, rescore takes the key frames from annotated.mp4, cutting the
    athlete's crops from its picture whatever `--video-max-side` it was made at (here half the
    clip's size, the timeline strip's rows below): the same pictures as analyze kept."""
    clip = tmp_path / "walk.mp4"
    shutil.copy(sample("backward"), clip)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "--video-max-side", "480")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "walk"
    before = _jpegs(out / "report.html")
    clip.unlink()
    proc = run_cli("rescore", str(out))
    assert proc.returncode == 0, proc.stderr
    after = _jpegs(out / "report.html")
    assert len(before) >= 3 and len(after) == len(before)
    for a, b in zip(before, after, strict=True):
        assert a.shape == b.shape
        assert float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) < 12.0  # codec noise only
