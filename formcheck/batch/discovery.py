"""Finding the clips: every file of the input folder, where its results go, and which results
folders clash; one job per file."""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path, PurePosixPath

from formcheck.batch.jobs import BatchOptions, ClipJob

#: Extensions of files meant as videos: one that cannot be read fails; any other is skipped.
VIDEO_SUFFIXES = frozenset(
    ".mp4 .m4v .mov .qt .mkv .webm .avi .wmv .flv .mpg .mpeg .mts .m2ts .ts .3gp .3g2 .ogv".split()
)


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
