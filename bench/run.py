"""All speed and memory figures in one table, measured side by side in one run (issue 8).

    .venv/bin/python bench/run.py [--clip CLIP] [--long-minutes 10] [--skip-throughput] [--skip-long] [--skip-batch] [--skip-live]

Rows: decode-only; model-only (on the frames as decoded, shrunk as analyze feeds them, and
with as many people as analyze tracks in the clip; the one-person model is timed before, between
and after the two analyze runs, and each ratio is to the mean of the two around it, because this
machine's speed drifts within minutes); `analyze` with all outputs and with --no-video (frames/s,
the ratio to one-person model-only, process start included, and the CPU each used against the
CPU the cores can give in the time 0.9x allows); the ceilings no code can beat here (the model,
one decode and one encode per frame, on every core, nothing else); --analysis-fps 30 on a 60 fps
clip vs full rate, with all outputs and with --no-video (speed-up, cadence difference, CPU ratio,
and the ceilings at 512x286 and 1920x1080); peak RSS of `analyze` on a 10-second clip and on a
long 1080p clip made by looping a sample; start-up to the first analysed frame; then
bench/batch.py and bench/live.py. Not a test: timings vary with what else the machine runs (the
load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clips import looped_clip, sports2d_demo  # noqa: E402
from bench.fps_clips import stride_loop  # noqa: E402
from bench.throughput import decode_cpu, decode_only, encode_cpu, model_only  # noqa: E402
from formcheck.pipeline import video_size  # noqa: E402
from formcheck.tracking import MAX_PEOPLE, MODEL_MAX_SIDE  # noqa: E402
from formcheck.video import probe  # noqa: E402

_FIRST_FRAME = """
import time, sys
from formcheck.pipeline import analyze
def progress(stage, done, total):
    if done >= 1:
        print(f"{time.time():.3f}", flush=True)  # wall clock: the parent started the clock
        raise SystemExit(0)
analyze(sys.argv[1], sys.argv[2], progress=progress)
"""


#: CPU seconds (user + system) of `run_analyze` runs, by clip and options (the latest run of each).
CPU_S: dict[tuple, float] = {}


def run_analyze(clip: Path, *extra: str) -> tuple[float, int, dict]:
    """(wall seconds, peak RSS in MB, report) of `formcheck analyze` as a real process; its CPU
    seconds (user + system, all threads) go into `CPU_S`.

    The peak RSS and CPU times are GNU time's %M, %U and %S. (The child's rusage from os.wait4
    is no good here: Linux keeps the high-water mark across fork + exec, so a child of this
    process, which holds decoded frames for the model-only row, would report this process's
    size.)
    """
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "formcheck", "analyze", str(clip), "-o", out, *extra],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"analyze failed on {clip}")
        rep = json.loads((Path(out) / clip.stem / "report.json").read_text())
        rss_kb, user_s, sys_s = proc.stderr.strip().splitlines()[-1].split()
        CPU_S[(clip, *extra)] = float(user_s) + float(sys_s)
        return wall, int(rss_kb) // 1024, rep


def startup_s(clip: Path) -> float:
    """Seconds from starting `analyze` as a new process to its first analysed frame."""
    with tempfile.TemporaryDirectory() as out:
        started = time.time()
        p = subprocess.run([sys.executable, "-c", _FIRST_FRAME, str(clip), out], capture_output=True, text=True, check=True)
        return float(p.stdout.strip().splitlines()[-1]) - started


def throughput_rows(clip: Path, n: int) -> list[tuple[str, str, str]]:
    """Decode, model-only and analyze frames/s on `clip` (n frames), the start-up time, and the
    CPU each used: the target's budget on this machine's cores, measured, not assumed."""
    dec = decode_only(clip)
    model_small, _, _ = model_only(clip, max_side=MODEL_MAX_SIDE)
    start = min(startup_s(clip) for _ in range(2))
    # This machine's speed drifts within minutes, so the model is timed right before and right
    # after each analyze run, and each ratio is to the mean of the two around it.
    m1, _, model_cpu = model_only(clip)
    full_s, _, full_rep = run_analyze(clip)
    m2, _, _ = model_only(clip)
    novid_s, _, _ = run_analyze(clip, "--no-video")
    m3, _, _ = model_only(clip)
    model, model_nv = (m1 + m2) / 2, (m2 + m3) / 2
    full_cpu, novid_cpu = CPU_S[(clip,)], CPU_S[(clip, "--no-video")]
    people = min(full_rep["subject"]["people_max"], MAX_PEOPLE) if full_rep["subject"]["method"] != "single" else 1
    model_people, _, _ = model_only(clip, num_poses=people) if people > 1 else (model, 0, 0.0)
    cores = os.cpu_count() or 1
    # What no implementation can beat here: the model on every frame, each frame decoded once and
    # encoded once (nothing else: no drawing, people counting, start-up), every core always busy.
    dec_cpu, enc_cpu = decode_cpu(clip), encode_cpu(clip, video_size(probe(clip).width, probe(clip).height))
    best_one = cores / (model_cpu + dec_cpu + enc_cpu)
    best_two = cores / (model_cpu + 2 * dec_cpu + enc_cpu)  # the overlay's pass decodes again
    # At 0.9x of the model's speed, analyze may take n / (0.9 * model) s: on all cores, at most
    # this much CPU. If analyze needs more CPU than that, no overlap of its stages can meet it.
    budget = cores * n / (0.9 * model)
    return [
        ("decode only", f"{dec:.1f} frames/s", ""),
        ("model only (one tracker, frames as decoded): mean before/after", f"{model:.1f} frames/s", f"({m1:.1f} / {m2:.1f} / {m3:.1f})"),
        ("  its CPU per frame (cores busy while it runs)", f"{1000 * model_cpu:.1f} ms", f"{model_cpu * model:.2f} cores"),
        (f"model only, frames shrunk to {MODEL_MAX_SIDE} px", f"{model_small:.1f} frames/s", f"{model_small / model:.2f}"),
        (f"model only, up to {people} people (as analyze tracks this clip)", f"{model_people:.1f} frames/s", f"{model_people / model:.2f}"),
        ("analyze, all outputs", f"{n / full_s:.1f} frames/s", f"{n / full_s / model:.2f}"),
        ("  its CPU (all threads; per frame)", f"{full_cpu:.1f} s", f"{1000 * full_cpu / n:.1f} ms/frame"),
        ("analyze --no-video (to the model timed around it)", f"{n / novid_s:.1f} frames/s", f"{n / novid_s / model_nv:.2f}"),
        ("  its CPU (all threads; per frame)", f"{novid_cpu:.1f} s", f"{1000 * novid_cpu / n:.1f} ms/frame"),
        (f"CPU that {cores} cores give in the time 0.9x allows", f"{budget:.1f} s", f"all outputs need {full_cpu / budget:.2f}x that"),
        ("  CPU per frame: decode alone (1 thread) / encode alone", f"{1000 * dec_cpu:.1f} ms", f"{1000 * enc_cpu:.1f} ms"),
        (f"  ceiling on {cores} cores: model + 1 decode + 1 encode per frame", f"{best_one:.1f} frames/s", f"{best_one / model:.2f}"),
        ("  ceiling with a second decode (the whole-clip overlay's pass)", f"{best_two:.1f} frames/s", f"{best_two / model:.2f}"),
        ("start-up to first analysed frame (new process)", f"{start:.2f} s", ""),
        ("  (people tracked in this clip)", full_rep["subject"]["method"], f"up to {full_rep['subject']['people_max']}"),
    ]


def speedup_ceilings(sixty: Path) -> list[tuple[str, str, str]]:
    """The most --analysis-fps 30 can gain on a 60 fps clip on this machine, whatever the code:
    the model's CPU per analysed frame halves, but every frame is still decoded (and, for the
    annotated video, encoded), and nothing else is counted (no drawing, start-up or report). On
    the bench's 512x286 clip and on the same clip at 1920x1080, the size phones film at."""
    rows = []
    hd = looped_clip(sixty, 10, 1080)
    for label, clip, side in (("512x286", sixty, None), ("1920x1080", hd, MODEL_MAX_SIDE)):
        info = probe(clip)
        _, _, m = model_only(clip, limit=120, max_side=side)
        d, e = decode_cpu(clip), encode_cpu(clip, video_size(info.width, info.height))
        rows.append((f"  ceiling, 60 fps {label}: all outputs / --no-video", f"{(m + d + e) / (m / 2 + d + e):.2f}x",
                     f"{(m + d) / (m / 2 + d):.2f}x (model {1000 * m:.1f}, decode {1000 * d:.1f}, encode {1000 * e:.1f} ms/frame)"))  # fmt: skip
    t_all, _, _ = run_analyze(hd, "--analysis-fps", "0")
    t_30, _, _ = run_analyze(hd, "--analysis-fps", "30")
    rows.append(("  measured, 60 fps 1920x1080 (10 s), all outputs: every frame / 30", f"{t_all:.1f} / {t_30:.1f} s", f"{t_all / t_30:.2f}x"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, default=None,
                    help="default: the Sports2D demo (1768x994, two people: the clip issue 8 quotes) looped to 30 s")  # fmt: skip
    ap.add_argument("--long-minutes", type=float, default=10.0)
    ap.add_argument("--skip-throughput", action="store_true", help="skip the rows on the demo clip (decode, model, analyze, start-up)")
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-live", action="store_true")
    args = ap.parse_args()
    backward = next((ROOT / "sample_videos").glob("backward_*.mp4"))
    clip = args.clip or looped_clip(sports2d_demo(), 30)
    info = probe(clip)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"clip: {clip.name} {info.width}x{info.height} {info.fps:.0f} fps {info.frames} frames\n")
    rows = []
    if not args.skip_throughput:
        rows += throughput_rows(clip, info.frames)

    # 60 fps footage with a known cadence: one stride of the backward sample, motion-interpolated
    # to 60 fps and looped for 20 s (bench/fps_clips.py; bench/analysis_fps.py has more clips).
    sixty, loop = stride_loop(backward, 20.0)
    for label, extra in (("all outputs", ()), ("--no-video", ("--no-video",))):
        runs = [(run_analyze(sixty, *extra, "--analysis-fps", "0"), run_analyze(sixty, *extra, "--analysis-fps", "30")) for _ in range(2)]
        (t_all, _, rep_all), (t_30, _, rep_30) = min(r[0] for r in runs), min(r[1] for r in runs)  # best of two, alternating
        c_all, c_30 = rep_all["gait"]["cadence_spm"], rep_30["gait"]["cadence_spm"]
        cpu_all, cpu_30 = CPU_S[(sixty, *extra, "--analysis-fps", "0")], CPU_S[(sixty, *extra, "--analysis-fps", "30")]
        rows += [
            (f"60 fps clip (20 s, true cadence {loop.cadence_spm:.1f}), {label}: every frame", f"{t_all:.1f} s", f"cadence {c_all}, CPU {cpu_all:.1f} s"),
            (f"60 fps clip, {label}: --analysis-fps 30", f"{t_30:.1f} s", f"cadence {c_30}, CPU {cpu_30:.1f} s"),
            ("  speed-up / cadence difference", f"{t_all / t_30:.2f}x", f"{abs((c_all or 0) - (c_30 or 0)):.1f} steps/min"),
            ("  CPU ratio (the speed-up's ceiling when all cores are busy)", f"{cpu_all / cpu_30:.2f}x", ""),
        ]
    rows += speedup_ceilings(sixty)
    _, rss_short, _ = run_analyze(looped_clip(backward, 10))
    rows.append(("peak RSS, 10 s clip (all outputs)", f"{rss_short} MB", ""))
    if not args.skip_long:
        long_clip = looped_clip(next((ROOT / "sample_videos").glob("multi_person_*.mp4")), args.long_minutes * 60, 1080)
        t_long, rss_long, _ = run_analyze(long_clip)
        rows.append((f"peak RSS, {args.long_minutes:g} min 1920x1080 clip (all outputs)", f"{rss_long} MB", f"{t_long / 60:.1f} min"))
    for name, value, ratio in rows:
        print(f"{name:62s} {value:>16s}  {ratio}")
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")
    if not args.skip_batch:
        print("\n-- bench/batch.py --")
        subprocess.run([sys.executable, str(ROOT / "bench" / "batch.py")], check=False)
    if not args.skip_live:
        print("\n-- bench/live.py --")
        subprocess.run([sys.executable, str(ROOT / "bench" / "live.py")], check=False)


if __name__ == "__main__":
    main()
