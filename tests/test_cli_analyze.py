"""`formcheck analyze` and `rescore` end to end: real clips, the real model, real processes."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import av
import jsonschema
import pytest
from conftest import ROOT, run_cli, sample
from test_video import write_rotated

from formcheck.report import schema


def _video_facts(path: Path) -> tuple[str, str, int, float, float]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        n = sum(1 for _ in c.decode(s))
        return s.codec_context.name, s.codec_context.pix_fmt, n, float(s.average_rate), float(s.duration * s.time_base)


@pytest.mark.parametrize("prefix", ["backward", "forward"])
def test_analyze_writes_every_output(analysed: dict, prefix: str) -> None:
    out = analysed[prefix]
    assert sorted(p.name for p in out.iterdir()) == [
        "annotated.mp4", "frames.csv", "landmarks.npz", "report.html", "report.json", "strides.csv",
    ]  # fmt: skip
    rep = json.loads((out / "report.json").read_text())
    jsonschema.validate(rep, schema())
    # The real model finds the athlete in (nearly) every frame of a clip where they are in view.
    assert rep["detection"]["coverage"] >= 0.9
    # H.264 with the input's frame count, frame rate and duration.
    codec, pix, frames, fps, duration = _video_facts(out / "annotated.mp4")
    assert (codec, pix) == ("h264", "yuv420p")
    assert frames == rep["input"]["frames"]
    assert fps == pytest.approx(rep["input"]["fps"], rel=0.01)
    assert duration == pytest.approx(rep["input"]["duration_s"], abs=1.5 / fps)
    _, _, in_frames, in_fps, _ = _video_facts(sample(prefix))
    assert frames == in_frames and fps == pytest.approx(in_fps, rel=0.01)
    # frames.csv: one row per frame, landmark columns included.
    with open(out / "frames.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == frames
    assert {"time_s", "pose_detected", "left_knee_x", "left_knee_visibility", "trunk_lean_deg"} <= set(rows[0])
    html = (out / "report.html").read_text()
    assert "<video" in html and "annotated.mp4" in html and rep["overall"]["summary"].split(".")[0] in html


def test_analyze_is_quiet_when_not_a_terminal(analysed: dict) -> None:
    proc = analysed["backward_proc"]
    assert proc.stderr == ""  # no MediaPipe log noise, no progress bar
    assert "results:" in proc.stdout


def test_backwards_clip_is_recognised(analysed: dict) -> None:
    back = json.loads((analysed["backward"] / "report.json").read_text())["movement"]
    fwd = json.loads((analysed["forward"] / "report.json").read_text())["movement"]
    assert back["type"].startswith("backward_") and back["facing"] != back["travel"]
    assert fwd["type"].startswith("forward_") and fwd["facing"] == fwd["travel"]


def test_rescore_reproduces_the_report(analysed: dict, tmp_path: Path) -> None:
    src = analysed["backward"]
    before = (src / "report.json").read_text()
    proc = run_cli("rescore", str(src))
    assert proc.returncode == 0, proc.stderr
    assert (src / "report.json").read_text() == before
    assert (src / "annotated.mp4").exists()


def test_rerun_replaces_results_atomically(tmp_path: Path) -> None:
    clip = sample("backward")
    for extra in ([], ["--no-video"]):
        proc = run_cli("analyze", str(clip), "-o", str(tmp_path), *extra)
        assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == [clip.stem]  # no leftovers
    names = {p.name for p in (tmp_path / clip.stem).iterdir()}
    assert "annotated.mp4" not in names and "report.json" in names  # the second run's set only


def test_rotated_phone_clip_comes_out_upright(tmp_path: Path) -> None:
    clip = tmp_path / "portrait phone.mp4"
    upright = write_rotated(sample("backward"), clip, -90, frames=60)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "portrait phone"
    rep = json.loads((out / "report.json").read_text())
    assert rep["input"]["rotation_deg"] == 90
    assert (rep["input"]["width"], rep["input"]["height"]) == (upright[0].shape[1], upright[0].shape[0])
    assert rep["detection"]["coverage"] >= 0.9
    with av.open(str(out / "annotated.mp4")) as c:
        s = c.streams.video[0]
        # Upright: the clip's width, and its height plus the timeline strip's rows below the picture.
        w, h = s.codec_context.width, s.codec_context.height
        assert w == upright[0].shape[1] and upright[0].shape[0] < h < 1.5 * upright[0].shape[0]


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("notes.mp4", b"not a video at all\n" * 100, "not a video"),
        ("empty.mov", b"", "empty"),
        ("missing.mp4", None, "not found"),
    ],
)
def test_bad_input_one_line_exit_1_no_output(tmp_path: Path, name: str, content: bytes | None, words: str) -> None:
    clip = tmp_path / name
    if content is not None:
        clip.write_bytes(content)
    out = tmp_path / "out"
    proc = run_cli("analyze", str(clip), "-o", str(out))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {clip}: ") and words in lines[0] and " — " in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (out / clip.stem).exists() and not (out.exists() and any(out.iterdir()))


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    clip = tmp_path / "bad.mp4"
    clip.write_bytes(b"garbage" * 100)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "-v")
    assert proc.returncode == 1 and "Traceback" in proc.stderr and proc.stderr.strip().splitlines()[-1].startswith("error:")


@pytest.mark.parametrize("model_bytes, words", [(None, "pose model not found"), (b"PK\x03\x04 corrupt" * 10, "corrupt")])
def test_missing_or_corrupt_model(tmp_path: Path, model_bytes: bytes | None, words: str) -> None:
    model = tmp_path / "pose.task"
    if model_bytes is not None:
        model.write_bytes(model_bytes)
    proc = run_cli("analyze", str(sample("backward")), "-o", str(tmp_path / "o"), "--model", str(model))
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr and "models/README.md" in proc.stderr or "build_model" in proc.stderr


def test_model_from_environment_and_any_directory(tmp_path: Path) -> None:
    env = {"FORMCHECK_MODEL": str(tmp_path / "nope.task")}
    proc = run_cli("analyze", str(sample("backward")), "-o", str(tmp_path / "o"), env=env, cwd=tmp_path)
    assert proc.returncode == 1 and "nope.task" in proc.stderr  # the variable is honoured
    proc = run_cli("analyze", str(sample("backward")), "--no-video", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # default model found from another working directory
    assert (tmp_path / "formcheck-out" / sample("backward").stem / "report.json").exists()


def test_usage_errors_exit_2() -> None:
    assert run_cli("analyze").returncode == 2
    assert run_cli("analyze", "x.mp4", "--bogus").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_unwritable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("analyze", str(sample("backward")), "-o", str(blocker / "sub"), "--no-video")
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert "output folder" in proc.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """With stderr on a terminal, analyze shows a progress bar (and still no native log noise)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(sample("backward")), "-o", str(tmp_path), "--no-video"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, cwd=ROOT,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(master)
    text = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    assert "pose" in text and "fr/s" in text or "%|" in text
    assert "XNNPACK" not in text and "Sparsity" not in text


def test_python_m_and_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and "formcheck" in proc.stdout


def test_analysis_fps_runs_the_model_less_but_keeps_every_frame(tmp_path: Path) -> None:
    """A 60 fps clip analysed at 30 fps: half the frames through the model, all in the outputs."""
    from formcheck.video import VideoSink, read_frames

    clip = tmp_path / "sixty.mp4"
    frames = [img for _, img in read_frames(sample("backward"), "bgr24")][:60]
    h, w = frames[0].shape[:2]
    with VideoSink(clip, w, h, 60.0) as sink:  # each frame twice: a 60 fps file
        for k in range(120):
            sink.write(frames[k // 2], k / 60)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "--analysis-fps", "30")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "sixty"
    rep = json.loads((out / "report.json").read_text())
    assert rep["detection"]["analysis_fps"] == 30.0
    assert rep["detection"]["frames_analysed"] == 60
    assert rep["detection"]["frames_with_pose"] >= 115  # the frames in between were interpolated
    assert _video_facts(out / "annotated.mp4")[2] == 120
    with open(out / "frames.csv", newline="") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 120


def test_frame_widths_with_padded_rows(tmp_path: Path) -> None:
    """854 px wide frames come out of FFmpeg with padded rows; the model must still see them."""
    import cv2

    from formcheck.video import VideoSink, read_frames

    clip = tmp_path / "fwvga.mp4"
    with VideoSink(clip, 854, 254, 30.0) as sink:
        for t, img in read_frames(sample("backward"), "bgr24"):
            sink.write(cv2.resize(img, (854, 254), interpolation=cv2.INTER_AREA), t)
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "--no-video")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads((tmp_path / "out" / "fwvga" / "report.json").read_text())
    assert rep["detection"]["coverage"] >= 0.9
