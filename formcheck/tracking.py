"""Pass 1: run the pose model over a clip, in one decoding pass, using every core it can.

MediaPipe's PoseLandmarker uses about one core per instance and releases the GIL while it runs,
so the model is the floor of the cost only if every core runs it. The clip is cut in two halves
tracked side by side, each by its own VIDEO-mode tracker at the full frame rate, each fed by its
own decoder thread. The cut is the middle frame's timestamp, read from the packets while the
models load; the second decoder seeks to the key frame before it and checks that it lands
where a full read would show that frame, so frames and times are exactly those of a full read.
Where the packets cannot vouch for that (no key frame there, missing or repeated timestamps),
the second decoder decodes the first half without converting it instead (cheap, but not free).
A scout thread (`formcheck.scout`) counts the people in view once a second with a single-frame
(IMAGE-mode) detector.

Bystanders: a tracker follows one person until the scout sees more in its half; from then on it
tracks up to `MAX_PEOPLE`, until the scout has seen at most one person `QUIET_CHECKS` times in a
row while the tracker itself found at most one lately (a count misses the small and the half
hidden; tracking several people costs the model about 1.7 times as much, even while only one is
in view: it looks for the others in every frame). The athlete is chosen over the whole clip by
`formcheck.subject` (the person who travels furthest with the most leg motion). One pass either
way: the model never runs twice over a frame.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from formcheck import memory, subject
from formcheck._threads import prefetch
from formcheck.camera import COLUMNS as MOTION_COLUMNS, CameraMotion
from formcheck.errors import VideoError
from formcheck.light import LightMeter
from formcheck.pose import DetectedPose, ModelInfo, PoseEstimator, load_estimator
from formcheck.scout import SCOUT_EVERY_S, Check, Scout
from formcheck.series import PoseSeries, VideoInfo
from formcheck.video import Cut, DecodeStats, fit_size, find_cut, read_frames

#: progress(stage, done, total); total may be an estimate.
Progress = Callable[[str, int, int], None]

_UNKNOWN_MOTION = np.full(len(MOTION_COLUMNS), np.nan, np.float32)
#: Frames between asking the scout about a frame and acting on its count (time for it to count).
SCOUT_LAG_FRAMES = 6
#: The most people tracked at once when choosing the athlete.
MAX_PEOPLE = 3
#: Counts of at most one person in a row after which a tracker following several people goes
#: back to following one (a count can miss someone half out of view: one alone is not enough).
QUIET_CHECKS = 3
#: Pieces tracked side by side. Always two, whatever the machine or the batch's worker count:
#: where the clip is cut changes the landmarks slightly (a tracker starts afresh there), so the
#: cut depends on the clip alone and a clip gets the same results in every mode, on every
#: machine. Clips shorter than `MIN_SPLIT_FRAMES` are tracked in one piece.
TRACKERS = 2
MIN_SPLIT_FRAMES = 120
#: Frames are shrunk to at most this many pixels on their long side before the model sees them.
#: The landmark model reads a 256x256 crop around the person, so a 1080p or 4K frame only costs
#: memory (each model instance keeps frame-sized buffers: ~160 MB at 1080p, ~60 MB at 720p) and
#: time; an athlete filmed side-on fills far more than 256 px of a 1280 px frame.
MODEL_MAX_SIDE = 1280
#: Seconds between returns of freed memory to the system while tracking.
TRIM_EVERY_S = 2.0


class Pacer:
    """Which frames the model runs on when analysing at a lower rate than the clip's."""

    def __init__(self, analysis_fps: float, clip_fps: float) -> None:
        self.period = 1.0 / analysis_fps if analysis_fps and analysis_fps < clip_fps * 0.95 else 0.0
        self.slack = 0.25 / clip_fps if clip_fps > 0 else 0.0
        self.next_due = 0.0

    def due(self, t_s: float) -> bool:
        """True when the frame at `t_s` is to be analysed."""
        if not self.period:
            return True
        if t_s + self.slack < self.next_due:
            return False
        self.next_due += self.period
        while self.next_due <= t_s:
            self.next_due += self.period
        return True


class _Plan:
    """Where the clip is cut, decided in the main thread while the trackers load their models.
    `cut` is None when the halves are cut by counting frames (see `track_clip`)."""

    def __init__(self) -> None:
        self.cut: Cut | None = None
        self.ready = threading.Event()


class _Segment(threading.Thread):
    """Track the frames [first, stop) of the clip with one tracker, decoding them itself: the
    first piece up to the plan's cut, the second from it (see `track_clip`)."""

    def __init__(self, clip: Path, info: VideoInfo, model: ModelInfo, first: int, stop: int | None,
                 analysis_fps: float, scout: Scout, plan: _Plan) -> None:  # fmt: skip
        super().__init__(name=f"formcheck-track-{first}", daemon=True)
        self.clip, self.info, self.model, self.first, self.stop = clip, info, model, first, stop
        self.scout, self.plan = scout, plan
        self.pacer = Pacer(analysis_fps, info.fps)
        self.stats = DecodeStats()
        self.light = LightMeter()  # on the frames the model sees: the same in every mode
        self.times: list[float] = []
        self.poses: list[np.ndarray | None] = []  # per frame, packed (see `_pack`)
        self.skipped: list[bool] = []
        self.people_seen = 0  # the most people the scout counted in one of this segment's frames
        self.switch: int | None = None  # first frame (clip numbering) tracked with several people
        self.error: BaseException | None = None
        self.cancelled = threading.Event()
        self.estimator: PoseEstimator | None = None  # loaded in the thread: models load side by side
        self.camera = CameraMotion()  # the background's motion between the frames the model sees
        self.motion: list[np.ndarray] = []

    def run(self) -> None:
        try:
            self.estimator = load_estimator(self.model)
            self._track()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.error = exc

    def _track(self) -> None:
        tracking, last_ms, next_scout, quiet = 1, -1, -1.0, 0
        checks: list[Check] = []
        size = fit_size(self.info.width, self.info.height, MODEL_MAX_SIDE)
        # The pacer runs in the decoding thread: frames the model skips are never converted. One
        # decoding thread per reader: the models keep every core busy, and FFmpeg's frame
        # threads would only add buffers.
        self.plan.ready.wait()
        cut = self.plan.cut
        if cut is None:
            pieces: dict = {"first_frame": self.first}
        else:  # the second piece from the key frame before the cut; the first stops before it
            pieces = {"start": cut} if self.first else {"until": cut}
        frames = read_frames(self.clip, "rgb24", self.stats, want=lambda _, t: self.pacer.due(t),
                             size=size, threads=False, **pieces)  # fmt: skip
        for t_s, rgb in prefetch(frames, maxsize=3):  # decoded and shrunk in a background thread
            if self.cancelled.is_set() or (cut is None and self.stop is not None and self.first + len(self.times) >= self.stop):
                break
            self.times.append(t_s)
            self.skipped.append(rgb is None)
            if rgb is None:
                self.poses.append(None)
                self.motion.append(_UNKNOWN_MOTION)
                continue
            n = self.first + len(self.poses)
            self.light.add(rgb, "rgb")
            # A count is applied a fixed number of frames after the frame it was asked for (waiting
            # for it if need be): the scout runs alongside, yet the results never depend on timing.
            want = tracking
            while checks and checks[0].frame + SCOUT_LAG_FRAMES <= n:
                people = self.scout.wait(checks.pop(0))
                self.people_seen = max(self.people_seen, people)
                # A count of one while this tracker itself follows two people lately is the count
                # missing someone (single-frame detection misses the small and the half hidden).
                seen = max((len(p) for p in self.poses[-SCOUT_LAG_FRAMES - 30 :] if p is not None), default=0)
                quiet = quiet + 1 if people <= 1 and (tracking == 1 or seen <= 1) else 0
                want = max(want, min(people, MAX_PEOPLE))  # more people than tracked: follow them all
                if quiet >= QUIET_CHECKS:  # alone again for a while: one person is cheaper to track
                    want = 1
            if want != tracking:
                tracking = want
                self.estimator.close()
                self.estimator = None
                memory.release()  # the closed model's buffers, before the next one allocates its own
                self.estimator = load_estimator(self.model, num_poses=want)
                if self.switch is None and want > 1:
                    self.switch = n
            ms = max(int(round(t_s * 1000.0)), last_ms + 1)  # VIDEO mode: strictly increasing
            last_ms = ms
            found = self.estimator.estimate(rgb, ms)
            self.poses.append(_pack(subject.distinct(found) if len(found) > 1 else found))
            self.motion.append(self.camera.update(rgb, [p.xy for p in found]))
            if t_s >= next_scout:
                checks.append(self.scout.ask(n, rgb))
                next_scout = t_s + SCOUT_EVERY_S
        for check in checks if not self.cancelled.is_set() else []:  # counts still on their way
            self.people_seen = max(self.people_seen, self.scout.wait(check))

    @property
    def done(self) -> int:
        return len(self.times)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block is done, then raise it. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def track_clip(
    clip: Path,
    info: VideoInfo,
    model: ModelInfo,
    analysis_fps: float = 0.0,
    progress: Progress | None = None,
) -> tuple[PoseSeries, DecodeStats, dict, np.ndarray]:
    """The athlete's raw pose series (NaN where not found), decoding stats, the report's
    `subject` section, and which frames the model skipped (analysis_fps below the clip's rate)."""
    scout = Scout(model)
    segments: list[_Segment] = []
    plan = _Plan()
    try:
        cuts = [0]
        if TRACKERS > 1 and info.frames >= MIN_SPLIT_FRAMES:
            cuts += [info.frames * k // TRACKERS for k in range(1, TRACKERS)]
        for k, first in enumerate(cuts):
            stop = cuts[k + 1] if k + 1 < len(cuts) else None
            segments.append(_Segment(clip, info, model, first, stop, analysis_fps, scout, plan))
        scout.start()
        for seg in segments:
            seg.start()
        try:  # while the models load: the second reader starts at the key frame before the cut
            plan.cut = find_cut(clip, cuts[1]) if len(cuts) == 2 else None
        finally:
            plan.ready.set()
        total = max(info.frames, 1)
        next_trim = time.monotonic() + TRIM_EVERY_S
        while any(seg.is_alive() for seg in segments):
            segments[0].join(timeout=0.05) if segments[0].is_alive() else segments[-1].join(timeout=0.05)
            if time.monotonic() >= next_trim:  # hand freed frame buffers back: memory stays flat
                memory.release()
                next_trim = time.monotonic() + TRIM_EVERY_S
            if progress:
                done = sum(seg.done for seg in segments)
                progress("pose", done, max(total, done))
    finally:
        with _interrupts_held():  # a Ctrl-C now must not leave a model open: that crashes at exit
            plan.ready.set()  # a tracker still waiting for the plan goes on to see it is cancelled
            for seg in segments:
                seg.cancelled.set()
            for seg in segments:
                if seg.ident is not None:
                    seg.join()
                if seg.estimator is not None:
                    seg.estimator.close()
            if scout.is_alive():
                scout.finish()
            if scout.estimator is not None:
                scout.estimator.close()
    for worker in (*segments, scout):
        if worker.error is not None:
            raise worker.error
    segments = _joined(segments, by_time=plan.cut is not None)
    if plan.cut is None:
        stats = segments[-1].stats  # the last reader decoded the whole file
    else:  # each reader counted its own piece
        stats = DecodeStats(frames=sum(seg.stats.frames for seg in segments),
                            damaged_packets=sum(seg.stats.damaged_packets for seg in segments),
                            expected_frames=segments[0].stats.expected_frames)  # fmt: skip
    stats.frames_analysed = 0
    light = LightMeter()
    for seg in segments:
        light.extend(seg.light)
    stats.light = light.to_dict()
    times = np.asarray([t for seg in segments for t in seg.times], np.float64)
    skipped = np.asarray([x for seg in segments for x in seg.skipped], bool)
    poses = [p for seg in segments for p in seg.poses]
    motion = np.stack([row for seg in segments for row in seg.motion]) if len(times) else None
    for seg in segments:
        seg.poses = []
    series, chosen = _assemble(segments, poses, times, info)
    series.motion = motion
    if progress:
        progress("pose", len(times), len(times))
    return series, stats, chosen, skipped


def _joined(segments: list[_Segment], by_time: bool = False) -> list[_Segment]:
    """The segments that hold frames, in order. A container that announced more frames than it
    holds leaves later segments empty; one that announced fewer leaves the last one longer.

    Pieces cut at a frame's timestamp (`by_time`) meet there whatever was decoded before it; a
    damaged packet in the first piece only shifts the second piece's frame numbers."""
    kept = [seg for seg in segments if seg.times]
    if not kept:
        raise VideoError("no video frame could be decoded — check that it is a complete video file", Path(segments[0].clip))
    for a, b in zip(kept, kept[1:], strict=False):
        shift = a.first + len(a.times) - b.first
        if shift and by_time:
            b.first += shift
            b.switch = None if b.switch is None else b.switch + shift
        elif shift:  # a shorter than announced: b is ahead of it
            raise VideoError("the clip ended early while it was read twice — export it again", Path(a.clip))
    return kept


def _pack(found: list[DetectedPose]) -> np.ndarray | None:
    """The poses found in one frame as one (people, 33, 6) float32 array (x, y, visibility, world
    x, y, z), or None: a tenth of the memory of the separate arrays over a long clip."""
    if not found:
        return None
    return np.stack([np.concatenate([p.xy, p.visibility[:, None], p.world], axis=1) for p in found]).astype(np.float32, copy=False)


def _unpack(packed: np.ndarray | None) -> list[DetectedPose]:
    if packed is None:
        return []
    return [DetectedPose(xy=a[:, 0:2], visibility=a[:, 2], world=a[:, 3:6]) for a in packed]


def _assemble(segments: list[_Segment], poses: list[np.ndarray | None], t_s: np.ndarray, info: VideoInfo) -> tuple[PoseSeries, dict]:
    """The athlete's series: the one tracked person, or the athlete among everyone tracked."""
    people_seen = max(seg.people_seen for seg in segments)
    switches = [seg.switch for seg in segments if seg.switch is not None]
    if not switches:
        series = PoseSeries.empty(len(t_s), info.width, info.height)
        series.t_s[:] = t_s
        for n, packed in enumerate(poses):
            if packed is not None:
                series.xy[n], series.visibility[n], series.world[n] = packed[0, :, 0:2], packed[0, :, 2], packed[0, :, 3:6]
        return series, {
            "method": "single",
            "people_max": people_seen,
            "reason": f"only one person was in view in the checked frames (one every {SCOUT_EVERY_S:g} s)",
        }
    series, chosen = subject.choose([_unpack(p) for p in poses], t_s, info.width, info.height)
    chosen["people_max"] = max(chosen["people_max"], people_seen)
    chosen["tracked_from_s"] = round(float(t_s[min(switches)]), 3)
    return series, chosen
