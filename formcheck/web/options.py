"""How `formcheck serve` runs: the options the command line gives the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServeOptions:
    """How `formcheck serve` runs.

    Attributes:
        data_dir: jobs database and files.
        max_upload_bytes: uploads larger than this are refused (413).
        workers: worker processes, i.e. clips analysed at once.
        queue_size: clips that may wait at once; more are refused (429).
        token: access token every request must present; None = open (loopback use).
        host: the bind address (a loopback address also restricts the Host header).
        verbose: worker and MediaPipe logs.
    """

    data_dir: Path
    max_upload_bytes: int = 500 * 1_000_000
    workers: int = 1
    queue_size: int = 20
    token: str | None = None
    host: str = "127.0.0.1"
    verbose: bool = False
