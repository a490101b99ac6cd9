"""Which person is the athlete: track everyone the model finds and pick the one who performs
the locomotion.

People are linked from frame to frame by their hip midpoint (nearest neighbour within a gate).
The athlete is the track that travels furthest relative to its own size — across the frame, or
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


def distinct(poses: list[DetectedPose], overlap: float = 0.5) -> list[DetectedPose]:
    """`poses` without duplicates: single-frame detection at low confidence can return the same
    person twice; of two poses whose boxes overlap by more than `overlap` (IoU), the more
    visible is kept."""
    kept: list[tuple[DetectedPose, np.ndarray]] = []
    for p in sorted(poses, key=lambda q: -float(np.nanmean(q.visibility))):
        b = _box(p)
        if not np.isfinite(b).all():
            continue
        dup = False
        for _, k in kept:
            iw = max(0.0, min(b[2], k[2]) - max(b[0], k[0]))
            ih = max(0.0, min(b[3], k[3]) - max(b[1], k[1]))
            inter = iw * ih
            union = (b[2] - b[0]) * (b[3] - b[1]) + (k[2] - k[0]) * (k[3] - k[1]) - inter
            if union > 0 and inter / union > overlap:
                dup = True
                break
        if not dup:
            kept.append((p, b))
    return [p for p, _ in kept]


def link(frames: list[list[DetectedPose]], aspect: float, gate: float = 0.25, max_gap: int = 15) -> list[Track]:
    """Link per-frame detections into tracks by nearest hip midpoint (greedy, gated)."""
    tracks: list[Track] = []
    for i, poses in enumerate(frames):
        free = list(range(len(poses)))
        live = [t for t in tracks if i - t.last_frame <= max_gap]
        pairs = []
        for t in live:
            for j in free:
                d = float(np.linalg.norm(_hip(poses[j], aspect) - t.last_hip))
                pairs.append((d, t.id, j))
        used_t, used_p = set(), set()
        for d, tid, j in sorted(pairs):
            if d > gate or tid in used_t or j in used_p:
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
    travel = float(abs(hips[-1, 0] - hips[0, 0]) / size) if len(idx) > 1 else 0.0
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


def stitch(best: Track, tracks: list[Track], t_s: np.ndarray, aspect: float, max_gap_s: float = 1.0) -> list[int]:
    """Join to `best` (in place) the tracks of the same person before and after it.

    The linker starts a new track when someone is lost for a while — a sprinter rising from the
    blocks, an athlete hidden behind a passer-by. A track that ends before `best` begins (or
    starts after it ends), within `max_gap_s`, near the place where `best` picks up (two body
    sizes, plus what a sprinter covers in the gap) and at a similar size is taken for the same
    person; of several candidates the nearest in place and time wins. Returns the joined ids.
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
            dist = float(np.linalg.norm(_hip(here, aspect) - _hip(there, aspect)))
            if gap <= max_gap_s and dist <= size * (2.0 + 6.0 * gap) and 0.6 <= other / size <= 1.6:
                cands.append((dist / size + gap, tr))
        if not cands:
            return joined
        _, tr = min(cands, key=lambda c: c[0])
        best.poses.update(tr.poses)
        joined.append(tr.id)


def _moved(s: dict) -> str:
    """How a candidate moved, in words: across the frame, or toward / away from the camera."""
    across = f"travelled {s['travel_body_sizes']:.1f} body heights across the frame"
    g = s.get("size_change") or 1.0
    if 2.0 * abs(np.log(g)) <= s["travel_body_sizes"]:
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
