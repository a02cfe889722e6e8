"""A bearer token in front of an HTTP app (ASGI): what serving beyond loopback requires.

The token is read from a file (``--token-file``: a regular file, at least 16
characters, e.g. ``openssl rand -hex 32``, or a Kubernetes Secret mounted as a
file); requests without ``Authorization: Bearer <token>`` get 401, compared in
constant time. Loopback-only servers may run without one.
"""

from __future__ import annotations

import hmac
from typing import Any

from crumbs.errors import UsageError
from crumbs.files import reason, regular

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN = 16


def read_token(path: str) -> str:
    try:
        regular(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            token = f.read(4096).strip()
    except OSError as err:
        raise UsageError(f"--token-file {path}: {reason(err)}") from None
    if len(token) < MIN_TOKEN or any(c.isspace() for c in token):
        raise UsageError(
            f"--token-file {path}: a token of at least {MIN_TOKEN} characters without spaces is needed"
        )
    return token


class BearerAuth:
    """ASGI middleware: HTTP requests must carry the bearer token (others pass: lifespan)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                body = b'{"error": "a bearer token is required (Authorization: Bearer <token>)"}'
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="crumbs"'),
                    (b"content-length", str(len(body)).encode())]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def allowed_hosts(host: str, port: int, extra: list[str]) -> list[str]:
    """The Host headers a server accepts: loopback names, the address it listens on, and the
    names it is reached by (``--allowed-host``); anything else is a DNS-rebinding attempt."""
    out = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    names = [host, *extra] if host not in ("0.0.0.0", "::") else list(extra)
    for name in names:
        shown = (
            f"[{name}]"
            if ":" in name and not name.startswith("[") and name.count(":") > 1
            else name
        )
        out.append(shown if ":" in shown.lstrip("[").split("]")[-1] else f"{shown}:*")
    return list(dict.fromkeys(out))
