"""Files written whole or not at all: a reader (or a resumed batch) never sees half a file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from formcheck.errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path.name} ({exc.strerror or exc}) — check free space and permissions", path) from exc
