"""Running the app: the data-folder lock, the listening socket, uvicorn.

The socket is bound here, before uvicorn starts, so that `--port 0` works (the system picks a
free port and the command prints it) and a port already in use is one plain error line.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ConfigError, OutputError
from formcheck.web.app import ServeOptions, create_app
from formcheck.web.security import valid_token

LOCK_NAME = "server.lock"


@dataclass
class Listening:
    """A bound, listening socket and the URL it answers on."""

    sock: socket.socket
    url: str


class _RedactToken(logging.Filter):
    """Keep the access token out of the access log (it may come as ?token=...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(re.sub(r"token=[^&\s]*", "token=***", a) if isinstance(a, str) else a for a in record.args)
        return True


def check_options(options: ServeOptions) -> None:
    """Refuse options that cannot work, with a message that says what to do.

    Raises:
        ConfigError: an unusable token.
    """
    if options.token is not None and not valid_token(options.token):
        raise ConfigError(
            "the token must be at least 8 characters of A-Z a-z 0-9 . _ ~ - — make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe())'`"
        )


def lock_data_dir(data_dir: Path) -> int:
    """Create the data folder and lock it for this server; returns the lock's file descriptor.

    The kernel drops the lock when the process ends in any way, `kill -9` included.

    Raises:
        OutputError: the folder cannot be created, or another server uses it.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot use this data folder ({exc.strerror or exc}) — choose a writable --data-dir", data_dir) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise OutputError(
            "another `formcheck serve` is using this data folder — stop it, or choose another --data-dir", data_dir
        ) from None
    return fd


def listen(host: str, port: int) -> Listening:
    """Bind and listen on host:port (port 0: a free one).

    Raises:
        ConfigError: the address cannot be used (in use, not this machine's, no permission).
    """
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — check --host") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = "stop the other server or pass another --port" if exc.errno == 98 else "check --host and --port"
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — {hint}") from exc
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return Listening(sock=sock, url=f"http://{shown}:{bound_port}/")


def run(options: ServeOptions, listening: Listening) -> None:
    """Serve until Ctrl-C or SIGTERM; then stop the workers (their jobs wait for the next start)."""
    import uvicorn

    config = uvicorn.Config(
        create_app(options),
        log_level="info" if options.verbose else "warning",
        access_log=options.verbose,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    logging.getLogger("uvicorn.access").addFilter(_RedactToken())
    uvicorn.Server(config).run(sockets=[listening.sock])
