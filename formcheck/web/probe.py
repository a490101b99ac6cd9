"""`python -m formcheck.web.probe FILE`: is an uploaded file a video? Run in its own process.

FFmpeg parses whatever a visitor uploads; doing that in a short-lived process keeps a crash or a
hang in a demuxer away from the server, which gives it a time limit. The process prints one JSON
line: `{"ok": true, "info": {...}}` (the `VideoInfo`) or `{"ok": false, "message": "..."}`, and
exits 0 either way.
"""

from __future__ import annotations

import json
import sys

from formcheck.errors import FormcheckError


def check(path: str) -> dict:
    """The probe's answer for one file."""
    from formcheck.video import probe

    try:
        info = probe(path)
    except FormcheckError as exc:
        return {"ok": False, "message": exc.message}
    return {"ok": True, "info": info.to_dict()}


def main(argv: list[str] | None = None) -> int:
    """Entry point: one file argument, one JSON line on stdout."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m formcheck.web.probe FILE", file=sys.stderr)
        return 2
    print(json.dumps(check(args[0])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
