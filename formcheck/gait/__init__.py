"""What the clip shows: directions, segments, steps, contacts, cadence, running or walking, view.

Built for phone footage, where feet jitter and vanish and nothing moves the way a synthetic
figure does, so each fact comes from the signals that survive that:

* **Stepping** — how far apart the feet are horizontally (the *spread*, in leg lengths) dips
  once per step whichever foot is which, so the step period comes from its autocorrelation
  (gaps masked out, no interpolation across them), over any period from 0.15 to 4 s: slowed
  playback and slow pathological gait are still gait.
* **Segments** — short windows say where the athlete is out of view, standing (feet not
  cycling), travelling or turning; everything after that looks only at the stepping stretches.
* **Directions** — facing from the feet (toe ahead of heel) with the nose as backup; travel from
  the hips crossing the frame, or, on a treadmill (hips in place while the legs cycle), from the
  stance foot sweeping against it (reference §2.2, real-footage.md "Treadmill").
* **Contacts** — a foot is on the ground while it is low *and* still relative to the ground (the
  belt on a treadmill): the foot-velocity idea of O'Connor et al. (2007) with a height gate,
  thresholds relative to the foot's own swing speed (so playback speed does not matter).
  Impossible contacts are dropped: longer than a stride, shorter than two frames, or a second
  landing of the same foot without a swing in between.
* **Running or walking** — votes from independent signals, each with a weight, combined into a
  type and a confidence (real-footage.md): the pelvis's vertical phase against the legs'
  spread (walking vaults over a stiff leg: highest at mid-stance; running bounces: lowest
  there — Cavagna et al. 1977), the stance knee's flexion at mid-stance (~15–20° walking,
  ~40° running), the duty factor where contacts are trustworthy (with its ±1-frame
  uncertainty), and a cadence prior that stays silent below real-time plausibility (slowed
  playback). The report lists every signal and its vote.
* **Cadence** — from the intervals between leg crossings where they are consistent, checked
  against the frequency of the leg motion (the autocorrelation); when they disagree the report
  says so and uses the better-supported one.

The stages, one module each:

    analysis.py    `analyse`: the stages end to end, from a cleaned series to its `Gait`
    signals.py     per-frame signals from the pose: leg length, facing, foot spreads, body size
    period.py      the step period from the spread's masked autocorrelation
    segments.py    windows over the clip and the segments they make
    treadmill.py   the belt's speed and the travel direction from the planted feet
    contacts.py    foot contacts and the duty factor
    cadence.py     leg crossings and the cadence from their intervals
    locomotion.py  the running-or-walking vote
    view.py        the camera's view and the near side
    options.py     `GaitOptions`, the thresholds;  result.py  `Gait` and `Contact`, what was found
    arrays.py      NaN-aware helpers the stages share
"""

from formcheck.gait.analysis import analyse
from formcheck.gait.cadence import _cadence  # noqa: F401 - the tests call it as gait._cadence
from formcheck.gait.contacts import contacts_from_stance, stance_masks
from formcheck.gait.locomotion import classify_locomotion
from formcheck.gait.options import GaitOptions
from formcheck.gait.period import masked_autocorrelation, step_period
from formcheck.gait.result import SIDES, Contact, Gait
from formcheck.gait.segments import travel_threshold
from formcheck.gait.signals import (
    body_scale, depth_facing_series, depth_spread_signal, facing_series, foot_points, leg_length, spread_signal,
)  # fmt: skip
from formcheck.gait.view import camera_view

__all__ = [
    "SIDES", "Contact", "Gait", "GaitOptions", "analyse", "body_scale", "camera_view", "classify_locomotion",
    "contacts_from_stance", "depth_facing_series", "depth_spread_signal", "facing_series", "foot_points",
    "leg_length", "masked_autocorrelation", "spread_signal", "stance_masks", "step_period", "travel_threshold",
]  # fmt: skip
