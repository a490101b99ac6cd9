"""Inside the child process: probe the file, date the session, analyse the clip and mark its
results as finished (started by `formcheck.batch.worker.run_clip`)."""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

from formcheck.batch.atomic import write_atomic
from formcheck.batch.discovery import VIDEO_SUFFIXES
from formcheck.batch.jobs import ClipJob, ClipResult
from formcheck.batch.resume import write_marker
from formcheck.console import error_line
from formcheck.errors import AnalysisError, VideoError


def session_date(clip: Path) -> tuple[str, str]:
    """When the clip was filmed (ISO 8601 UTC) and where that came from: metadata or file time."""
    import av

    try:
        with av.open(str(clip)) as container:
            tags = [container.metadata] + [s.metadata for s in container.streams.video]
            raw = next((t["creation_time"] for t in tags if t.get("creation_time")), None)
        if raw:
            when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            if when.year > 1970:  # 1904/1970 are containers' "unset" values
                return f"{when.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}", "metadata"
    except (OSError, ValueError, av.error.FFmpegError):
        pass
    mtime = datetime.fromtimestamp(clip.stat().st_mtime, timezone.utc)
    return f"{mtime:%Y-%m-%dT%H:%M:%SZ}", "file time"


def _analyse(job: ClipJob, scratch: Path) -> ClipResult:
    """In the child: probe, date and analyse one file; mark its results as finished."""
    from formcheck.video import probe

    clip = Path(job.rel)
    meant_as_video = clip.suffix.lower() in VIDEO_SUFFIXES
    skipped = lambda why: ClipResult(job.rel, "skipped", error_line(VideoError(f"{why} — not analysed (only videos are)", job.rel)), size_bytes=job.size_bytes)  # noqa: E731
    try:
        info = probe(clip)
    except VideoError as exc:
        if meant_as_video:
            return ClipResult(job.rel, "failed", error_line(exc, job.rel), size_bytes=job.size_bytes)
        return skipped(exc.message.split(" — ")[0])
    if info.frames < 2 and not meant_as_video:
        return skipped(f"a still image ({info.codec}), not a video")
    write_atomic(scratch / "info.json", json.dumps({"duration_s": info.duration_s}))
    date, source = session_date(clip)
    result = ClipResult(job.rel, "ok", session_date=date, date_source=source, size_bytes=job.size_bytes)
    if job.conflict:
        return replace(result, status="failed", error=error_line(AnalysisError(job.conflict, job.rel)))
    from formcheck.pipeline import AnalyzeOptions, analyze

    options = AnalyzeOptions(model_path=job.model_path, video=job.video, profile_path=job.profile_path)
    try:
        done = analyze(clip, job.out_root, options)
        # The results are published: a stop request now waits until the marker and result are written.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        write_marker(done.out_dir, job, done.report["input"]["sha256"], date, source)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the clip's reason
        return replace(result, status="failed", error=error_line(exc, job.rel))
    return result


def _child_main() -> None:
    """Entry point of the child process: analyse the job in SCRATCH/job.json (argv[1])."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl-C
    scratch = Path(sys.argv[1])
    job = ClipJob(**json.loads((scratch / "job.json").read_text("utf-8")))
    try:
        result = _analyse(job, scratch)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    write_atomic(scratch / "result.json", json.dumps(asdict(result)))
