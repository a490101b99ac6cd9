"""Bounded fuzzing of the decode and analyze paths with mutated bytes of a small valid clip.

Never a crash, a hang past the time bound, or a traceback: always frames or a VideoError, and
from the CLI always exit 0 or a one-line error. The long run is tests/fuzz/fuzz_analyze.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.errors import VideoError
from formcheck.video import VideoSink, probe, read_frames


@pytest.fixture(scope="module")
def seed_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 20-frame H.264 clip (a downscaled piece of a sample), as bytes."""
    path = tmp_path_factory.mktemp("fuzz") / "seed.mp4"
    frames = []
    for _, img in read_frames(sample("backward"), "bgr24"):
        frames.append(img[::4, ::4].copy())
        if len(frames) == 20:
            break
    h, w = frames[0].shape[:2]
    with VideoSink(path, w, h, 30.0) as sink:
        for i, f in enumerate(frames):
            sink.write(f, i / 30)
    return path.read_bytes()


def mutate(data: bytes, edits: list[tuple[int, int]], cut: float | None) -> bytes:
    """Overwrite bytes at relative positions, then optionally truncate."""
    buf = bytearray(data)
    for pos, value in edits:
        buf[pos % len(buf)] = value
    if cut is not None:
        buf = buf[: max(1, int(len(buf) * cut))]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=40)
CUTS = st.one_of(st.none(), st.floats(0.05, 1.0))


@settings(max_examples=60, deadline=10_000, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS, cut=CUTS)
def test_decoding_mutated_clips_never_crashes(seed_clip: bytes, tmp_path: Path, edits, cut) -> None:
    clip = tmp_path / "fuzz.mp4"
    clip.write_bytes(mutate(seed_clip, edits, cut))
    try:
        probe(clip)
        n = sum(1 for _ in read_frames(clip))
        assert n >= 1
    except VideoError as exc:
        assert str(exc) and " — " in str(exc)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_analyze_on_mutated_clips_gives_a_result_or_one_line(seed_clip: bytes, tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    edits = [(int(rng.integers(0, len(seed_clip))), int(rng.integers(0, 256))) for _ in range(15 * seed)]
    clip = tmp_path / "fuzz.mp4"
    clip.write_bytes(mutate(seed_clip, edits, None))
    proc = run_cli("analyze", str(clip), "-o", str(tmp_path / "out"), "--no-video", timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 1:
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: ")
