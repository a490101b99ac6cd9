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
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import quote

from formcheck import __version__
from formcheck.console import error_line
from formcheck.errors import AnalysisError, ConfigError, OutputError, VideoError

#: Extensions of files meant as videos: one that cannot be read fails; any other is skipped.
VIDEO_SUFFIXES = frozenset(
    ".mp4 .m4v .mov .qt .mkv .webm .avi .wmv .flv .mpg .mpeg .mts .m2ts .ts .3gp .3g2 .ogv".split()
)
MARKER = "batch.json"
RESULT_FILES = ("report.json", "report.html", "frames.csv", "strides.csv", "landmarks.npz")
SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"
#: Default time limit of one clip: TIMEOUT_BASE_S plus TIMEOUT_PER_VIDEO_S per second of video.
TIMEOUT_BASE_S = 300.0
TIMEOUT_PER_VIDEO_S = 10.0
#: How long a stopped child may take to clean up before it is killed.
STOP_GRACE_S = 10.0
_POLL_S = 0.2
_INTERRUPTED = "interrupted before it finished — run the same command again to continue"
_CHILD = "from formcheck.batch import _child_main; _child_main()"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch.

    Attributes:
        out_root: results folder: OUT/<relative path of the clip without extension>/.
        workers: clips analysed at once on this machine; None = the number of cores.
        recursive: look into sub-folders.
        resume: keep clips whose complete results match the input, profile and version.
        video: write each clip's annotated.mp4.
        profile_path: a TOML file overriding the cue thresholds.
        model_path: the pose model; None = $FORMCHECK_MODEL or the bundled one.
        timeout_s: time limit per clip; None = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S x duration.
        athlete_pattern: regex on the file name (no extension) whose group `athlete` (or first
            group) names the athlete; None = the first sub-folder's name.
        scheduler: address of a Dask distributed scheduler; None = local processes.
        verbose: let the children's native logs through to stderr.
    """

    out_root: Path = Path("formcheck-out")
    workers: int | None = None
    recursive: bool = True
    resume: bool = True
    video: bool = True
    profile_path: str | None = None
    model_path: str | None = None
    timeout_s: float | None = None
    athlete_pattern: str | None = None
    scheduler: str | None = None
    verbose: bool = False


@dataclass(frozen=True)
class ClipJob:
    """One file to analyse, as plain data for a child process or a cluster worker."""

    folder: str  # absolute input folder; the child runs there
    rel: str  # the file's POSIX path relative to `folder`
    out_root: str  # absolute OUT/<relative folder>: analyze writes <out_root>/<stem>/
    video: bool
    profile_path: str | None
    model_path: str | None
    profile_sha256: str
    timeout_s: float | None
    verbose: bool = False
    conflict: str | None = None  # why this clip's results folder cannot be used
    size_bytes: int = 0

    @property
    def result_dir(self) -> Path:
        """Where the clip's results go."""
        return Path(self.out_root) / PurePosixPath(self.rel).stem


@dataclass(frozen=True)
class ClipResult:
    """What became of one file: status ok | failed | skipped, with the reason when not ok."""

    rel: str
    status: str
    error: str = ""
    session_date: str = ""  # ISO 8601 UTC, e.g. 2024-06-02T09:30:00Z
    date_source: str = ""  # "metadata" (the container's creation_time) or "file time"
    resumed: bool = False
    size_bytes: int = 0


@dataclass(frozen=True)
class BatchReport:
    """Every file's result, in path order, and where the summary went."""

    results: list[ClipResult]
    summary_csv: Path
    index_html: Path
    interrupted: bool = False

    def count(self, status: str) -> int:
        """How many files ended with `status`."""
        return sum(r.status == status for r in self.results)

    @property
    def resumed(self) -> int:
        """Clips whose earlier results were kept."""
        return sum(r.resumed for r in self.results)

    @property
    def return_code(self) -> int:
        """0 when no clip failed, else 1."""
        return 1 if self.count("failed") else 0

    def __str__(self) -> str:
        return f"{self.count('ok')} ok, {self.count('failed')} failed, {self.count('skipped')} skipped"


class Listener(Protocol):
    """Told what the batch does, e.g. to draw a progress bar."""

    def planned(self, todo: list[ClipJob], resumed: list[ClipResult]) -> None:
        """Before the work starts: the files to analyse, and the clips kept from a previous run."""

    def finished(self, result: ClipResult) -> None:
        """One file is done (in completion order)."""


# ---------------------------------------------------------------------------------------------
# Planning: which files, where their results go, which are already done


def discover(folder: Path, recursive: bool = True, exclude: Path | None = None) -> list[str]:
    """POSIX paths, relative to `folder` and sorted, of its files; hidden names and `exclude` left out."""
    folder = folder.resolve()
    excluded = exclude.resolve() if exclude is not None else None
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        keep = [d for d in dirs if not d.startswith(".") and (here / d).resolve() != excluded]
        dirs[:] = sorted(keep) if recursive else []
        found += [(here / f).relative_to(folder).as_posix() for f in files if not f.startswith(".") and (here / f).is_file()]
    return sorted(found)


def profile_sha256(profile_path: str | None) -> str:
    """Hash of the profile in force: the built-in TOML, and the user's file laid over it."""
    from formcheck.cues import DEFAULT_PROFILE

    h = hashlib.sha256(resources.files("formcheck.profiles").joinpath(DEFAULT_PROFILE).read_bytes())
    if profile_path is not None:
        h.update(b"\0" + Path(profile_path).read_bytes())
    return h.hexdigest()


def _conflicts(rels: list[str]) -> dict[str, str]:
    """Clips whose results folder is another clip's, or a folder holding other clips' results."""
    folders = {str(p) for rel in rels for p in PurePosixPath(rel).parents}
    owners: dict[str, str] = {}
    out = {}
    # A file with a video extension claims a shared results folder before one without.
    for rel in sorted(rels, key=lambda r: (PurePosixPath(r).suffix.lower() not in VIDEO_SUFFIXES, r)):
        p = PurePosixPath(rel)
        key = str(p.parent / p.stem)
        if key in folders:
            out[rel] = f"its results folder {key}/ would also hold the results of the folder {key}/ — rename the clip or the folder"
        elif key in owners:
            out[rel] = f"its results folder {key}/ is already the one of {owners[key]} — rename one of the two"
        else:
            owners[key] = rel
    return out


def plan(folder: Path, options: BatchOptions) -> list[ClipJob]:
    """One job per file found in `folder`, in path order."""
    folder, out_root = folder.resolve(), options.out_root.resolve()
    rels = discover(folder, options.recursive, exclude=out_root)
    conflicts = _conflicts(rels)
    absolute = lambda p: str(Path(p).resolve()) if p is not None else None  # noqa: E731 - the child runs elsewhere
    digest = profile_sha256(options.profile_path)
    return [
        ClipJob(
            folder=str(folder),
            rel=rel,
            out_root=str(out_root / PurePosixPath(rel).parent),
            video=options.video,
            profile_path=absolute(options.profile_path),
            model_path=absolute(options.model_path),
            profile_sha256=digest,
            timeout_s=options.timeout_s,
            verbose=options.verbose,
            conflict=conflicts.get(rel),
            size_bytes=(folder / rel).stat().st_size,
        )
        for rel in rels
    ]


def finished_result(job: ClipJob, model_sha256: str) -> ClipResult | None:
    """The clip's result when complete results for the same input, profile, model and version exist."""
    from formcheck.pipeline import file_sha256

    d = job.result_dir
    needed = RESULT_FILES + (("annotated.mp4",) if job.video else ())
    if job.conflict or not all((d / name).is_file() for name in needed + (MARKER,)):
        return None
    try:
        marker = json.loads((d / MARKER).read_text("utf-8"))
        rep = json.loads((d / "report.json").read_text("utf-8"))
        recorded = (marker["input_sha256"], rep["input"]["sha256"], rep["model"]["sha256"], rep["formcheck_version"])
        same = (
            marker["profile_sha256"] == job.profile_sha256
            and marker["formcheck_version"] == __version__ == recorded[3]
            and recorded[2] == model_sha256
            and (marker["video"] or not job.video)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not same or recorded[0] != recorded[1] or recorded[0] != file_sha256(Path(job.folder) / job.rel):
        return None
    return ClipResult(
        job.rel, "ok", session_date=marker.get("session_date", ""), date_source=marker.get("date_source", ""),
        resumed=True, size_bytes=job.size_bytes,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# One clip in its own process


class Children:
    """The child processes running now, so that Ctrl-C can stop every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()
        self.stopping = False

    def start(self, args: list[str], **kwargs) -> subprocess.Popen | None:
        """Start a child, unless the batch is stopping."""
        with self._lock:
            if self.stopping:
                return None
            proc = subprocess.Popen(args, **kwargs)
            self._procs.add(proc)
            return proc

    def forget(self, proc: subprocess.Popen) -> None:
        """The child has ended."""
        with self._lock:
            self._procs.discard(proc)

    def stop_all(self) -> None:
        """Interrupt every child (each removes its half-written folder), killing late ones."""
        with self._lock:
            self.stopping = True
            procs = list(self._procs)
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_clip(job: ClipJob, children: Children | None = None) -> ClipResult:
    """Analyse one file in a fresh child process, within the clip's time limit.

    Runs in a worker thread of this process, or on a Dask worker. Never raises for a bad clip:
    a crash, a hang or an analysis error comes back as a failed result with its reason.
    """
    _remove_leftovers(job)
    scratch = Path(tempfile.mkdtemp(prefix="formcheck-clip-"))
    try:
        (scratch / "job.json").write_text(json.dumps(asdict(job)), encoding="utf-8")
        args = [sys.executable, "-P", "-c", _CHILD, str(scratch)]
        quiet = None if job.verbose else subprocess.DEVNULL
        # Its own session: a Ctrl-C on the terminal reaches only the batch, which stops the children.
        popen = dict(cwd=job.folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=quiet, start_new_session=True)
        proc = children.start(args, **popen) if children else subprocess.Popen(args, **popen)
        if proc is None:
            return _failed(job, _INTERRUPTED)
        try:
            stopped = _watch(proc, job, scratch)
        finally:
            if children:
                children.forget(proc)
        result = _collect(job, proc.returncode, stopped, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.status == "failed":
        _remove_leftovers(job)
    return result


def _failed(job: ClipJob, message: str) -> ClipResult:
    return ClipResult(job.rel, "failed", error_line(AnalysisError(message, job.rel)), size_bytes=job.size_bytes)


def _watch(proc: subprocess.Popen, job: ClipJob, scratch: Path) -> str | None:
    """Wait for the child; stop it once past the clip's limit. Returns why it was stopped."""
    start = time.monotonic()
    limit = job.timeout_s or TIMEOUT_BASE_S
    sized = job.timeout_s is not None
    while True:
        try:
            proc.wait(timeout=_POLL_S)
            return None
        except subprocess.TimeoutExpired:
            pass
        if not sized and (scratch / "info.json").is_file():  # the child has probed the clip
            duration_s = json.loads((scratch / "info.json").read_text("utf-8"))["duration_s"]
            limit, sized = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S * duration_s, True
        if time.monotonic() - start > limit:
            proc.terminate()  # the child turns SIGTERM into KeyboardInterrupt and cleans up
            try:
                proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return f"the analysis took longer than {limit:g} s and was stopped — the file may be damaged or very long; raise --timeout"


def _collect(job: ClipJob, returncode: int, stopped: str | None, scratch: Path) -> ClipResult:
    """The child's result, or why there is none."""
    if stopped:
        return _failed(job, stopped)
    try:
        return ClipResult(**json.loads((scratch / "result.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    if returncode in (130, -signal.SIGINT):
        return _failed(job, _INTERRUPTED)
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return _failed(job, f"the analysis process crashed ({name}) — the file may be damaged; try `formcheck analyze -v` on it")
    return _failed(job, f"the analysis process ended unexpectedly (exit status {returncode}) — run again with -v to see why")


def _remove_leftovers(job: ClipJob) -> None:
    """Half-written folders of a killed analysis of this clip (analyze's temporary names)."""
    stem = PurePosixPath(job.rel).stem
    root = Path(job.out_root)
    if root.is_dir() and not job.conflict:  # a conflicting clip's names are another clip's
        for kind in ("partial", "old"):
            for p in root.glob(f".{_glob_escape(stem)}.{kind}-*"):
                shutil.rmtree(p, ignore_errors=True)


def _glob_escape(name: str) -> str:
    """`name` with glob's special characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path.name} ({exc.strerror or exc}) — check free space and permissions", path) from exc


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
    _write_atomic(scratch / "info.json", json.dumps({"duration_s": info.duration_s}))
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
        marker = {
            "clip": job.rel, "formcheck_version": __version__, "input_sha256": done.report["input"]["sha256"],
            "profile_sha256": job.profile_sha256, "video": job.video, "session_date": date, "date_source": source,
        }  # fmt: skip
        _write_atomic(done.out_dir / MARKER, json.dumps(marker, indent=2) + "\n")
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
    _write_atomic(scratch / "result.json", json.dumps(asdict(result)))


# ---------------------------------------------------------------------------------------------
# Running many


def _run_local(jobs: list[ClipJob], workers: int, on_result: Callable[[ClipResult], None]) -> None:
    """Each job in a child process, `workers` at a time. Ctrl-C stops the children, then re-raises."""
    children = Children()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="formcheck-batch")
    futures = [pool.submit(run_clip, job, children) for job in jobs]
    reported = set()
    try:
        for fut in as_completed(futures):
            reported.add(fut)
            on_result(fut.result())
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        children.stop_all()
        pool.shutdown(wait=True)
        for fut in futures:  # clips that ended while stopping keep their result
            if fut not in reported and fut.done() and not fut.cancelled():
                result = fut.result()
                if not result.error.endswith(_INTERRUPTED):
                    on_result(result)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(jobs: list[ClipJob], address: str, on_result: Callable[[ClipResult], None]) -> None:
    """Each job's `run_clip` on the workers of a Dask distributed cluster."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise ConfigError("--scheduler needs Dask distributed — pip install 'formcheck[dask]'") from exc
    try:
        client = Client(address, timeout=10)
    except Exception as exc:  # noqa: BLE001 - any connection failure is the address's problem
        raise ConfigError(f"cannot reach the Dask scheduler at {address} ({exc}) — check the address and that the scheduler runs") from exc
    with client:
        keys = [f"formcheck-clip-{uuid.uuid4().hex}" for _ in jobs]
        by_key = dict(zip(keys, jobs, strict=True))
        futures = client.map(run_clip, jobs, key=keys, pure=False)
        try:
            for fut in dask_completed(futures):
                job = by_key[fut.key]
                try:
                    on_result(fut.result())
                except Exception as exc:  # noqa: BLE001 - e.g. the worker died: this clip fails
                    on_result(ClipResult(job.rel, "failed", error_line(exc, job.rel), size_bytes=job.size_bytes))
        except KeyboardInterrupt:
            client.cancel(futures)
            raise


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
            _run_dask(todo, options.scheduler, on_result)
        elif todo:
            _run_local(todo, options.workers or len(os.sched_getaffinity(0)), on_result)
    except KeyboardInterrupt:
        interrupted = True
    ordered = [results.get(job.rel) or _failed(job, _INTERRUPTED) for job in jobs]
    cues = [(c.id, c.title) for c in profile.cues]
    summary, index = write_summary(out_root, ordered, cues, pattern)
    return BatchReport(ordered, summary, index, interrupted)


# ---------------------------------------------------------------------------------------------
# summary.csv and index.html


BASE_COLUMNS = ["path", "athlete", "session_date", "date_source", "status", "error", "movement",
                "overall_score", "grade", "cadence_spm", "duration_s", "pose_coverage", "camera", "view", "segments"]  # fmt: skip


def athlete_of(rel: str, pattern: re.Pattern | None = None) -> str:
    """The athlete: from the file name with `pattern` when it matches, else the first sub-folder."""
    path = PurePosixPath(rel)
    if pattern is not None and (m := pattern.search(path.stem)):
        name = m.group("athlete") if "athlete" in pattern.groupindex else (m.group(1) if pattern.groups else m.group(0))
        if name:
            return name
    return path.parts[0] if len(path.parts) > 1 else ""


def _row(out_root: Path, result: ClipResult, pattern: re.Pattern | None) -> dict:
    """One clip's summary: the CSV fields, plus its cues ('_cues': id -> (title, status, score))."""
    p = PurePosixPath(result.rel)
    row = dict.fromkeys(BASE_COLUMNS) | {
        "path": result.rel, "athlete": athlete_of(result.rel, pattern), "session_date": result.session_date,
        "date_source": result.date_source, "status": result.status, "error": result.error, "_cues": {},
    }  # fmt: skip
    if result.status != "ok":
        return row
    try:
        rep = json.loads((out_root / p.parent / p.stem / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {**row, "status": "failed", "error": error_line(AnalysisError("its report.json is missing or unreadable — run the batch again", result.rel))}
    get = lambda *keys: _dig(rep, keys)  # noqa: E731
    row.update(
        movement=get("movement", "type"), overall_score=get("overall", "score"), grade=get("overall", "grade"),
        cadence_spm=get("gait", "cadence_spm"), duration_s=get("input", "duration_s"),
        pose_coverage=get("detection", "coverage"), report=(p.parent / p.stem / "report.html").as_posix(),
        camera=get("camera", "label"), view=get("camera_view", "view"),
        segments="; ".join(f"{sg['movement']} {sg['start_s']:.1f}-{sg['end_s']:.1f} s" for sg in (get("movement", "segments") or [])),
        _cues={c["id"]: (c.get("title", c["id"]), c.get("band", c.get("status")), c.get("score")) for c in rep.get("cues", [])},
    )  # fmt: skip
    return row


def _dig(data: dict, keys: tuple[str, ...]) -> object:
    """data[k1][k2]..., or None where a key is missing (the report schema gains fields over time)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _csv(rows: list[dict], cue_ids: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BASE_COLUMNS + [f"score_{c}" for c in cue_ids] + ["report"])
    for row in rows:
        scores = [row["_cues"].get(c, (None, None, None))[2] for c in cue_ids]
        cells = [row.get(k) for k in BASE_COLUMNS] + scores + [row.get("report")]
        writer.writerow(["" if v is None else v for v in cells])
    return out.getvalue()


def write_summary(out_root: Path, results: list[ClipResult], cues: list[tuple[str, str]], pattern: re.Pattern | None = None) -> tuple[Path, Path]:
    """Write OUT/summary.csv and OUT/index.html (each atomically). Returns their paths."""
    rows = [_row(out_root, r, pattern) for r in results]
    titles = dict(cues)
    for row in rows:  # cues a report has beyond the profile's (a newer engine) get columns too
        for cid, (title, _, _) in row["_cues"].items():
            titles.setdefault(cid, title)
    summary, index = out_root / SUMMARY_CSV, out_root / INDEX_HTML
    _write_atomic(summary, _csv(rows, list(titles)))
    _write_atomic(index, render_index(rows, titles))
    return summary, index


def _chart(rows: list[dict], width: int = 300, height: int = 110) -> dict:
    """An athlete's overall score over sessions as SVG coordinates (x by date, y 0-100)."""
    pts = [r for r in rows if r.get("overall_score") is not None and r["session_date"]]
    stamps = [datetime.fromisoformat(r["session_date"].replace("Z", "+00:00")).timestamp() for r in pts]
    left, right, top, bottom = 34, width - 10, 8, height - 22
    span = (max(stamps) - min(stamps)) if stamps else 0
    points = []
    for i, (r, t) in enumerate(zip(pts, stamps, strict=True)):
        frac = (t - min(stamps)) / span if span else ((i + 0.5) / len(pts))
        x = left + frac * (right - left)
        y = bottom - r["overall_score"] / 100 * (bottom - top)
        points.append({"x": round(x, 1), "y": round(y, 1), "score": r["overall_score"], "date": r["session_date"][:10], "path": r["path"]})
    grid = [{"y": round(bottom - v / 100 * (bottom - top), 1), "label": v} for v in (0, 50, 100)]
    first, last = (pts[0]["session_date"][:10], pts[-1]["session_date"][:10]) if pts else ("", "")
    return {"width": width, "height": height, "left": left, "right": right, "bottom": bottom, "grid": grid,
            "points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in points), "first": first, "last": last}  # fmt: skip


def _faults(rows: list[dict], titles: dict[str, str], limit: int) -> list[dict]:
    """Cues most often fair or poor in these clips, worst first."""
    out = []
    for cid, title in titles.items():
        states = [(r["athlete"], r["_cues"][cid][1]) for r in rows if cid in r["_cues"]]
        poor = sum(s == "poor" for _, s in states)
        fair = sum(s == "fair" for _, s in states)
        assessed = sum(s != "not_assessed" for _, s in states)
        if poor + fair:
            who = sorted({a or "(no athlete)" for a, s in states if s in ("fair", "poor")})
            out.append({"id": cid, "title": title, "poor": poor, "fair": fair, "assessed": assessed, "athletes": who})
    return sorted(out, key=lambda f: (-(f["poor"] + f["fair"]), -f["poor"], f["title"]))[:limit]


def render_index(rows: list[dict], titles: dict[str, str]) -> str:
    """index.html: one self-contained page (inline CSS, JS and SVG); file names are escaped."""
    from jinja2 import Environment, select_autoescape

    groups = {}
    for row in sorted(rows, key=lambda r: (r["athlete"] == "", r["athlete"].lower(), r["session_date"], r["path"])):
        row["href"] = quote(row["report"]) if row.get("report") else None
        row["note"] = row["error"].removeprefix(f"{row['path']}: ")
        groups.setdefault(row["athlete"], []).append(row)
    athletes = []
    for name, members in groups.items():
        ok = [r for r in members if r["status"] == "ok"]
        scores = [r["overall_score"] for r in ok if r.get("overall_score") is not None]
        athletes.append({
            "name": name or "(no athlete)", "named": bool(name), "rows": members, "ok": len(ok), "chart": _chart(ok),
            "latest": scores[-1] if scores else None, "best": max(scores) if scores else None,
            "focus": [f["title"] for f in _faults(ok, titles, 2)],
        })  # fmt: skip
    ok_rows = [r for r in rows if r["status"] == "ok"]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "skipped")}
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(resources.files("formcheck").joinpath("templates/batch_index.html").read_text("utf-8"))
    short = {cid: cid.replace("_", " ") for cid in titles}
    return template.render(
        athletes=athletes, counts=counts, total=len(rows), faults=_faults(ok_rows, titles, 6),
        clips_scored=len(ok_rows), cues=[(c, titles[c], short[c]) for c in titles], version=__version__,
    )  # fmt: skip
