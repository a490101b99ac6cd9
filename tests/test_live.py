"""`formcheck live`: a real sample clip played as the camera, the real model, real H.264.

The sessions run headless: `HeadlessDisplay` is the display interface the loop talks to (it
shows nothing and returns keys from a script), so pause, record, snapshot and quit go through
the same code as keys typed in the window. One test drives the real OpenCV window on a virtual
X server with real key presses, where Xvfb and xdotool are installed.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import av
import cv2
import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, run_cli, sample
from test_camera import _follow_walker

from formcheck import live
from formcheck.cli import cli
from formcheck.cues import CueHysteresis
from formcheck.filters import OneEuroFilter, OneEuroOptions
from formcheck.report import schema
from formcheck.video import read_frames

CLIP = sample("backward")  # 4.5 s, 135 frames, 30 fps


def _frames() -> list[np.ndarray]:
    return [bgr for _, bgr in read_frames(CLIP, "bgr24")]


def _video_facts(path: Path) -> tuple[str, str, int, float]:
    """codec, pixel format, decoded frame count, duration (s) of a video file."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        n = sum(1 for _ in c.decode(s))
        return s.codec_context.name, s.codec_context.pix_fmt, n, float(s.duration * s.time_base)


@pytest.fixture(scope="module")
def session(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[live.LiveResult, live.HeadlessDisplay, Path]:
    """The whole clip as the camera, every frame processed, recorded and reported."""
    out = tmp_path_factory.mktemp("live")
    options = live.LiveOptions(
        source=str(CLIP),
        as_fast_as_possible=True,
        record_path=out / "session.mp4",
        report_dir=out / "reports",
    )
    display = live.HeadlessDisplay()
    return live.run(options, display), display, out


def test_every_frame_is_processed_and_shown_with_the_overlay(session: tuple) -> None:
    result, display, _ = session
    frames = _frames()
    assert result.errors == []
    assert result.end == "end of source"
    assert result.frames_processed == result.frames_captured == display.ticks == len(frames) == 135
    assert result.frames_dropped == 0
    assert result.frames_with_pose >= 0.9 * len(frames)
    assert result.latency_ms.shape == (135,) and (result.latency_ms > 0).all()
    # What was shown is the last frame, not mirrored (a file), with the overlay drawn on it.
    shown, raw = display.last.astype(int), frames[-1].astype(int)
    assert shown.shape == raw.shape
    changed = np.abs(shown - raw).max(axis=2) > 40
    assert 0.01 < changed.mean() < 0.5
    assert np.median(np.abs(shown - raw)) == 0


def test_cue_bands_update_as_the_clip_goes_on(session: tuple) -> None:
    result, _, _ = session
    hold_s = live.LiveOptions().hold_s
    assert result.evaluations >= 5
    assessed = [(t, cue, band) for t, cue, band in result.status_changes if band != "not_assessed"]
    assert len({cue for _, cue, _ in assessed}) >= 2
    # Nothing is shown before the window is long enough to score and the band has held.
    assert min(t for t, _, _ in result.status_changes) >= 1.5 + hold_s - 1e-6
    # Hysteresis: a cue's shown band never changes twice within the hold time.
    times = defaultdict(list)
    for t, cue, _ in result.status_changes:
        times[cue].append(t)
    for ts in times.values():
        assert all(b - a >= hold_s - 1e-6 for a, b in itertools.pairwise(ts))


def test_recording_is_h264_with_every_frame(session: tuple) -> None:
    result, _, out = session
    assert result.recording == out / "session.mp4"
    assert result.recorded_frames == 135
    codec, pix, n, duration = _video_facts(result.recording)
    assert (codec, pix, n) == ("h264", "yuv420p", 135)
    assert duration == pytest.approx(4.5, abs=0.05)
    # It plays: every frame decodes, upright, at the clip's size.
    decoded = list(read_frames(result.recording, "bgr24"))
    assert len(decoded) == 135 and decoded[0][1].shape == _frames()[0].shape
    assert not [p for p in out.iterdir() if "partial" in p.name]


def test_report_of_the_recorded_session_is_the_analyze_report(session: tuple) -> None:
    result, _, out = session
    folder = out / "reports" / "session"
    assert result.report is not None and result.report.out_dir == folder
    for name in ("annotated.mp4", "report.json", "report.html", "frames.csv", "landmarks.npz"):
        assert (folder / name).is_file(), name
    rep = json.loads((folder / "report.json").read_text())
    jsonschema.validate(rep, schema())
    assert rep["input"]["path"] == str(result.recording)
    assert rep["input"]["frames"] == 135
    assert rep["detection"]["coverage"] >= 0.9
    assert _video_facts(folder / "annotated.mp4")[:3] == ("h264", "yuv420p", 135)


def test_a_camera_following_the_athlete_is_seen_live(session: tuple, tmp_path: Path, analysed: dict[str, Path]) -> None:
    """The live window measures the camera's motion as analyze does: a phone following the
    walker (the background sliding by) is 'panning' or 'following' and the walker still walks
    forwards; the tripod clip of the session is 'static'."""
    clip = tmp_path / "followed.mp4"
    _follow_walker(sample("forward"), analysed["forward"] / "landmarks.npz", clip)
    result = live.run(live.LiveOptions(source=str(clip), as_fast_as_possible=True), live.HeadlessDisplay())
    assert result.camera in ("panning", "following"), result
    assert result.movement == "forward_walking", result
    still, _, _ = session
    assert still.camera == "static" and still.movement == "backward_walking", still


def test_keys_pause_record_snapshot_and_quit_through_the_display(tmp_path: Path) -> None:
    # show() call number -> key: record off and on, pause for 5 calls, snapshot, quit.
    keys = {5: "r", 15: "r", 25: "space", 30: "space", 40: "s", 60: "q"}
    display = live.HeadlessDisplay(keys)
    options = live.LiveOptions(
        source=str(CLIP), as_fast_as_possible=True, mirror=True, record_path=tmp_path / "keys.mp4"
    )
    result = live.run(options, display)
    assert result.errors == []
    assert result.end == "quit"
    assert display.ticks == 61
    # Calls 26–30 showed the paused picture: no frame was taken meanwhile (none dropped either).
    assert result.frames_processed == 56 and result.frames_dropped == 0
    # Recorded: frames 0–5 (r at call 5), then 16–55 (r again at call 15; the pause recorded nothing).
    assert result.recorded_frames == 46
    codec, _, n, duration = _video_facts(tmp_path / "keys.mp4")
    assert (codec, n) == ("h264", 46)
    assert duration == pytest.approx(46 / 30, abs=0.05)  # no frozen stretch for the breaks
    frames = _frames()
    first = next(read_frames(tmp_path / "keys.mp4", "bgr24"))[1].astype(int)
    assert (
        np.abs(first - frames[0]).mean() < np.abs(first - frames[0][:, ::-1]).mean()
    )  # unmirrored
    # The snapshot is the picture shown at call 40 (frame 35): mirrored, with the overlay.
    assert result.snapshots == [tmp_path / "keys-snapshot-001.png"]
    snap = cv2.imread(str(result.snapshots[0])).astype(int)
    assert snap.shape == frames[35].shape
    assert np.median(np.abs(snap - frames[35][:, ::-1])) == 0
    assert np.median(np.abs(snap - frames[35])) > 5


def test_real_time_playback_keeps_pace_and_accounts_for_every_frame() -> None:
    proc = run_cli("live", "--source", str(CLIP), "--headless", "--max-seconds", "2", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # MediaPipe's native log is hidden without -v
    pattern = (
        r"live: (\d+) frames shown of (\d+) captured \((\d+) dropped\) in ([\d.]+) s \([\d.]+ frames/s\); "
        r"latency median \d+ ms, p95 \d+ ms; ended: max seconds"
    )
    m = re.match(pattern, proc.stdout)
    assert m, proc.stdout
    shown, captured, dropped, elapsed = int(m[1]), int(m[2]), int(m[3]), float(m[4])
    # Paced by the file's timestamps: 2 s of it took at least 2 s, not as fast as possible ...
    assert elapsed >= 1.9
    assert captured <= 30 * elapsed + 2
    # ... and every frame captured was shown or dropped (one may be left in the buffer at the end).
    assert shown > 0 and captured - 1 <= shown + dropped <= captured


def test_network_stream_over_http(tmp_path: Path) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SAMPLES))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{CLIP.name}"
        result = live.run(
            live.LiveOptions(source=url, as_fast_as_possible=True, max_seconds=1.0),
            live.HeadlessDisplay(),
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.end == "max seconds"
    assert result.frames_processed == 31 and result.frames_with_pose >= 25


def test_missing_camera_is_one_clear_line() -> None:
    found, _ = live.available_cameras()
    index = next(i for i in range(9, -1, -1) if i not in found)
    start = time.monotonic()
    proc = run_cli("live", "--camera", str(index), "--headless", timeout=60)
    assert time.monotonic() - start < 30
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: camera {index}: no camera at index {index} — ")
    if found:
        assert f"cameras answer on {', '.join(map(str, found))}" in lines[0]
    else:
        assert (
            "no other camera answers (indices 0–9)" in lines[0]
            and "--source FILE_OR_URL" in lines[0]
        )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["--source", str(CLIP)],
            {"DISPLAY": "", "WAYLAND_DISPLAY": ""},
            "there is no screen to show the live window",
        ),
        (["--source", "http://127.0.0.1:9/none.mp4", "--headless"], {}, "cannot play the stream"),
        (
            ["--source", str(CLIP), "--headless", "--record", "/nonexistent/dir/x.mp4"],
            {},
            "the folder for the recording does not exist",
        ),
    ],
)
def test_bad_setups_are_one_line(args: list[str], env: dict, expected: str) -> None:
    proc = run_cli("live", *args, env=env, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert expected in lines[0]


def test_usage_errors() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["live", "--camera", "0", "--source", str(CLIP)])
    assert res.exit_code == 2 and "either --camera or --source" in res.output
    res = runner.invoke(cli, ["live", "--as-fast-as-possible"])
    assert res.exit_code == 2 and "--as-fast-as-possible plays a --source file" in res.output


@pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (apt install xvfb xdotool)",
)
def test_window_with_real_key_presses(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        display = f":{os.read(read_fd, 16).decode().strip()}"
        env = {**os.environ, "DISPLAY": display}
        cmd = [
            sys.executable,
            "-m",
            "formcheck",
            "live",
            "--source",
            str(CLIP),
            "--record",
            str(tmp_path / "w.mp4"),
        ]
        app = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            _wait_for(lambda: list(tmp_path.glob(".w.partial-*")), "the first recorded frame")
            window = subprocess.run(
                ["xdotool", "search", "--name", "formcheck live"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
            subprocess.run(
                ["xdotool", "key", "--window", window, "s"],
                env=env,
                capture_output=True,
                check=True,
            )
            _wait_for(lambda: list(tmp_path.glob("*.png")), "the snapshot")
            subprocess.run(
                ["xdotool", "key", "--window", window, "q"],
                env=env,
                capture_output=True,
                check=True,
            )
            out, err = app.communicate(timeout=60)
        finally:
            if app.poll() is None:
                app.kill()
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
        os.close(read_fd)
    assert app.returncode == 0, err
    assert "ended: quit" in out
    assert (tmp_path / "w-snapshot-001.png").is_file() and (tmp_path / "w.mp4").is_file()


def _wait_for(found, what: str, timeout_s: float = 60.0) -> None:
    end = time.monotonic() + timeout_s
    while not found():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


# --- the parts, on their own ----------------------------------------------------------------------


def test_newest_frame_buffer_drops_old_frames_and_never_queues() -> None:
    slot = live.LatestFrame()
    for i in range(3):
        assert slot.put(live.Frame(i, i / 30, np.zeros((2, 2, 3), np.uint8), time.perf_counter()))
    assert slot.get(0.01).index == 2
    assert (slot.captured, slot.dropped) == (3, 2)
    assert slot.get(0.01) is None and not slot.ended
    slot.close()
    assert slot.ended and not slot.put(live.Frame(3, 0.1, np.zeros((2, 2, 3), np.uint8), 0.0))


def test_lossless_buffer_hands_over_every_frame_in_order() -> None:
    slot = live.LatestFrame(lossless=True)

    def produce() -> None:
        for i in range(50):
            slot.put(live.Frame(i, i / 30, np.zeros((2, 2, 3), np.uint8), time.perf_counter()))
        slot.close()

    threading.Thread(target=produce, daemon=True).start()
    got = []
    while not slot.ended:
        frame = slot.get(0.5)
        if frame is not None:
            got.append(frame.index)
    assert got == list(range(50)) and slot.dropped == 0


def test_hysteresis_ignores_flicker_and_follows_held_changes() -> None:
    h = CueHysteresis(hold_s=1.0)
    script = ["poor"] * 5 + ["good"] + ["poor"] * 2 + ["good"] * 6  # one band every 0.25 s
    shown = []
    for k, band in enumerate(script):
        h.update({"trunk": band}, k * 0.25)
        shown.append(h.shown.get("trunk", "not_assessed"))
    # poor, first seen at 0 s, shows from 1 s; the one-off good at 1.25 s never shows;
    # good, from 2 s on, shows once it has held 1 s.
    assert shown == ["not_assessed"] * 4 + ["poor"] * 8 + ["good"] * 2


def test_one_euro_filter_smooths_jitter_and_follows_motion() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(300) / 30.0
    still = 0.5 + rng.normal(0, 0.004, (300, 1, 2))
    f = OneEuroFilter()
    out = np.array([f(still[i], t[i]) for i in range(300)])
    assert out[30:].std() < 0.4 * still[30:].std()
    # A point moving at 1 frame/s: the speed-adaptive cutoff lags far less than a fixed one.
    moving = np.stack([t, np.full_like(t, 0.5)], axis=1)[:, None, :]
    lag = {}
    for beta in (0.0, 16.0):
        f = OneEuroFilter(OneEuroOptions(beta_s=beta))
        lag[beta] = np.abs(
            np.array([f(moving[i], t[i]) for i in range(300)])[150:, 0, 0] - t[150:]
        ).mean()
    assert lag[16.0] < 0.25 * lag[0.0]


def test_one_euro_filter_is_per_point_and_restarts_after_a_gap() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(60) / 30.0
    x = rng.normal(0.5, 0.01, (60, 33, 2))
    together = OneEuroFilter()
    alone = [OneEuroFilter() for _ in range(33)]
    for i in range(60):
        both = together(x[i], t[i])
        for j in range(33):
            np.testing.assert_allclose(both[j], alone[j](x[i, j : j + 1], t[i])[0])
    f = OneEuroFilter()
    f(np.array([[0.2, 0.2]]), 0.0)
    assert np.isnan(f(np.array([[np.nan, np.nan]]), 0.033)).all()
    assert f(np.array([[0.8, 0.8]]), 0.066).tolist() == [[0.8, 0.8]]  # no drag from 0.2
