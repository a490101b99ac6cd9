"""Running many clips: local worker threads that each start and watch a child process, or the
workers of a Dask distributed cluster; each result is handed on as it comes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

from formcheck.batch.jobs import ClipJob, ClipResult
from formcheck.batch.worker import INTERRUPTED, Children, run_clip
from formcheck.console import error_line
from formcheck.errors import ConfigError


def run_local(jobs: list[ClipJob], workers: int, on_result: Callable[[ClipResult], None]) -> None:
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
                if not result.error.endswith(INTERRUPTED):
                    on_result(result)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_dask(jobs: list[ClipJob], address: str, on_result: Callable[[ClipResult], None]) -> None:
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
