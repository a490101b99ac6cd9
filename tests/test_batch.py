"""`formcheck batch`: real clips, real child processes, a real browser and a real Dask cluster."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import psutil
import pytest
from browser import chromium, console_errors
from conftest import run_cli, sample
from selenium.webdriver.common.by import By

from formcheck.batch import BatchOptions, athlete_of, discover, finished_result, plan
from formcheck.batch.discovery import _conflicts
from formcheck.pose import find_model

MAY_1 = 1714557600.0  # 2024-05-01T10:00:00Z
MAY_3 = MAY_1 + 2 * 86400
TRICKY = "<b>fwd & \"co\"'s.mp4"  # markup, quotes and an ampersand in a file name


def _remux(src: Path, dst: Path, creation_time: str) -> None:
    """Copy a clip's packets into a new MP4 that carries a creation_time tag (no re-encoding)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        out.metadata["creation_time"] = creation_time
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)


def make_squad(root: Path) -> Path:
    """A coach's folder: two athletes, a nested duplicate name, a broken clip and a non-video."""
    squad = root / "squad"
    (squad / "anna" / "2024-06").mkdir(parents=True)
    (squad / "ben").mkdir()
    shutil.copyfile(sample("backward"), squad / "anna" / "session.mp4")
    os.utime(squad / "anna" / "session.mp4", (MAY_1, MAY_1))
    _remux(sample("forward"), squad / "anna" / "2024-06" / "session.mp4", "2024-06-02T09:30:00.000000Z")
    shutil.copyfile(sample("backward"), squad / "ben" / TRICKY)
    os.utime(squad / "ben" / TRICKY, (MAY_3, MAY_3))
    (squad / "ben" / "broken.mp4").write_bytes(sample("forward").read_bytes()[:4000])  # a cut-off transfer
    (squad / "notes.txt").write_text("session plan\n")
    (squad / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: ignored
    return squad


def summary_rows(out: Path) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def result_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.parent != out)


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_squad(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def first_run(squad: Path) -> tuple[Path, subprocess.CompletedProcess, str]:
    """The squad analysed once: (OUT, the process, summary.csv's text as first written)."""
    out = squad.parent / "out"
    proc = run_cli("batch", str(squad), "-o", str(out), "--workers", "2", "--no-video")
    return out, proc, (out / "summary.csv").read_text() if (out / "summary.csv").exists() else ""


def test_every_file_is_accounted_for(first_run: tuple) -> None:
    out, proc, _ = first_run
    assert proc.returncode == 1, proc.stderr  # one clip failed, after all were tried
    assert proc.stdout.strip().splitlines()[-1] == "3 ok, 1 failed, 1 skipped"
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr  # no MediaPipe noise
    # Quiet when not on a terminal: just the failed clip's one line, as it happened.
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("failed: ben/broken.mp4: ") and " — " in line
    rows = {r["path"]: r for r in summary_rows(out)}
    assert sorted(rows) == ["anna/2024-06/session.mp4", "anna/session.mp4", f"ben/{TRICKY}", "ben/broken.mp4", "notes.txt"]
    assert {p: r["status"] for p, r in rows.items()} == {
        "anna/2024-06/session.mp4": "ok", "anna/session.mp4": "ok", f"ben/{TRICKY}": "ok",
        "ben/broken.mp4": "failed", "notes.txt": "skipped",
    }  # fmt: skip
    assert rows["notes.txt"]["error"].startswith("notes.txt: ") and rows["notes.txt"]["error"].endswith("— not analysed (only videos are)")
    assert rows["ben/broken.mp4"]["error"] == line.removeprefix("failed: ")
    assert [rows[p]["athlete"] for p in sorted(rows)] == ["anna", "anna", "ben", "ben", ""]
    # The session date: the container's creation_time when there is one, else the file's time.
    assert (rows["anna/2024-06/session.mp4"]["session_date"], rows["anna/2024-06/session.mp4"]["date_source"]) == ("2024-06-02T09:30:00Z", "metadata")
    assert (rows["anna/session.mp4"]["session_date"], rows["anna/session.mp4"]["date_source"]) == ("2024-05-01T10:00:00Z", "file time")
    assert rows["anna/session.mp4"]["movement"].startswith("backward_")
    assert rows["anna/2024-06/session.mp4"]["movement"].startswith("forward_")
    for path in ("anna/session.mp4", "anna/2024-06/session.mp4", f"ben/{TRICKY}"):
        row = rows[path]
        rep = json.loads((out / Path(row["report"]).parent / "report.json").read_text())
        assert rep["input"]["path"] == path  # the child ran in the input folder
        assert float(row["overall_score"]) == rep["overall"]["score"]
        cue_scores = {c["id"]: c["score"] for c in rep["cues"]}
        assert {k[6:]: (float(v) if v else None) for k, v in row.items() if k.startswith("score_")} == cue_scores
        assert (out / row["report"]).is_file()
    # Same file name in two folders: two results folders, no collision; nothing half-written.
    assert (out / "anna/session/report.json").is_file() and (out / "anna/2024-06/session/report.json").is_file()
    assert not any(".partial-" in p or ".old-" in p or p.endswith("annotated.mp4") for p in result_files(out))
    assert not (out / "ben" / "broken").exists()


def test_index_page_sorts_and_escapes_names(first_run: tuple) -> None:
    out, _, _ = first_run
    html = (out / "index.html").read_text()
    assert "<b>fwd" not in html and "&lt;b&gt;fwd &amp; &#34;co&#34;&#39;s.mp4" in html
    with chromium() as driver:
        driver.get((out / "index.html").as_uri())
        assert console_errors(driver) == []
        assert driver.find_elements(By.CSS_SELECTOR, "#clips td b") == []  # the name was not taken as markup
        charts = driver.find_elements(By.CSS_SELECTOR, ".athlete svg.chart")
        assert [len(c.find_elements(By.TAG_NAME, "circle")) for c in charts] == [2, 1]  # anna's two sessions, ben's one
        assert driver.find_elements(By.CSS_SELECTOR, "ol.faults li")  # the squad's common faults

        def anna(attr: str) -> list[str]:
            body = driver.find_elements(By.CSS_SELECTOR, "#clips tbody")[0]
            return [r.get_attribute(attr) for r in body.find_elements(By.CSS_SELECTOR, "tr[data-path]")]

        assert anna("data-path") == ["anna/session.mp4", "anna/2024-06/session.mp4"]  # by date
        heads = driver.find_elements(By.CSS_SELECTOR, "#clips thead th")
        clip_head = next(h for h in heads if h.text == "Clip")
        clip_head.find_element(By.TAG_NAME, "button").click()
        assert anna("data-path") == ["anna/2024-06/session.mp4", "anna/session.mp4"]
        clip_head.find_element(By.TAG_NAME, "button").click()
        assert anna("data-path") == ["anna/session.mp4", "anna/2024-06/session.mp4"]
        score_i = next(i for i, h in enumerate(heads) if h.text == "Score")
        heads[score_i].find_element(By.TAG_NAME, "button").click()
        scores = [float(td.get_attribute("data-sort")) for td in driver.find_elements(By.CSS_SELECTOR, f"#clips tbody:first-of-type tr[data-path] td:nth-child({score_i + 1})")]
        assert scores == sorted(scores) and len(scores) == 2
        assert heads[score_i].get_attribute("aria-sort") == "ascending"
        link = driver.find_element(By.LINK_TEXT, f"ben/{TRICKY}")
        link.click()
        assert driver.current_url.endswith("/report.html") and "fwd" in driver.current_url
        assert console_errors(driver) == []


def test_rerun_keeps_finished_clips(first_run: tuple, squad: Path) -> None:
    out, first, summary = first_run
    before = {p: (out / p).stat().st_mtime_ns for p in result_files(out)}
    proc = run_cli("batch", str(squad), "-o", str(out), "--workers", "2", "--no-video")
    assert proc.returncode == 1
    assert "3 clips already analysed" in proc.stderr
    assert {p: (out / p).stat().st_mtime_ns for p in result_files(out)} == before  # nothing redone
    assert proc.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]
    assert (out / "summary.csv").read_text() == summary


def test_resume_needs_the_same_input_profile_model_and_complete_results(first_run: tuple, squad: Path, tmp_path: Path) -> None:
    out, _, _ = first_run
    jobs = {j.rel: j for j in plan(squad, BatchOptions(out_root=out, video=False))}
    job = jobs["anna/session.mp4"]
    model = find_model().sha256
    assert finished_result(job, model).resumed
    assert finished_result(jobs["ben/broken.mp4"], model) is None
    assert finished_result(dataclasses.replace(job, profile_sha256="0" * 64), model) is None
    assert finished_result(job, "0" * 64) is None  # another model
    assert finished_result(dataclasses.replace(job, video=True), model) is None  # no annotated.mp4 yet
    changed = tmp_path / "in" / "anna"
    changed.mkdir(parents=True)
    (changed / "session.mp4").write_bytes((squad / "anna/session.mp4").read_bytes() + b"\0")
    assert finished_result(dataclasses.replace(job, folder=str(tmp_path / "in")), model) is None
    partial = tmp_path / "out" / "anna"
    shutil.copytree(out / "anna" / "session", partial / "session")
    assert finished_result(dataclasses.replace(job, out_root=str(partial)), model).resumed
    (partial / "session" / "frames.csv").unlink()
    assert finished_result(dataclasses.replace(job, out_root=str(partial)), model) is None


def test_interrupted_run_resumed_on_a_dask_cluster_gives_the_same_results(first_run: tuple, squad: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    out = tmp_path / "out"
    args = [sys.executable, "-m", "formcheck", "batch", str(squad), "-o", str(out), "--workers", "1", "--no-video"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not list(out.rglob("batch.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)  # Ctrl-C once the first clip is finished
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 1 and "interrupted" not in stderr:
        pytest.skip("the batch finished before the interrupt arrived")
    assert proc.returncode == 130, stderr
    assert "run the same command again" in stderr
    done = [p.parent for p in out.rglob("batch.json")]
    assert len(done) == 1
    kept = (done[0] / "report.json").stat().st_mtime_ns
    assert not any(".partial-" in p or ".old-" in p for p in result_files(out))  # the clip cut short left nothing
    assert [r["status"] for r in summary_rows(out)].count("ok") == 1
    assert "interrupted before it finished" in (out / "summary.csv").read_text()
    # The same command continues, here on a Dask cluster: the per-clip work runs on its worker.
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        again = run_cli("batch", str(squad), "-o", str(out), "--no-video", "--scheduler", cluster.scheduler_address)
    assert again.returncode == 1, again.stderr
    assert "1 clips already analysed" in again.stderr
    assert again.stdout.splitlines()[-1] == "3 ok, 1 failed, 1 skipped"
    assert (done[0] / "report.json").stat().st_mtime_ns == kept  # not redone
    assert (out / "summary.csv").read_text() == first_run[2]
    assert result_files(out) == result_files(first_run[0])


def _two_clips(tmp_path: Path) -> Path:
    folder = tmp_path / "clips"
    for name in ("a", "b"):
        (folder / name).mkdir(parents=True)
        shutil.copyfile(sample("backward"), folder / name / "clip.mp4")
    return folder


def test_a_clip_past_its_time_limit_fails_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder, out = _two_clips(tmp_path), tmp_path / "out"
    # Loading the model alone takes longer than 0.3 s: neither clip can finish in time.
    proc = run_cli("batch", str(folder), "-o", str(out), "--workers", "1", "--no-video", "--timeout", "0.3")
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "0 ok, 2 failed, 0 skipped"
    rows = summary_rows(out)
    assert [r["path"] for r in rows] == ["a/clip.mp4", "b/clip.mp4"]
    for r in rows:
        assert r["status"] == "failed"
        assert r["error"] == f"{r['path']}: the analysis took longer than 0.3 s and was stopped — the file may be damaged or very long; raise --timeout"
    assert result_files(out) == []  # nothing half-written left behind


def test_a_crashed_clip_fails_alone(tmp_path: Path) -> None:
    folder, out = _two_clips(tmp_path), tmp_path / "out"
    args = [sys.executable, "-m", "formcheck", "batch", str(folder), "-o", str(out), "--workers", "1", "--no-video"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim, deadline = None, time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        for child in psutil.Process(proc.pid).children():
            try:
                if "_child_main" in " ".join(child.cmdline()):
                    victim = child
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)
    assert victim is not None
    crashed = json.loads((Path(victim.cmdline()[-1]) / "job.json").read_text())["rel"]
    victim.send_signal(signal.SIGSEGV)  # what a segfault in native code does to the process
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 1, stderr
    assert stdout.splitlines()[-1] == "1 ok, 1 failed, 0 skipped"
    rows = {r["path"]: r for r in summary_rows(out)}
    assert rows[crashed]["status"] == "failed"
    assert rows[crashed]["error"].startswith(f"{crashed}: the analysis process crashed (SIGSEGV)")
    (other,) = set(rows) - {crashed}
    assert rows[other]["status"] == "ok"


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    proc = run_cli("batch", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    proc = run_cli("batch", str(folder), "--athlete-from", "(")
    assert proc.returncode == 2 and "--athlete-from" in proc.stderr
    proc = run_cli("batch", str(folder), "-o", str(folder))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {folder}: the output folder is the input folder — choose another one with -o"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[cues.nope]\ngood = 1\n")
    proc = run_cli("batch", str(folder), "-o", str(tmp_path / "out"), "--profile", str(bad))
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("error: ") and "nope" in proc.stderr
    proc = run_cli("batch", str(folder), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "0 ok, 0 failed, 0 skipped"


def test_athlete_from_the_folder_or_a_file_name_pattern() -> None:
    import re

    assert athlete_of("anna/2024-06/run.mp4") == "anna"
    assert athlete_of("run.mp4") == ""
    by_name = re.compile(r"^(?P<athlete>[a-z]+)_\d")
    assert athlete_of("week1/chloe_2024-05-01.mp4", by_name) == "chloe"
    assert athlete_of("week1/warmup.mp4", by_name) == "week1"  # no match: the folder
    assert athlete_of("x/dan-3.mov", re.compile(r"(\w+)-\d")) == "dan"


def test_discovery_skips_hidden_names_and_the_output_folder(tmp_path: Path) -> None:
    for rel in ("a/x.mp4", "a/.hidden.mp4", ".git/obj", "out/a/x/report.json", "b/c/y.mov", "z.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert discover(tmp_path, exclude=tmp_path / "out") == ["a/x.mp4", "b/c/y.mov", "z.txt"]
    assert discover(tmp_path, recursive=False, exclude=tmp_path / "out") == ["z.txt"]


def test_clips_that_would_share_a_results_folder_are_refused() -> None:
    found = _conflicts(["a/run.mov", "a/run.mp4", "a/run.txt", "b/run.mp4", "c/x.mp4", "c/x/y.mp4"])
    assert set(found) == {"a/run.mp4", "a/run.txt", "c/x.mp4"}
    assert "already the one of a/run.mov" in found["a/run.mp4"]
    assert "would also hold the results of the folder c/x/" in found["c/x.mp4"]
