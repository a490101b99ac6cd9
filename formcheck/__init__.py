"""formcheck: check backwards-running (retro-running) form from video.

The pipeline reads a clip, estimates a body pose per frame with MediaPipe, finds the strides and
scores the exercise's coaching cues; it writes an annotated H.264 video and a report.

    from formcheck.pipeline import analyze
    result = analyze("clip.mp4", "formcheck-out")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
