"""The 33 BlazePose landmarks, the skeleton's edges and the left/right pairs."""

from __future__ import annotations

from enum import IntEnum


class Landmark(IntEnum):
    """BlazePose landmark indices; names match mediapipe's ``PoseLandmark``."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)

L = Landmark

#: Body skeleton edges (0-based), grouped by the body part they belong to. The face is drawn as
#: nose-to-ears only: enough to show head orientation without clutter.
EDGES: dict[str, tuple[tuple[Landmark, Landmark], ...]] = {
    "head": ((L.NOSE, L.LEFT_EAR), (L.NOSE, L.RIGHT_EAR)),
    "trunk": (
        (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        (L.LEFT_HIP, L.RIGHT_HIP),
        (L.LEFT_SHOULDER, L.LEFT_HIP),
        (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    ),
    "left_arm": ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST)),
    "right_arm": ((L.RIGHT_SHOULDER, L.RIGHT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST)),
    "left_leg": (
        (L.LEFT_HIP, L.LEFT_KNEE),
        (L.LEFT_KNEE, L.LEFT_ANKLE),
        (L.LEFT_ANKLE, L.LEFT_HEEL),
        (L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
        (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    ),
    "right_leg": (
        (L.RIGHT_HIP, L.RIGHT_KNEE),
        (L.RIGHT_KNEE, L.RIGHT_ANKLE),
        (L.RIGHT_ANKLE, L.RIGHT_HEEL),
        (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
        (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
    ),
}

#: Landmarks drawn as joints.
JOINTS: tuple[Landmark, ...] = tuple(sorted({p for edges in EDGES.values() for e in edges for p in e}))


def _pairs() -> tuple[tuple[Landmark, Landmark], ...]:
    out = []
    for lm in Landmark:
        if lm.name.startswith("LEFT_"):
            out.append((lm, Landmark["RIGHT_" + lm.name[5:]]))
        elif lm.name.endswith("_LEFT"):  # MOUTH_LEFT / MOUTH_RIGHT
            out.append((lm, Landmark[lm.name[:-5] + "_RIGHT"]))
    return tuple(out)


#: (left, right) pairs, used to repair left/right swaps and to write cues once for both sides.
LEFT_RIGHT_PAIRS: tuple[tuple[Landmark, Landmark], ...] = _pairs()


def mirror_index() -> list[int]:
    """Index permutation that swaps every left landmark with its right partner."""
    perm = list(range(NUM_LANDMARKS))
    for left, right in LEFT_RIGHT_PAIRS:
        perm[left], perm[right] = int(right), int(left)
    return perm
