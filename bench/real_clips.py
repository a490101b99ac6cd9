"""The engine's judgement on real footage: every clip of a labelled folder, one table.

    .venv/bin/python bench/real_clips.py [--clips ../shared/clips] [--out /tmp/real-clips]
                                         [--rescore] [--video] [--only NAME ...]

For each clip listed in the folder's `labels.json` it runs `formcheck analyze --no-video` in a
subprocess (so a crash or a non-zero exit shows as such) and reads its report.json. `--rescore`
re-runs only the engine on the landmarks a previous run saved (`formcheck rescore`: seconds
instead of minutes, for iterating on gait code). It prints one row per clip: the expected
movement types, what the engine said and its confidence, cadence, steps, median contact time,
duty factor (and, for slowed playback, the contact time at an assumed 170 steps/min), camera,
view, travel, the seconds the run took, and whether the type and the camera label are right;
then the counts right: overall, for the static side-view clips, and for the others.

The clips are for local evaluation only (their licences are unknown): nothing here copies them,
and no test depends on them. When the folder is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = ROOT.parent / "shared" / "clips"


def _exe() -> list[str]:
    return [sys.executable, "-m", "formcheck"]


def _run(clip: Path, out: Path, rescore: bool, video: bool) -> tuple[int, float, str]:
    res_dir = out / clip.stem
    if rescore and (res_dir / "landmarks.npz").exists():
        cmd = [*_exe(), "rescore", str(res_dir)]
    else:
        cmd = [*_exe(), "analyze", str(clip), "-o", str(out)] + ([] if video else ["--no-video"])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    err = proc.stderr.strip().splitlines()[-1] if proc.returncode and proc.stderr.strip() else ""
    return proc.returncode, time.perf_counter() - t0, err


def _median(vals: list[float]) -> float | None:
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    n = len(vals)
    return vals[n // 2] if n % 2 else 0.5 * (vals[n // 2 - 1] + vals[n // 2])


def _fmt(v: float | None, nd: int = 0, unit: str = "") -> str:
    return "-" if v is None else f"{v:.{nd}f}{unit}"


def _row(name: str, label: dict, rep: dict | None, rc: int, secs: float, err: str) -> dict:
    want = label.get("type", [])
    if rep is None:
        return {"clip": name, "want": "/".join(want), "got": f"EXIT {rc}", "ok": False, "err": err, "secs": secs}
    mv, g = rep["movement"], rep["gait"]
    contacts = [g["contact_time_s"]] if g.get("contact_time_s") is not None else [
        (s["toe_off_s"] - s["time_s"]) for s in g["steps"] if s.get("toe_off_s") is not None
    ]
    cam = rep.get("camera", {})
    segs = [s for s in mv.get("segments", []) if s["movement"] not in ("not_in_view",)]
    return {
        "clip": name,
        "want": "/".join(want),
        "got": mv["type"],
        "conf": mv.get("locomotion_confidence"),
        "cadence": g.get("cadence_spm"),
        "steps": g.get("step_count"),
        "contact_ms": None if not contacts else 1000 * _median(contacts),
        "duty": g.get("duty_factor"),
        "rt_contact_ms": None if (g.get("real_time_estimate") or {}).get("contact_time_s") is None else 1000 * g["real_time_estimate"]["contact_time_s"],
        "camera": cam.get("label", "-"),
        "view": rep["camera_view"]["view"],
        "facing": mv.get("facing"),
        "travel": ("treadmill " if mv.get("treadmill") else "") + str(mv.get("travel")),
        "segs": " ".join(f"{s['movement'].split('_')[0][:4]}{'/' + s['movement'].split('_')[1][:4] if '_' in s['movement'] else ''}@{s['start_s']:.1f}" for s in segs),
        "secs": secs,
        "ok": mv["type"] in want,
        "err": err,
    }


def _want_camera(text: str) -> str:
    """The camera label a clip's free-text `camera` field asks for."""
    text = text.lower()
    if "pan" in text:
        return "panning"
    if "follow" in text or "moving" in text:
        return "following"
    return "static" if "static" in text else "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help="folder with the clips and labels.json")
    ap.add_argument("--out", type=Path, default=Path("/tmp/formcheck-real-clips"), help="where results go")
    ap.add_argument("--rescore", action="store_true", help="re-run only the engine on saved landmarks")
    ap.add_argument("--video", action="store_true", help="also write the annotated videos")
    ap.add_argument("--only", nargs="*", default=None, help="clip names (or stems) to run")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = ap.parse_args()
    labels_path = args.clips / "labels.json"
    if not labels_path.exists():
        print(f"no labelled clips at {args.clips} (labels.json missing): nothing to measure")
        return 0
    labels = json.loads(labels_path.read_text())["clips"]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, label in sorted(labels.items()):
        clip = args.clips / name
        if args.only and name not in args.only and clip.stem not in args.only:
            continue
        if not clip.exists():
            print(f"{name}: listed but missing, skipped")
            continue
        rc, secs, err = _run(clip, args.out, args.rescore, args.video)
        rep_path = args.out / clip.stem / "report.json"
        rep = json.loads(rep_path.read_text()) if rc == 0 and rep_path.exists() else None
        rows.append(_row(name, label, rep, rc, secs, err))
        static_side = label.get("view", "").startswith("side") and label.get("camera") == "static"
        rows[-1]["static_side"] = static_side
        rows[-1]["want_camera"] = label.get("camera", "")
        rows[-1]["want_view"] = label.get("view", "")
        rows[-1]["camera_ok"] = rows[-1].get("camera") == _want_camera(label.get("camera", ""))
    cols = [("clip", 28), ("want", 30), ("got", 18), ("conf", 5), ("cadence", 7), ("steps", 5),
            ("contact_ms", 10), ("rt_contact_ms", 13), ("duty", 5), ("camera", 9), ("cam_ok", 6), ("view", 8), ("facing", 6), ("travel", 15),
            ("secs", 5), ("ok", 3)]  # fmt: skip
    print(" ".join(f"{c:{w}s}" for c, w in cols))
    for r in rows:
        cells = []
        for c, w in cols:
            v = r.get(c)
            if c in ("conf", "duty"):
                s = _fmt(v, 2)
            elif c in ("cadence", "contact_ms", "rt_contact_ms", "secs"):
                s = _fmt(v, 1 if c == "secs" else 0)
            elif c == "ok":
                s = "yes" if v else "NO"
            elif c == "cam_ok":
                s = "yes" if r.get("camera_ok") else "NO"
            else:
                s = "-" if v is None else str(v)
            cells.append(f"{s[:w]:{w}s}")
        print(" ".join(cells))
        if r.get("segs"):
            print(f"{'':28s} segments: {r['segs']}")
        if r.get("err"):
            print(f"{'':28s} error: {r['err']}")
    n_ok = sum(r["ok"] for r in rows)
    side = [r for r in rows if r["static_side"]]
    crashed = sum(r["got"].startswith("EXIT") for r in rows)
    print(f"\nmovement type right: {n_ok}/{len(rows)}; static side-view clips: "
          f"{sum(r['ok'] for r in side)}/{len(side)}; non-zero exits: {crashed}")  # fmt: skip
    other = [r for r in rows if not r["static_side"]]
    print(f"moving-camera or front/rear clips: type right {sum(r['ok'] for r in other)}/{len(other)}; "
          f"camera label right: {sum(r['camera_ok'] for r in rows)}/{len(rows)}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
