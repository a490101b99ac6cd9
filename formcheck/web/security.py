"""Who may use the server, and the security headers on everything it sends.

`Guard` is a small ASGI middleware in front of the whole app:

- With an access token, every request must present it: `Authorization: Bearer TOKEN`, a `token`
  query parameter, or the `formcheck_token` cookie. A page opened with `?token=` sets the cookie
  (HttpOnly, SameSite=Lax) and redirects to the same address without the token, so it stays out
  of the history and of shared links. No token: 401; a wrong one: 403.
- Requests that change something (POST, DELETE, ...) from another site are refused (Origin and
  Sec-Fetch-Site), so a web page elsewhere cannot upload or delete through a visitor's browser.
- When bound to a loopback address, only loopback host names are served (no DNS rebinding).
- Every response gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
  framing refused, and a Content-Security-Policy (routes may set a stricter one of their own).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "formcheck_token"
COOKIE_MAX_AGE_S = 30 * 24 * 3600
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,256}")

#: The app's own pages: scripts, styles, media and fetches from this server only; no inline code.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: report.html (written by `formcheck.report`): inline styles, images as data: URIs, the video
#: beside it, and only the inline scripts of the report template itself (see `report_csp`).
_REPORT_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src 'self' data:; "
    "media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "content-security-policy": PAGE_CSP,
}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_LOOPBACK_NAMES = {"localhost", "localhost.", "127.0.0.1", "::1"}


def report_csp(template_text: str) -> str:
    """The policy for report.html: scripts allowed by hash, taken from the report *template*.

    Only `<script>` blocks written literally in the template (no template expressions inside)
    are hashed, so nothing rendered into a report from a clip can ever run, even if it were
    markup. No such block: no script at all.
    """
    hashes = []
    for body in re.findall(r"<script>(.*?)</script>", template_text, flags=re.S):
        if "{{" not in body and "{%" not in body:
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
            hashes.append(f"'sha256-{digest}'")
    return _REPORT_CSP.format(scripts=" ".join(hashes) or "'none'")


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name is this machine only."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def valid_token(token: str) -> bool:
    """Whether a token is usable (URL- and cookie-safe characters, at least 8 of them)."""
    return TOKEN_PATTERN.fullmatch(token) is not None


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def _presented(headers: Headers, query: QueryParams) -> list[str]:
    """Every token the request carries (header, query, cookie)."""
    found = []
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        found.append(auth[7:].strip())
    if "token" in query:
        found.append(query["token"])
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - an unparsable cookie header counts as none
        cookie = SimpleCookie()
    if COOKIE in cookie:
        found.append(cookie[COOKIE].value)
    return found


def _wants_json(scope: Scope, headers: Headers) -> bool:
    return scope["path"].startswith("/api/") or "text/html" not in headers.get("accept", "")


class Guard:
    """ASGI middleware: token, host and origin checks; security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None, loopback_only: bool) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = Headers(scope=scope)
        query = QueryParams(scope.get("query_string", b"").decode("latin-1"))
        refusal = self._refusal(scope, headers, query)
        if refusal is not None:
            status, message = refusal
            await _refuse(scope, headers, send, status, message)
            return
        if self.token and scope["method"] in ("GET", "HEAD") and "token" in query and not scope["path"].startswith("/api/"):
            await self._set_cookie_and_redirect(scope, query, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers, query: QueryParams) -> tuple[int, str] | None:
        if self.loopback_only and not is_loopback(_host_name(headers.get("host", "localhost"))):
            return 400, "this server answers on its loopback address only — open it as http://127.0.0.1:PORT/"
        if scope["method"] not in _SAFE_METHODS and self._cross_site(headers):
            return 403, "a request from another site was refused — use this server's own pages"
        if self.token is None:
            return None
        presented = _presented(headers, query)
        if not presented:
            return 401, "this server needs its access token — open the link with ?token=... that the person running it shared, or send Authorization: Bearer TOKEN"
        if not any(secrets.compare_digest(t.encode(), self.token) for t in presented):
            return 403, "the access token is wrong — ask the person running the server for the current link"
        return None

    @staticmethod
    def _cross_site(headers: Headers) -> bool:
        # Browsers send Sec-Fetch-Site; with `Referrer-Policy: no-referrer` their form posts carry
        # `Origin: null`, so it decides when present. Older browsers: compare Origin with Host.
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site not in ("same-origin", "none")
        origin = headers.get("origin")
        if origin is None:  # not a browser (curl, scripts): nothing to forge
            return False
        return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()

    @staticmethod
    async def _set_cookie_and_redirect(scope: Scope, query: QueryParams, send: Send) -> None:
        rest = urlencode([(k, v) for k, v in query.multi_items() if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = f"{COOKIE}={query['token']}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax{secure}"
        await send({
            "type": "http.response.start", "status": 303,
            "headers": [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
                        (b"content-length", b"0"), (b"cache-control", b"no-store")],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": b""})


async def _refuse(scope: Scope, headers: Headers, send: Send, status: int, message: str) -> None:
    """A refusal as JSON for the API and scripts, as a short page for a browser."""
    if _wants_json(scope, headers):
        body = json.dumps({"detail": message}).encode()
        ctype = b"application/json"
    else:
        from html import escape

        body = (
            "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>formcheck</title><h1>formcheck</h1><p>{escape(message)}</p>"
        ).encode()
        ctype = b"text/html; charset=utf-8"
    extra = [(b"www-authenticate", b'Bearer realm="formcheck"')] if status == 401 else []
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *extra],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _with_headers(send: Send) -> Send:
    """Wrap `send` so every response start carries the common security headers (unless set)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k.encode(), v.encode()) for k, v in _COMMON_HEADERS.items() if k.encode() not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped
