"""Write a report: JSON (versioned schema), HTML for people, and CSV for spreadsheets.

Also what the report needs from the frames: the capture-quality checks (camera angle, distance,
frame rate, lighting, visibility, length) and which frames to show as key moments.

The modules:
    json_file   report.json and its JSON Schema
    html_page   report.html (cue cards, plots, key frames) and its Jinja template
    csv_files   frames.csv and strides.csv
    plots       the report's plots (matplotlib, PNG bytes)
    capture     the capture-quality checks
    key_frames  which frames the report shows
    per_frame   report values spread over the frames (cue states, stride values)
"""

from formcheck.light import LightMeter  # part of this package's interface (capture_quality's input)
from formcheck.report.capture import athlete_height, capture_quality
from formcheck.report.csv_files import write_frames_csv, write_strides_csv
from formcheck.report.html_page import (
    CARD_ORDER,
    OPEN_END,
    band_bar,
    how_to_record,
    html_context,
    html_template,
    plots_for,
    write_html,
)
from formcheck.report.json_file import public, schema, write_json
from formcheck.report.key_frames import key_frame_plan, plan_indices
from formcheck.report.per_frame import cue_state_frames, stride_frames

__all__ = [
    "CARD_ORDER",
    "OPEN_END",
    "LightMeter",
    "athlete_height",
    "band_bar",
    "capture_quality",
    "cue_state_frames",
    "how_to_record",
    "html_context",
    "html_template",
    "key_frame_plan",
    "plan_indices",
    "plots_for",
    "public",
    "schema",
    "stride_frames",
    "write_frames_csv",
    "write_html",
    "write_json",
    "write_strides_csv",
]
