"""The bad-input catalogue (docs/bad-input.md): every case ends in a clear outcome.

Failures: exit 1, one line `error: <file>: <what is wrong> — <what to do>`, no traceback, no
output folder. Clips that can be analysed despite a problem: exit 0 with a warning that says so.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import ROOT, annotated_size_ok, run_cli, sample

from formcheck.video import VideoSink, read_frames


def _frames(prefix: str = "backward", n: int | None = None) -> list[np.ndarray]:
    out = []
    for _, img in read_frames(sample(prefix), "bgr24"):
        out.append(img)
        if n is not None and len(out) == n:
            break
    return out


def _write(path: Path, frames: list[np.ndarray], fps: float = 30.0, faststart: bool = True) -> Path:
    h, w = frames[0].shape[:2]
    if faststart:
        with VideoSink(path, w, h, fps) as sink:
            for i, f in enumerate(frames):
                sink.write(f, i / fps)
        return path
    with av.open(str(path), "w", format="mp4") as c:  # index (moov) written at the end
        s = c.add_stream("libx264", rate=int(fps))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(f, format="bgr24")))
        c.mux(s.encode(None))
    return path


def _fails(tmp_path: Path, clip: Path, *words: str) -> str:
    out = tmp_path / "out"
    proc = run_cli("analyze", str(clip), "-o", str(out), "--no-video")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {clip}: ") and " — " in lines[0], proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir())
    return lines[0]


def _analyses(tmp_path: Path, clip: Path, *extra: str) -> dict:
    out = tmp_path / "out"
    proc = run_cli("analyze", str(clip), "-o", str(out), *extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads((out / clip.stem / "report.json").read_text())


def test_truncated_mp4_without_index(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.mp4", _frames(n=60), faststart=False)
    cut = tmp_path / "upload.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 6 // 10])
    _fails(tmp_path, cut, "incomplete", "index", "again")


def test_truncated_mp4_with_index_is_analysed_as_far_as_it_goes(tmp_path: Path) -> None:
    data = sample("backward").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    rep = _analyses(tmp_path, cut, "--no-video")
    assert any("could be decoded" in w for w in rep["warnings"])
    assert rep["input"]["frames"] < 135


def test_image_named_mp4(tmp_path: Path) -> None:
    img = tmp_path / "photo.mp4"
    ok, buf = cv2.imencode(".jpg", _frames(n=1)[0])
    img.write_bytes(buf.tobytes())
    _fails(tmp_path, img, "still image")


def test_audio_only(tmp_path: Path) -> None:
    clip = tmp_path / "voice.mp4"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("aac", rate=48000)
        t = np.arange(1024) / 48000
        for k in range(40):
            frame = av.AudioFrame.from_ndarray((0.1 * np.sin(2 * np.pi * 440 * (t + k * 1024 / 48000))).astype(np.float32)[None, :], format="fltp", layout="mono")
            frame.sample_rate = 48000
            frame.pts = k * 1024
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    _fails(tmp_path, clip, "no video stream", "audio")


@pytest.mark.parametrize("kind", ["black", "scenery"])
def test_video_without_a_person(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(0)
    if kind == "black":
        frames = [np.zeros((240, 320, 3), np.uint8) for _ in range(30)]
    else:  # smooth moving texture, no person
        base = cv2.resize(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8), (360, 240), interpolation=cv2.INTER_CUBIC)
        frames = [np.roll(base, 4 * i, axis=1)[:, :320] for i in range(30)]
    _fails(tmp_path, _write(tmp_path / f"{kind}.mp4", frames), "no person", "whole body")


def test_one_frame_video(tmp_path: Path) -> None:
    _fails(tmp_path, _write(tmp_path / "one.mp4", _frames(n=1)), "too short")


def test_too_few_steps_are_analysed_but_not_assessed(tmp_path: Path) -> None:
    rep = _analyses(tmp_path, _write(tmp_path / "short.mp4", _frames(n=30)), "--no-video")
    for cue in rep["cues"]:
        if cue["id"] in ("forward_lean", "core_stability"):
            assert cue["band"] == "not_assessed" and "steps" in cue["reason"] and cue["value"] is None


def test_person_partly_out_of_frame(tmp_path: Path) -> None:
    frames = [f[: int(f.shape[0] * 0.55)] for f in _frames()]  # legs cut off
    rep = _analyses(tmp_path, _write(tmp_path / "cropped.mp4", frames), "--no-video")
    assert rep["movement"]["type"] in ("other", "stationary", "backward_walking")
    leg_cues = [c for c in rep["cues"] if c["id"] in ("cadence", "knee_bend", "stride_length")]
    assert all(c["band"] == "not_assessed" for c in leg_cues)


def test_4k_clip(tmp_path: Path) -> None:
    frames = [cv2.resize(f, (3840, 2160), interpolation=cv2.INTER_LINEAR) for f in _frames("multi_person", n=20)]
    clip = _write(tmp_path / "uhd.mp4", frames)
    rep = _analyses(tmp_path, clip)
    assert (rep["input"]["width"], rep["input"]["height"]) == (3840, 2160)
    with av.open(str(tmp_path / "out" / "uhd" / "annotated.mp4")) as c:
        s = c.streams.video[0]
        # The annotated video is 720p by default (every frame kept) ...
        assert s.codec_context.name == "h264" and annotated_size_ok((s.codec_context.width, s.codec_context.height), (1280, 720))
        assert s.frames == 20
    # ... and as large as asked for.
    _analyses(tmp_path, clip, "--video-max-side", "1920")
    with av.open(str(tmp_path / "out" / "uhd" / "annotated.mp4")) as c:
        s = c.streams.video[0]
        assert annotated_size_ok((s.codec_context.width, s.codec_context.height), (1920, 1080)) and s.frames == 20


def test_damaged_packets_in_the_middle(tmp_path: Path) -> None:
    data = bytearray(sample("backward").read_bytes())
    rng = np.random.default_rng(0)
    for k in range(40):
        i = int(len(data) * 0.45) + k * 97
        data[i : i + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
    clip = tmp_path / "damaged.mp4"
    clip.write_bytes(bytes(data))
    rep = _analyses(tmp_path, clip, "--no-video")
    assert rep["detection"]["damaged_packets"] >= 1
    assert any("damaged" in w for w in rep["warnings"])


def test_variable_frame_rate(tmp_path: Path) -> None:
    frames = _frames(n=90)
    times = np.cumsum([0.0] + [1 / 30 if i % 3 else 1 / 20 for i in range(89)])
    clip = tmp_path / "vfr.mp4"
    with VideoSink(clip, frames[0].shape[1], frames[0].shape[0], 27.0) as sink:
        for t, f in zip(times, frames, strict=True):
            sink.write(f, float(t))
    rep = _analyses(tmp_path, clip)
    assert rep["input"]["frames"] == 90
    assert rep["input"]["duration_s"] == pytest.approx(times[-1] + (times[-1] / 89), abs=0.05)
    with av.open(str(tmp_path / "out" / "vfr" / "annotated.mp4")) as c:
        got = [f.time for f in c.decode(video=0)]
    assert np.allclose(got, times, atol=2e-3)  # the annotated video keeps the true timing


def test_awkward_file_name(tmp_path: Path) -> None:
    clip = tmp_path / "Lauf rückwärts \"Test\" 'ü' <b>.mp4"
    clip.write_bytes(sample("backward").read_bytes())
    rep = _analyses(tmp_path, clip, "--no-video")
    assert rep["input"]["path"] == str(clip)
    html = (tmp_path / "out" / clip.stem / "report.html").read_text()
    assert "<b>.mp4" not in html  # escaped


def test_ctrl_c_leaves_nothing_half_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(sample("multi_person")), "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT, text=True,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # wait until the work is under way
        if out.exists() and any(p.name.startswith(".") for p in out.iterdir()):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the analysis finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("error:") and "interrupted" in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []
