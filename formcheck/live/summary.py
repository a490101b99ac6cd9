"""What a session did, as the lines `formcheck live` prints at the end."""

from __future__ import annotations

import numpy as np

from formcheck.live.options import LiveResult


def summary_lines(result: LiveResult) -> list[str]:
    """Frames, drops, rate and latency; then the recording, snapshots and report, if any."""
    lat = result.latency_ms
    timing = (
        f"; latency median {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms"
        if lat.size
        else ""
    )
    lines = [
        f"live: {result.frames_processed} frames shown of {result.frames_captured} captured "
        f"({result.frames_dropped} dropped) in {result.elapsed_s:.1f} s ({result.fps:.1f} frames/s)"
        f"{timing}; ended: {result.end}"
    ]
    if result.recording is not None:
        lines.append(f"recording: {result.recording} ({result.recorded_frames} frames)")
    lines += [f"snapshot: {snap}" for snap in result.snapshots]
    if result.report is not None:
        rep = result.report.report
        o = rep["overall"]
        score = f"{o['score']:.0f}/100 ({o['grade']})" if o["score"] is not None else f"not graded — {o['summary'].removeprefix('Not graded: ')}"
        lines.append(f"report: {rep['movement']['type'].replace('_', ' ')}; form {score}")
        lines.append(f"results: {result.report.out_dir}/report.html")
    return lines
