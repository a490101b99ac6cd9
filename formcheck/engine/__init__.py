"""The backwards-running engine: clean → gait → metrics → cues → scores, as one report dict.

`evaluate(raw, meta, profile)` is deterministic in its inputs, so `formcheck rescore` reproduces a
report from the saved raw landmarks.

    evaluation.py  `evaluate`: the stages in order and the report dict they make
    strides.py     the stride table and its quality gate
    components.py  the measured value of every cue component
    scoring.py     one cue scored against the profile's bands
    grading.py     the overall score and grade
    caveats.py     the report's warnings and the slowed-playback estimate
    values.py      rounding, NaN-free summaries and directions in words
"""

from formcheck.cues import load_profile
from formcheck.engine.caveats import ASSUMED_RUN_CADENCE_SPM
from formcheck.engine.evaluation import KEY_LANDMARKS, SCHEMA_VERSION, evaluate, with_decoded_count
from formcheck.engine.grading import GRADES, HEADLINE_CUES, MIN_GRADED_CUES

# Reached through `formcheck.engine` by the tests, as when the engine was one module.
from formcheck.engine.components import _moving_frames  # noqa: F401
from formcheck.engine.grading import _overall  # noqa: F401
from formcheck.engine.scoring import _Context, _not_assessed  # noqa: F401
from formcheck.engine.strides import _crossover, _crossover_rate  # noqa: F401
from formcheck.gait import Gait  # noqa: F401

__all__ = [
    "ASSUMED_RUN_CADENCE_SPM", "GRADES", "HEADLINE_CUES", "KEY_LANDMARKS", "MIN_GRADED_CUES", "SCHEMA_VERSION",
    "evaluate", "load_profile", "with_decoded_count",
]  # fmt: skip
