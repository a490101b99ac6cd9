"""Pass 1 on every core: halves tracked side by side, shrunk model frames, the capped video size.

All with the real model and real clips.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import pipeline, tracking
from formcheck.pipeline import AnalyzeOptions, analyze
from formcheck.pose import find_model
from formcheck.video import Cut, DecodeStats, VideoSink, find_cut, fit_size, probe, read_frames
from conftest import annotated_size_ok, sample


def test_second_reader_starts_mid_clip_with_the_same_frames_and_times() -> None:
    clip = sample("backward")
    full = [(t, img) for t, img in read_frames(clip, "rgb24")]
    late = [(t, img) for t, img in read_frames(clip, "rgb24", first_frame=50)]
    assert len(late) == len(full) - 50
    assert [t for t, _ in late] == [t for t, _ in full[50:]]
    assert np.array_equal(late[0][1], full[50][1])


def _reencode(src: Path, dest: Path, codec: str, options: dict, vfr: bool = False) -> Path:
    """`src` encoded again with `codec` and a key frame every second or so (as phones write
    them); `vfr`: every third frame shown 1.5 times as long (variable frame rate)."""
    from fractions import Fraction

    import av

    with av.open(str(dest), "w") as out:
        stream = out.add_stream(codec, rate=30)
        info = probe(src)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, "yuv420p"
        stream.time_base = Fraction(1, 90000)
        stream.options = options
        pts = 0
        for n, (_, img) in enumerate(read_frames(src, "rgb24")):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = pts, stream.time_base
            pts += 4500 if vfr and n % 3 == 0 else 3000
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return dest


@pytest.mark.parametrize(
    "name, codec, options, vfr",
    [
        ("bframes.mp4", "libx264", {"preset": "medium", "bf": "3", "g": "30"}, False),
        ("open_gop.mp4", "libx264", {"preset": "medium", "bf": "3", "g": "30", "x264-params": "open-gop=1"}, False),
        ("vfr.mp4", "libx264", {"preset": "veryfast", "g": "25"}, True),
        ("hevc.mp4", "libx265", {"preset": "ultrafast", "x265-params": "keyint=30:log-level=error"}, False),
        ("vp9.webm", "libvpx-vp9", {"g": "30", "deadline": "realtime", "cpu-used": "8"}, False),
    ],
)
def test_second_reader_seeks_to_the_key_frame_before_the_cut_and_reads_the_same_frames(
    tmp_path: Path, name: str, codec: str, options: dict, vfr: bool
) -> None:
    """The two pieces of a clip cut at a key frame's GOP, read by two readers (the second seeks),
    are exactly a full read: the same frames, pixels and times, with B-frames, open GOPs,
    variable frame rate, HEVC and VP9."""
    clip = _reencode(sample("backward"), tmp_path / name, codec, options, vfr)
    full = list(read_frames(clip, "rgb24"))
    cut = find_cut(clip, len(full) // 2)
    assert cut is not None and cut.key_pts <= cut.pts
    a_stats, b_stats = DecodeStats(), DecodeStats()
    first = list(read_frames(clip, "rgb24", a_stats, until=cut))
    second = list(read_frames(clip, "rgb24", b_stats, start=cut))
    assert len(first) == cut.index and a_stats.frames + b_stats.frames == len(full)
    assert b_stats.frames_passed < 40 < cut.index  # it sought: at most a GOP decoded to reach the cut
    assert [t for t, _ in first + second] == [t for t, _ in full]
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(first + second, full, strict=True))


def test_a_seek_that_lands_past_the_cut_falls_back_to_decoding_from_the_start(tmp_path: Path) -> None:
    """If the seek lands anywhere but the cut's frame, the reader decodes from the first frame
    instead: still exactly the frames of a full read, from the cut on."""
    clip = _reencode(sample("backward"), tmp_path / "keys.mp4", "libx264", {"preset": "veryfast", "g": "30"})
    full = list(read_frames(clip, "rgb24"))
    good = find_cut(clip, 40)
    later = find_cut(clip, len(full) - 5)
    assert good is not None and later is not None and later.key_pts > good.pts
    wrong = Cut(index=good.index, pts=good.pts, key_pts=later.key_pts)  # a key frame after the cut
    stats = DecodeStats()
    second = list(read_frames(clip, "rgb24", stats, start=wrong))
    assert stats.frames_passed == good.index  # decoded from the first frame
    assert [t for t, _ in second] == [t for t, _ in full[good.index :]]
    assert np.array_equal(second[0][1], full[good.index][1])


def test_no_cut_where_the_packets_cannot_vouch_for_it() -> None:
    """The sample has one key frame, at its start: nothing to seek to (readers count frames)."""
    clip = sample("backward")
    assert find_cut(clip, probe(clip).frames // 2) is None


def test_halves_cut_at_a_key_frame_are_tracked_like_one_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With key frames in the clip the second tracker seeks; the series still has every frame
    of a full read once, in order, and the athlete in both halves."""
    monkeypatch.setattr(tracking, "MIN_SPLIT_FRAMES", 20)
    clip = _reencode(sample("backward"), tmp_path / "keys.mp4", "libx264", {"preset": "veryfast", "g": "30", "bf": "2"})
    info = probe(clip)
    assert find_cut(clip, info.frames // 2) is not None
    series, stats, _, _ = tracking.track_clip(clip, info, find_model())
    times = [t for t, _ in read_frames(clip, "rgb24")]
    assert len(series) == len(times) == stats.frames
    assert np.array_equal(series.t_s, times)
    half = len(series) // 2
    assert series.detected[:half].mean() > 0.8 and series.detected[half:].mean() > 0.8


def test_fit_size() -> None:
    assert fit_size(3840, 2160, 1920) == (1920, 1080)
    assert fit_size(1080, 1920, 1280) == (720, 1280)
    assert fit_size(960, 540, 1280) == (960, 540)  # never enlarged
    assert fit_size(1768, 994, 1280) == (1280, 720)  # scaled sizes are even (4:2:0 video)


@pytest.mark.parametrize("trackers", [1, 2])
def test_halves_tracked_side_by_side_cover_every_frame(monkeypatch: pytest.MonkeyPatch, trackers: int) -> None:
    """One tracker or two over the halves: every frame once, in order, the athlete found in both."""
    monkeypatch.setattr(tracking, "TRACKERS", trackers)
    monkeypatch.setattr(tracking, "MIN_SPLIT_FRAMES", 20)
    clip = sample("backward")
    info = probe(clip)
    series, stats, chosen, skipped = tracking.track_clip(clip, info, find_model())
    times = [t for t, _ in read_frames(clip, "rgb24")]
    assert len(series) == len(times) == stats.frames
    assert np.allclose(series.t_s, times)
    assert not skipped.any()
    assert chosen["method"] == "single"
    half = len(series) // 2
    # The woman is in view in both halves; each tracker finds her in most of its frames.
    assert series.detected[:half].mean() > 0.8 and series.detected[half:].mean() > 0.8


def test_halves_agree_with_one_tracker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the clip changes the landmarks no more than tracking noise (a few pixels)."""
    clip = sample("backward")
    info = probe(clip)
    runs = {}
    for trackers in (1, 2):
        monkeypatch.setattr(tracking, "TRACKERS", trackers)
        monkeypatch.setattr(tracking, "MIN_SPLIT_FRAMES", 20)
        runs[trackers] = tracking.track_clip(clip, info, find_model())[0]
    px = np.array([info.width, info.height])
    d = np.linalg.norm((runs[1].xy - runs[2].xy) * px, axis=-1)
    assert np.nanmedian(d) < 3.0, np.nanmedian(d)


def test_bystander_clip_tracks_everyone_in_one_pass() -> None:
    clip = sample("multi_person")
    info = probe(clip)
    series, stats, chosen, _ = tracking.track_clip(clip, info, find_model())
    assert chosen["method"] == "multi" and chosen["people_max"] >= 2
    assert 0 <= chosen["tracked_from_s"] <= info.duration_s
    assert len(series) == stats.frames


def _record_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The people each tracker's (VIDEO-mode) model is loaded for, in order, as the real models load."""
    loads: list[int] = []
    real_load = tracking.load_estimator

    def load(model, num_poses=1, video=True, **kw):  # noqa: ANN001, ANN202 - records, then loads the real model
        if video:
            loads.append(num_poses)
        return real_load(model, num_poses=num_poses, video=video, **kw)

    monkeypatch.setattr(tracking, "load_estimator", load)
    return loads


def test_tracker_goes_back_to_one_person_when_the_bystander_has_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people, then one alone for 9 s: the tracker follows both, then (after `QUIET_CHECKS`
    counts of one) only one again, which costs the model about half as much per frame."""
    multi, single = sample("multi_person"), sample("backward")
    w, h = probe(multi).width, probe(multi).height
    clip = tmp_path / "bystander_leaves.mp4"
    frames = [img for _, img in read_frames(multi, "bgr24")]
    alone = [cv2.resize(img, (w, h)) for _, img in read_frames(single, "bgr24")]  # 960x286 stretched
    with VideoSink(clip, w, h, 30.0) as sink:
        for n, img in enumerate(frames + alone + alone[::-1]):
            sink.write(img, n / 30.0)
    monkeypatch.setattr(tracking, "TRACKERS", 1)  # one tracker: its model loads in order
    loads = _record_loads(monkeypatch)
    info = probe(clip)
    series, stats, chosen, _ = tracking.track_clip(clip, info, find_model())
    assert len(series) == stats.frames == len(frames) + 2 * len(alone)
    assert chosen["method"] == "multi" and chosen["people_max"] >= 2
    assert loads[0] == 1 and loads[1] >= 2, loads  # one person, then both once the scout saw two
    assert any(a >= 2 and b == 1 for a, b in zip(loads[1:], loads[2:], strict=False)), loads  # then one again


def test_annotated_video_is_capped_in_size_and_keeps_every_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clips bigger than the cap get a smaller annotated video with every frame (4K -> 1080p)."""
    monkeypatch.setattr(pipeline, "MAX_VIDEO_SIDE", 480)
    clip = sample("multi_person")  # 960x540
    result = analyze(clip, tmp_path, AnalyzeOptions())
    video = probe(result.out_dir / "annotated.mp4")
    src = probe(clip)
    assert annotated_size_ok((video.width, video.height), (480, 270))
    assert video.frames == src.frames
    assert abs(video.duration_s - src.duration_s) < 0.05
    assert (result.out_dir / "report.html").stat().st_size > 10_000


_LOAD_AT_ONCE = """
import sys, threading
from formcheck.pose import find_model, load_estimator
model, gate, errors, made = find_model(), threading.Barrier(4), [], []
def load():
    gate.wait()  # all four threads import mediapipe and load a model at the same moment
    try:
        made.append(load_estimator(model))
    except BaseException as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=load) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
for est in made: est.close()
print(len(made), errors)
sys.exit(1 if errors else 0)
"""


def test_models_load_side_by_side_in_a_fresh_process() -> None:
    """Pass 1 loads its models in their own threads. Importing mediapipe from several threads at
    once used to trip Python's import-deadlock detection (about one start in twelve)."""
    import subprocess
    import sys

    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", _LOAD_AT_ONCE], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout.strip() == "4 []", proc.stdout + proc.stderr[-2000:]


def test_a_count_of_one_does_not_drop_someone_the_tracker_still_follows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Single-frame detection misses people who are small or half hidden: counts of one while the
    tracker itself still follows two people do not send it back to one person (a fresh one-person
    model would follow whoever its detector saw first, the bystander as readily as the athlete)."""
    multi = sample("multi_person")
    frames = [img for _, img in read_frames(multi, "bgr24")]
    clip = tmp_path / "both_stay.mp4"
    with VideoSink(clip, probe(multi).width, probe(multi).height, 30.0) as sink:
        for n, img in enumerate(frames + frames[::-1]):
            sink.write(img, n / 30.0)
    monkeypatch.setattr(tracking, "TRACKERS", 1)
    real_wait = tracking.Scout.wait
    monkeypatch.setattr(tracking.Scout, "wait", lambda self, check: max(2, real_wait(self, check)) if check.frame < 60 else 1)
    loads = _record_loads(monkeypatch)
    series, _, chosen, _ = tracking.track_clip(clip, probe(clip), find_model())
    assert chosen["method"] == "multi"
    assert loads[:2] == [1, 2] and 1 not in loads[2:], loads  # both followed to the end
