"""Accuracy of the engine: known synthetic gait in, recovered figures out, in one table.

    .venv/bin/python bench/accuracy.py [--seeds N]

For each scenario (direction, running/walking, treadmill, frame rate, noise) and each seed, the
engine gets a synthetic pose series (formcheck.synthetic) and must recover the movement type,
the directions, the cadence, the trunk lean and the stance knee flexion. Prints the error of each
and whether it is within the issue's tolerance (cadence ±2 spm, lean ±2°, knee ±3°).
Also prints the real-footage check: the sample clip and its time-reversed copy, when their
results exist (run `formcheck analyze` on both first, or pass --real).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.engine import evaluate, load_profile  # noqa: E402
from formcheck.synthetic import GaitSpec, generate, meta_for  # noqa: E402

SCENARIOS = {
    "BR faces right": GaitSpec(facing=1, travel=-1),
    "BR faces left": GaitSpec(facing=-1, travel=1),
    "FR": GaitSpec(facing=1, travel=1),
    "BW": GaitSpec(running=False, cadence_spm=112, speed_legs_s=1.3, knee_stance_deg=15),
    "FW": GaitSpec(facing=-1, travel=-1, running=False, cadence_spm=104, speed_legs_s=1.2, knee_stance_deg=12),
    "BR treadmill": GaitSpec(treadmill=True),
    "BR 30 fps 192 spm": GaitSpec(fps=30, cadence_spm=192, trunk_lean_deg=4, knee_stance_deg=34),
    "BR 30 fps 158 spm": GaitSpec(fps=30, cadence_spm=158, trunk_lean_deg=11, knee_stance_deg=46),
    "BR noisy, 8 % dropouts": GaitSpec(noise=0.003, dropout=0.08),
}


def _comp(rep: dict, cue: str, comp: str) -> float | None:
    c = next(c for c in rep["cues"] if c["id"] == cue)
    return next(x["value"] for x in c["components"] if x["id"] == comp)


def synthetic_table(seeds: int) -> None:
    profile = load_profile()
    print(f"{'scenario':24s} {'type ok':>8s} {'dirs ok':>8s} {'cad err':>8s} {'lean err':>9s} {'knee err':>9s}   (max |error| over {seeds} seeds)")
    for name, base in SCENARIOS.items():
        type_ok = dirs_ok = 0
        cad, lean, knee = [], [], []
        for seed in range(seeds):
            spec = dataclasses.replace(base, seed=seed)
            _, rep = evaluate(generate(spec), meta_for(spec), profile)
            mv = rep["movement"]
            want = f"{'backward' if spec.facing == -spec.travel else 'forward'}_{'running' if spec.running else 'walking'}"
            type_ok += mv["type"] == want
            dirs_ok += (mv["facing"], mv["travel"]) == (("right" if spec.facing > 0 else "left"), ("right" if spec.travel > 0 else "left"))
            cad.append(abs((rep["gait"]["cadence_spm"] or np.nan) - spec.cadence_spm))
            lean.append(abs((_comp(rep, "forward_lean", "trunk_lean") or np.nan) - spec.trunk_lean_deg))
            if spec.running:
                knee.append(abs((_comp(rep, "knee_bend", "stance_flexion") or np.nan) - spec.knee_stance_deg))
        flag = lambda v, tol: f"{v:6.2f}{' ' if v <= tol else '!'}"  # noqa: E731
        knee_s = flag(max(knee), 3.0) if knee else "     —"
        print(f"{name:24s} {type_ok:>5d}/{seeds} {dirs_ok:>5d}/{seeds} {flag(max(cad), 2.0):>8s} {flag(max(lean), 2.0):>9s} {knee_s:>9s}")


def real_table() -> None:
    clips = [next((ROOT / "sample_videos").glob(f"{p}_*.mp4")) for p in ("forward", "backward")]
    with tempfile.TemporaryDirectory() as out:
        print(f"\n{'real clip':34s} {'movement':18s} {'facing':>7s} {'travel':>7s} {'steps':>6s} {'cadence':>8s}")
        for clip in clips:
            subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(clip), "-o", out, "--no-video"], check=True, capture_output=True)
            rep = json.loads((Path(out) / clip.stem / "report.json").read_text())
            mv, g = rep["movement"], rep["gait"]
            print(f"{clip.name:34s} {mv['type']:18s} {mv['facing']:>7s} {mv['travel']:>7s} {g['step_count']:>6d} {g['cadence_spm']:>8.1f}")
        print("by eye (forward clip): 7 heel strikes about 18 frames apart = 100 steps/min")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--no-real", action="store_true", help="skip the real-footage rows (needs the model)")
    args = ap.parse_args()
    synthetic_table(args.seeds)
    if not args.no_real:
        real_table()


if __name__ == "__main__":
    main()
