"""Errors raised by formcheck.

Every message is plain text that says what was expected, what was found and what to do; the CLI
prints it on one line as ``error: <file>: <message>``.

    FormcheckError
    ├── VideoError            the input cannot be read as a video (also an OSError)
    ├── ModelError            the pose model is missing or unusable (also an OSError)
    ├── AnalysisError         the clip was read but cannot be analysed (e.g. no person in it)
    ├── OutputError           the results cannot be written (also an OSError)
    └── ConfigError           a profile or option is invalid (also a ValueError)
"""

from __future__ import annotations

from pathlib import Path


class FormcheckError(Exception):
    """Base class for all formcheck errors.

    Attributes:
        path: the file the error is about, when there is one.
    """

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        return self.message


class VideoError(FormcheckError, OSError):
    """The input cannot be opened or decoded as a video."""


class ModelError(FormcheckError, OSError):
    """The pose model file is missing, corrupt or cannot be loaded."""


class AnalysisError(FormcheckError):
    """The video was read but cannot be analysed (for example, no person was detected)."""


class OutputError(FormcheckError, OSError):
    """The output folder or a result file cannot be written."""


class ConfigError(FormcheckError, ValueError):
    """A profile file or an option is invalid."""
