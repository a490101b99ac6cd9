"""Which person is the athlete: track everyone the model finds and pick the one who performs
the locomotion.

People are linked from frame to frame by their hip midpoint (nearest neighbour within a gate,
established tracks first, never across a jump in size), after dropping second detections of one
person. The athlete is the track that ranges furthest relative to its own size — across the
frame (to and fro counts as far as straight past), or
toward or away from the camera (its size growing or shrinking) — and whose feet move most
relative to each other (sideways and up and down: a runner filmed from the front), weighted by
how long it is in view. Bystanders — a coach standing, someone doing arm exercises — score low
on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.pose import DetectedPose
from formcheck.series import PoseSeries


#: Track pieces are joined when one starts within this many body sizes of where the other
#: ended, plus `STITCH_SPEED` body sizes a second of the gap between them (a sprinter's pace).
STITCH_NEAR = 1.0
STITCH_SPEED = 6.0
#: ... and no more than this many body sizes higher or lower (a sprinter rising from the blocks
#: lifts the hips about half a body size; someone in the stands is well above the track).
STITCH_RISE = 0.75
#: Frames a track must hold before it claims poses ahead of newer tracks (see `link`).
CONFIRMED = 5
#: The most a person's size may change between the frames of one track (see `link`).
SIZE_JUMP = 1.5


@dataclass
class Track:
    """One person over the clip: frame index -> pose."""

    id: int
    poses: dict[int, DetectedPose] = field(default_factory=dict)
    last_hip: np.ndarray | None = None
    last_frame: int = -1


def _hip(p: DetectedPose, aspect: float) -> np.ndarray:
    return (p.xy[L.LEFT_HIP] + p.xy[L.RIGHT_HIP]) / 2 * np.array([aspect, 1.0])


def _size(p: DetectedPose) -> float:
    """Hip-to-shoulder-to-ankle extent (frame heights): how big the person is."""
    ys = p.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ANKLE, L.RIGHT_ANKLE], 1]
    return float(np.nanmax(ys) - np.nanmin(ys))


def _box(p: DetectedPose) -> np.ndarray:
    xy = p.xy[np.isfinite(p.xy).all(axis=1)]
    return np.array([*xy.min(axis=0), *xy.max(axis=0)]) if len(xy) else np.full(4, np.nan)


def distinct(poses: list[DetectedPose], overlap: float = 0.5, inside: float = 0.7) -> list[DetectedPose]:
    """`poses` without duplicates. Detection can return the same person twice: as two near-equal
    poses (boxes overlapping by more than `overlap`, IoU: the more visible is kept), or as a
    whole-body pose and a squashed one inside it around the same hips (at least `inside` of the
    smaller box within the larger, hips within 0.15 of the larger's height: the larger is kept;
    the squashed one is often the more "visible", which is why visibility cannot decide). A pose
    made of two people (one's legs, the other's head above) holds a whole person too, but its
    hips are elsewhere: both are kept, and the linker follows the one nearest the track."""
    kept: list[tuple[DetectedPose, np.ndarray]] = []
    for p in sorted(poses, key=lambda q: -float(np.nanmean(q.visibility))):
        b = _box(p)
        if not np.isfinite(b).all():
            continue
        dup = False
        for n, (q, k) in enumerate(kept):
            iw = max(0.0, min(b[2], k[2]) - max(b[0], k[0]))
            ih = max(0.0, min(b[3], k[3]) - max(b[1], k[1]))
            inter = iw * ih
            area_b, area_k = (b[2] - b[0]) * (b[3] - b[1]), (k[2] - k[0]) * (k[3] - k[1])
            union = area_b + area_k - inter
            if union > 0 and inter / union > overlap:
                dup = True
            elif min(area_b, area_k) > 0 and inter / min(area_b, area_k) >= inside:
                outer_h = (b[3] - b[1]) if area_b > area_k else (k[3] - k[1])
                if float(np.linalg.norm(_hip(p, 1.0) - _hip(q, 1.0))) <= 0.15 * outer_h:
                    dup = True
                    if area_b > area_k:  # the whole-body pose replaces the squashed one
                        kept[n] = (p, b)
            if dup:
                break
        if not dup:
            kept.append((p, b))
    return [p for p, _ in kept]


def link(frames: list[list[DetectedPose]], aspect: float, gate: float = 0.25, max_gap: int = 15) -> list[Track]:
    """Link per-frame detections into tracks by nearest hip midpoint (greedy, gated).

    A track that has held someone for `CONFIRMED` frames claims its nearest pose before a newer
    track does: a stray second detection of the athlete starts a track of its own right beside
    them, and must not take them over in the next frame. A pose less than 1/`SIZE_JUMP` or more
    than `SIZE_JUMP` times the track's last size is not its person (a person's size cannot jump
    from one frame to the next; a pose made of two people's parts is twice as tall)."""
    tracks: list[Track] = []
    for i, poses in enumerate(frames):
        free = list(range(len(poses)))
        live = [t for t in tracks if i - t.last_frame <= max_gap]
        sizes = [_size(p) for p in poses]
        pairs = []
        for t in live:
            last = _size(t.poses[t.last_frame])
            for j in free:
                d = float(np.linalg.norm(_hip(poses[j], aspect) - t.last_hip))
                ratio = sizes[j] / last if last > 0 and np.isfinite(last) and np.isfinite(sizes[j]) else 1.0
                if d <= gate and 1 / SIZE_JUMP <= ratio <= SIZE_JUMP:
                    pairs.append((len(t.poses) < CONFIRMED, d, t.id, j))
        used_t, used_p = set(), set()
        for _, _, tid, j in sorted(pairs):
            if tid in used_t or j in used_p:
                continue
            t = tracks[tid]
            t.poses[i], t.last_hip, t.last_frame = poses[j], _hip(poses[j], aspect), i
            used_t.add(tid)
            used_p.add(j)
        for j in free:
            if j not in used_p:
                t = Track(id=len(tracks), poses={i: poses[j]}, last_hip=_hip(poses[j], aspect), last_frame=i)
                tracks.append(t)
    return tracks


def locomotion_score(track: Track, t_s: np.ndarray, aspect: float) -> dict:
    """How much this person moves like someone running or walking."""
    idx = np.array(sorted(track.poses))
    hips = np.array([_hip(track.poses[i], aspect) for i in idx])
    size = float(np.median([_size(track.poses[i]) for i in idx])) or 1e-3
    travel = _ranged(hips[:, 0]) / size
    sizes = np.array([_size(track.poses[i]) for i in idx])
    ends = max(1, len(idx) // 10)  # the first and last tenth: robust to one bad frame
    grew = float(np.nanmedian(sizes[-ends:]) / max(np.nanmedian(sizes[:ends]), 1e-3)) if len(idx) > 1 else 1.0
    depth = abs(float(np.log(grew))) if np.isfinite(grew) and grew > 0 else 0.0
    feet = np.array([
        (track.poses[i].xy[L.LEFT_ANKLE] - track.poses[i].xy[L.RIGHT_ANKLE]) * (aspect, 1.0) for i in idx
    ])  # fmt: skip
    leg_motion = float(np.linalg.norm(np.nanstd(feet, axis=0)) / size) if len(idx) > 2 else 0.0
    coverage = len(idx) / len(t_s)
    score = (travel + 2.0 * depth + 4.0 * leg_motion) * coverage * min(1.0, size / 0.15)
    return {
        "track": track.id,
        "frames": len(idx),
        "coverage": round(coverage, 3),
        "size_frame_heights": round(size, 3),
        "travel_body_sizes": round(travel, 2),
        "size_change": round(grew, 2) if np.isfinite(grew) else None,
        "leg_motion": round(leg_motion, 3),
        "score": round(score, 3),
    }


def _ranged(x: np.ndarray, k: int = 5) -> float:
    """How far `x` ranged: the spread of its running median over `k` samples (an athlete running
    to and fro ranges as far as one running past; a stray frame's hips do not count)."""
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return 0.0
    if len(x) >= k:
        x = np.median(np.lib.stride_tricks.sliding_window_view(x, k), axis=1)
    return float(x.max() - x.min())


def stitch(best: Track, tracks: list[Track], t_s: np.ndarray, aspect: float, max_gap_s: float = 1.0) -> list[int]:
    """Join to `best` (in place) the tracks of the same person before and after it.

    The linker starts a new track when someone is lost for a while — a sprinter rising from the
    blocks, an athlete hidden behind a passer-by. A track that ends before `best` begins (or
    starts after it ends), within `max_gap_s`, near the place where `best` picks up and at a
    similar size is taken for the same person; of several candidates the nearest in place and
    time wins. Near means within `STITCH_NEAR` body sizes plus what a sprinter covers in the
    gap (`STITCH_SPEED`) — someone a body size and a half away one frame later is someone
    else — and at most `STITCH_RISE` body sizes higher or lower (people run along the ground,
    they do not fly up to the stands). A piece that stays beside another person's track while
    it lasts is a stray detection of that person, never joined. Returns the joined ids.
    """
    joined: list[int] = []
    while True:
        first, last = min(best.poses), max(best.poses)
        size = float(np.median([_size(p) for p in best.poses.values()])) or 1e-3
        cands = []
        for tr in tracks:
            if tr is best or tr.id in joined or not tr.poses:
                continue
            a, b = min(tr.poses), max(tr.poses)
            if b < first:
                gap, here, there = t_s[first] - t_s[b], best.poses[first], tr.poses[b]
            elif a > last:
                gap, here, there = t_s[a] - t_s[last], best.poses[last], tr.poses[a]
            else:
                continue  # overlaps in time: another person
            other = float(np.median([_size(p) for p in tr.poses.values()])) or 1e-3
            d = _hip(here, aspect) - _hip(there, aspect)
            dist = float(np.linalg.norm(d))
            near = dist <= size * (STITCH_NEAR + STITCH_SPEED * gap) and abs(float(d[1])) <= size * STITCH_RISE
            if gap <= max_gap_s and near and 0.6 <= other / size <= 1.6 and not _beside(tr, tracks, best, aspect):
                cands.append((dist / size + gap, tr))
        if not cands:
            return joined
        _, tr = min(cands, key=lambda c: c[0])
        best.poses.update(tr.poses)
        joined.append(tr.id)


def _beside(piece: Track, tracks: list[Track], best: Track, aspect: float) -> bool:
    """Whether another track (not `best`) is within half a body size of `piece` in most of the
    frames they share: `piece` is then a second detection of that person."""
    for tr in tracks:
        if tr is piece or tr is best:
            continue
        shared = [i for i in piece.poses if i in tr.poses]
        if len(shared) * 2 < len(piece.poses):
            continue
        close = sum(
            float(np.linalg.norm(_hip(piece.poses[i], aspect) - _hip(tr.poses[i], aspect))) <= 0.5 * max(_size(tr.poses[i]), 1e-3)
            for i in shared
        )  # fmt: skip
        if close * 2 >= len(shared):
            return True
    return False


def _moved(s: dict) -> str:
    """How a candidate moved, in words: across the frame, or toward / away from the camera."""
    across = f"travelled {s['travel_body_sizes']:.1f} body heights across the frame"
    g = s.get("size_change") or 1.0
    if 2.0 * abs(np.log(g)) <= s["travel_body_sizes"] or abs(np.log(g)) < np.log(1.15):
        return across
    way = f"came {g:.1f}x closer to the camera" if g > 1 else f"went {1 / g:.1f}x further from the camera"
    return f"{way} (and {across})"


def choose(frames: list[list[DetectedPose]], t_s: np.ndarray, width: int, height: int) -> tuple[PoseSeries, dict]:
    """The athlete's pose series and the `subject` section of the report (who and why)."""
    aspect = width / height
    tracks = [t for t in link(frames, aspect) if len(t.poses) >= 3]
    series = PoseSeries.empty(len(t_s), width, height)
    series.t_s[:] = t_s
    people_max = max((len(p) for p in frames), default=0)
    if not tracks:
        return series, {"method": "multi", "people_max": people_max, "reason": "nobody was tracked", "candidates": []}
    scores = sorted((locomotion_score(t, t_s, aspect) for t in tracks), key=lambda s: -s["score"])
    best = tracks[[t.id for t in tracks].index(scores[0]["track"])]
    joined = stitch(best, tracks, t_s, aspect)
    for i, pose in best.poses.items():
        series.xy[i], series.visibility[i], series.world[i] = pose.xy, pose.visibility, pose.world
    s = scores[0]
    reason = f"{_moved(s)} with the most leg motion and was in view in {s['coverage']:.0%} of frames"
    if joined:
        reason += (f"; {len(joined)} track piece(s) before or after were joined to it as the same person "
                   "(they end where it starts, at the same size)")  # fmt: skip
    if len(scores) > 1:
        o = scores[1]
        reason += f"; the next person {_moved(o)} (score {o['score']:.2f} vs {s['score']:.2f})"
    return series, {"method": "multi", "people_max": people_max, "chosen_track": s["track"], "joined_tracks": joined,
                    "reason": reason, "candidates": scores[:5]}  # fmt: skip
