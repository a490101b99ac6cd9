#!/usr/bin/env python3
"""Build models/pose_landmarker_full.task offline from the mediapipe 0.10.21 wheel.

Current MediaPipe (>= 0.10.30) only has the Tasks API, ships no pose model, and
the official ``pose_landmarker_*.task`` files live on Google storage.  The
older ``mediapipe==0.10.21`` wheel on PyPI still contains the two BlazePose
GHUM 3D TFLite models (pose detector + "full" landmark model).  The Tasks API
accepts them once they carry image-input metadata (normalisation options) and
are packed together as a model asset bundle (a zip file with a ``.task``
extension).  This script does exactly that.

Run it with a throwaway venv holding mediapipe 0.10.21 (its metadata writer
needs a native module that current mediapipe no longer ships):

    python3 -m venv /tmp/mpbuild
    /tmp/mpbuild/bin/pip install mediapipe==0.10.21
    /tmp/mpbuild/bin/python tools/build_model.py

Options:
    --wheel PATH   read the .tflite files from this mediapipe wheel instead of
                   the installed package (the metadata writer is still taken
                   from the installed mediapipe 0.10.21)
    --output PATH  where to write the bundle
                   (default: models/pose_landmarker_full.task)

The output is reproducible: zip entries get a fixed timestamp, so rerunning
with the same inputs gives a byte-identical file (same sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import zipfile
from pathlib import Path

# Paths of the two models inside the mediapipe package / wheel.
DETECTOR_PATH = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_PATH = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"

# Names the Tasks PoseLandmarker expects inside the .task bundle.
BUNDLE_DETECTOR = "pose_detector.tflite"
BUNDLE_LANDMARKER = "pose_landmarks_detector.tflite"

# Fixed zip timestamp (the earliest a zip file can store) for reproducibility.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "models" / "pose_landmarker_full.task"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_models(wheel: Path | None) -> tuple[bytes, bytes]:
    """Return (detector, landmarker) tflite bytes from a wheel or the installed package."""
    if wheel is not None:
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(DETECTOR_PATH), zf.read(LANDMARKER_PATH)
    import mediapipe

    # site-packages directory that contains the "mediapipe" package.
    root = Path(mediapipe.__file__).resolve().parent.parent
    return (root / DETECTOR_PATH).read_bytes(), (root / LANDMARKER_PATH).read_bytes()


def add_metadata(model: bytes, name: str, mean: float, std: float,
                 n_outputs: int) -> bytes:
    """Attach image-input metadata (RGB, (pixel - mean) / std) to a TFLite model.

    Every output gets a plain feature-tensor entry; the Tasks graph decodes
    the raw tensors itself, it only needs the metadata to exist.
    """
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer, writer_utils)

    found = len(writer_utils.get_output_tensor_types(model))
    if found != n_outputs:
        sys.exit(f"{name}: expected {n_outputs} output tensors, model has {found}")

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name)
    writer.add_image_input(norm_mean=[mean], norm_std=[std])  # colour space: RGB
    for _ in range(n_outputs):
        writer.add_feature_output()
    tflite, _json = writer.populate()
    return bytes(tflite)


def write_bundle(files: dict[str, bytes], output: Path) -> None:
    """Pack the models into a .task (zip) file, atomically and reproducibly.

    Uses mediapipe's AlignZipFile (stored, 4-byte aligned entries so the
    models can be mmapped), like model_asset_bundle_utils.create_model_asset_bundle,
    but with explicit ZipInfo entries: create_model_asset_bundle passes plain
    names to writestr(), which stamps the current time into every entry.
    """
    from mediapipe.tasks.python.metadata.metadata_writers import (
        model_asset_bundle_utils as bundle_utils)

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    with bundle_utils.AlignZipFile(tmp, mode="w",
                                   alignment=bundle_utils._ALIGNMENT) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16  # -rw-r--r--
            zf.writestr(info, data)
    os.replace(tmp, output)


def check_mediapipe() -> None:
    """Fail early, with a hint, when not run from the mediapipe 0.10.21 venv."""
    try:
        import mediapipe
        from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer  # noqa: F401
    except Exception as exc:  # ImportError, or a missing native module in new releases
        sys.exit(f"cannot load mediapipe's metadata writer ({exc}).\n"
                 "Run this with a venv holding mediapipe==0.10.21, see the top of "
                 "tools/build_model.py.")
    if mediapipe.__version__ != "0.10.21":
        print(f"warning: mediapipe {mediapipe.__version__} found; "
              "the documented build uses 0.10.21", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path,
                        help="mediapipe 0.10.21 wheel to take the .tflite files from")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"output .task file (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args()
    check_mediapipe()

    detector, landmarker = read_models(args.wheel)
    print(f"source {DETECTOR_PATH}  sha256 {sha256(detector)}")
    print(f"source {LANDMARKER_PATH}  sha256 {sha256(landmarker)}")

    files = {
        # Detector: 224x224 RGB scaled to [-1, 1]; outputs boxes + scores.
        BUNDLE_DETECTOR: add_metadata(detector, "pose_detector",
                                      mean=127.5, std=127.5, n_outputs=2),
        # Landmarks: 256x256 RGB scaled to [0, 1]; outputs landmarks, presence
        # score, segmentation mask, heatmap and world landmarks.
        BUNDLE_LANDMARKER: add_metadata(landmarker, "pose_landmarks_detector",
                                        mean=0.0, std=255.0, n_outputs=5),
    }
    write_bundle(files, args.output)

    data = args.output.read_bytes()
    print(f"wrote {args.output} ({len(data)} bytes)")
    print(f"sha256 {sha256(data)}")


if __name__ == "__main__":
    main()
