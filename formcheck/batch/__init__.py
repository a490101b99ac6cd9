"""Batch mode: every clip of a folder analysed in isolation, then one summary.csv and index.html.

    from formcheck.batch import BatchOptions, run_batch
    report = run_batch("squad/", BatchOptions(out_root=Path("squad-out")))
    print(report)  # "12 ok, 1 failed, 2 skipped"

Each file goes to a fresh child process (`python -P -c ...`, started by `run_clip`) that probes it
with PyAV, so videos are recognised by their content and not only by their extension, reads the
session date and runs `formcheck.pipeline.analyze` into OUT/<relative folder>/<stem>/. A crash, a
hang past the clip's time limit or a bad file fails that clip only. Locally one thread per worker
starts and watches the children; with a Dask scheduler the same `run_clip` runs on the cluster's
workers. A clip whose complete results carry a marker (batch.json) for the same input content,
profile and formcheck version is not redone. summary.csv and index.html are written atomically.

The modules, in the order the data flows:
    jobs        options, jobs, results and the batch's report (plain data)
    discovery   the files of the folder, one job each
    resume      the finished-clip marker, and which clips need no new run
    worker      one clip in its own child process (time limit, crash, leftovers)
    child       what the child process runs
    executors   many clips: local threads or a Dask cluster
    runner      `run_batch`, which puts these together
    summary     summary.csv from every clip's report.json
    index_page  index.html, athlete by athlete
    atomic      writing a file whole or not at all
"""

from formcheck.batch.child import session_date
from formcheck.batch.discovery import VIDEO_SUFFIXES, discover, plan, profile_sha256
from formcheck.batch.index_page import render_index
from formcheck.batch.jobs import BatchOptions, BatchReport, ClipJob, ClipResult, Listener
from formcheck.batch.resume import MARKER, RESULT_FILES, finished_result
from formcheck.batch.runner import run_batch
from formcheck.batch.summary import BASE_COLUMNS, INDEX_HTML, SUMMARY_CSV, athlete_of, write_summary
from formcheck.batch.worker import (
    STOP_GRACE_S,
    TIMEOUT_BASE_S,
    TIMEOUT_PER_VIDEO_S,
    Children,
    run_clip,
)

__all__ = [
    "BASE_COLUMNS",
    "INDEX_HTML",
    "MARKER",
    "RESULT_FILES",
    "STOP_GRACE_S",
    "SUMMARY_CSV",
    "TIMEOUT_BASE_S",
    "TIMEOUT_PER_VIDEO_S",
    "VIDEO_SUFFIXES",
    "BatchOptions",
    "BatchReport",
    "Children",
    "ClipJob",
    "ClipResult",
    "Listener",
    "athlete_of",
    "discover",
    "finished_result",
    "plan",
    "profile_sha256",
    "render_index",
    "run_batch",
    "run_clip",
    "session_date",
    "write_summary",
]
