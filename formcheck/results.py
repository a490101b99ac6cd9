"""The results folder of one clip: written whole into a temporary folder beside it, then put in
place in one rename, so a reader (or a crash, or Ctrl-C) never sees a mix of old and new files."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from formcheck.errors import OutputError
from formcheck.series import PoseSeries, save_npz


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def prepare_dir(out_root: Path, stem: str) -> Path:
    """A new hidden temporary folder in `out_root` for the results of clip `stem`."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        tmp = out_root / f".{stem}.partial-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder ({exc.strerror or exc}) — choose a writable folder with -o",
            out_root,
        ) from exc
    return tmp


def publish(tmp: Path, final: Path) -> None:
    """Replace `final` by `tmp` so readers see either the old or the new results, never a mix."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(
    out: Path,
    raw: PoseSeries,
    clean: PoseSeries,
    rep: dict,
    meta: dict,
    images: dict | None = None,
    video: bool = False,
    plots: dict | None = None,
) -> list[str]:
    """Write landmarks.npz, frames.csv, strides.csv, report.json and report.html into `out`.

    Adds the capture-quality section to `rep` from `meta["capture"]` (the light measured on the
    frames), so `rescore` reproduces it from landmarks.npz. `images` are the key frames
    (`render.KeyFrames.images`); `video` says whether annotated.mp4 sits beside the page.
    """
    from formcheck import report

    rep["capture"] = report.capture_quality(rep, clean, meta.get("capture"))
    save_npz(out / "landmarks.npz", raw, clean, meta)
    report.write_frames_csv(out / "frames.csv", clean, rep)
    report.write_strides_csv(out / "strides.csv", rep)
    report.write_json(out / "report.json", rep)
    report.write_html(out / "report.html", rep, video, series=clean, images=images, plots=plots)
    return ["landmarks.npz", "frames.csv", "strides.csv", "report.json", "report.html"]


def link_or_copy(src: Path, dest: Path) -> None:
    """`dest` as a hard link to `src` where both are on one file system, else a copy."""
    if src.stat().st_dev == dest.parent.stat().st_dev:
        os.link(src, dest)
    else:
        shutil.copy2(src, dest)
