"""`run_batch`: check the folders, plan the jobs, keep the finished clips, run the others and
write the summary."""

from __future__ import annotations

import os
import re
from pathlib import Path

from formcheck.batch.discovery import plan
from formcheck.batch.executors import run_dask, run_local
from formcheck.batch.jobs import BatchOptions, BatchReport, ClipResult, Listener
from formcheck.batch.resume import finished_result
from formcheck.batch.summary import write_summary
from formcheck.batch.worker import INTERRUPTED, failed
from formcheck.errors import ConfigError, OutputError


def _athlete_regex(pattern: str | None) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"--athlete-from is not a valid regular expression ({exc}) — e.g. '^(?P<athlete>[^_]+)_'") from exc


def run_batch(folder: str | os.PathLike, options: BatchOptions = BatchOptions(), listener: Listener | None = None) -> BatchReport:
    """Analyse every clip in `folder`; write OUT/summary.csv and OUT/index.html.

    Ctrl-C stops the running clips (their half-written folders are removed), keeps the finished
    ones, writes the summary and returns a report with `interrupted` set.

    Raises:
        ConfigError, ModelError, OutputError: before any clip ran (bad folder, profile, model,
        output folder or scheduler).
    """
    from formcheck.cues import load_profile
    from formcheck.pose import find_model

    folder = Path(folder).resolve()
    out_root = options.out_root.resolve()
    if not folder.is_dir():
        raise ConfigError("is not a folder — give the folder that holds the clips", folder)
    if out_root == folder:
        raise ConfigError("the output folder is the input folder — choose another one with -o", out_root)
    pattern = _athlete_regex(options.athlete_pattern)
    profile = load_profile(options.profile_path)
    model = find_model(options.model_path)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror or exc}) — choose a writable folder with -o", out_root) from exc
    jobs = plan(folder, options)
    results = {}
    if options.resume:
        results = {job.rel: r for job in jobs if (r := finished_result(job, model.sha256))}
    todo = [job for job in jobs if job.rel not in results]
    if listener:
        listener.planned(todo, list(results.values()))

    def on_result(result: ClipResult) -> None:
        results[result.rel] = result
        if listener:
            listener.finished(result)

    interrupted = False
    try:
        if options.scheduler:
            run_dask(todo, options.scheduler, on_result)
        elif todo:
            run_local(todo, options.workers or len(os.sched_getaffinity(0)), on_result)
    except KeyboardInterrupt:
        interrupted = True
    ordered = [results.get(job.rel) or failed(job, INTERRUPTED) for job in jobs]
    cues = [(c.id, c.title) for c in profile.cues]
    summary, index = write_summary(out_root, ordered, cues, pattern)
    return BatchReport(ordered, summary, index, interrupted)
