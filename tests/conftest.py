"""Shared fixtures: the real sample clips, analysed once per test session with the real model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


def sample(prefix: str) -> Path:
    """The sample clip whose name starts with `prefix`."""
    found = sorted(SAMPLES.glob(f"{prefix}*.mp4"))
    assert found, f"no sample clip {prefix}*.mp4 in {SAMPLES}"
    return found[0]



def annotated_size_ok(size: tuple[int, int], picture: tuple[int, int]) -> bool:
    """The annotated video's (width, height) is the `picture` with the timeline strip's rows added
    below it (issue 18: the strip never covers the picture): the same width, an even height, and
    at most about a third of the picture's height more."""
    (w, h), (pw, ph) = size, picture
    return w == pw and h % 2 == 0 and ph <= h <= ph + ph // 3


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m formcheck ARGS` as a real process; stdin closed, stderr not a terminal."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample clip analysed by the CLI once: {prefix: results folder}."""
    out = tmp_path_factory.mktemp("analysed")
    results = {}
    for prefix in ("backward", "forward"):
        clip = sample(prefix)
        proc = run_cli("analyze", str(clip), "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        results[prefix] = out / clip.stem
        results[prefix + "_proc"] = proc
    return results
