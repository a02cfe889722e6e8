"""What stands in front of every request of ``crumbs serve`` (pure ASGI, no framework).

- **Host** must be one the server is reached by (loopback, the address it listens on,
  ``--allowed-host``): anything else is a DNS-rebinding attempt (421). The kubelet's probes
  and requests carrying the bearer token (Prometheus scraping the pod's address) are exempt:
  a rebinding page can send neither anything a probe reveals nor the token.
- **Origin**, when a browser sends one, must be the same server; a request that changes
  something (``POST``) must carry one, or come from a client that is not a browser.
- **Token**: with one configured (required off loopback), every request but ``/healthz`` and
  ``/readyz`` carries it, as ``Authorization: Bearer <token>`` (API and MCP clients) or as the
  ``crumbs_token`` cookie that ``/login?token=`` sets for a browser (HttpOnly, SameSite=Strict).
- **CSRF**: ``POST`` requests from a browser (they carry an Origin or cookies) carry the
  ``X-Crumbs-CSRF`` header equal to the ``crumbs_csrf`` cookie the pages set (double submit: a
  cross-site page can read neither); clients that are not browsers send neither and need none.
- **Headers** on every answer: a strict Content-Security-Policy (scripts, styles, images and
  connections from this server only, no inline script, no frames), ``nosniff``, no referrer.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
OPEN_PATHS = ("/healthz", "/readyz", "/login")
"""Answered without the token: the kubelet's probes, and the page that takes one."""
OWN_AUTH = ("/api/v1/ingest",)
"""Paths that check tokens of their own (each recorder's, bound to its cluster): neither the
server's token nor the Host check applies (recorders come by any address, as Prometheus does)."""
TOKEN_COOKIE = "crumbs_token"
CSRF_COOKIE = "crumbs_csrf"
CSRF_HEADER = b"x-crumbs-csrf"


def host_allowed(host: str, allowed: list[str]) -> bool:
    """``host`` (a Host header, port included) against patterns like ``localhost:*``."""
    host = host.lower()
    for pattern in allowed:
        name, _, port = pattern.lower().rpartition(":")
        got_name, _, got_port = host.rpartition(":")
        if not got_name:  # no port in the header
            got_name, got_port = host, ""
        if got_name == name and (port == "*" or port == got_port):
            return True
    return False


def cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed Cookie header is no cookie
        return {}
    return {k: v.value for k, v in jar.items()}


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """The checks above, around ``app``."""

    def __init__(self, app: ASGI, allowed_hosts: list[str], token: str | None) -> None:
        self.app = app
        self.allowed = allowed_hosts
        self.token = token

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        host = headers.get(b"host", b"").decode("latin-1")
        path = str(scope.get("path") or "/")
        method = str(scope.get("method") or "GET")
        jar = cookies(headers)
        probe = path in ("/healthz", "/readyz") or path in OWN_AUTH
        bearer = self.token is not None and hmac.compare_digest(
            headers.get(b"authorization", b""), f"Bearer {self.token}".encode()
        )
        # the kubelet's probes and token holders (Prometheus) come by the pod's address: a
        # rebinding page can send neither a probe worth anything nor the token
        if not probe and not bearer and not host_allowed(host, self.allowed):
            await _refuse(
                send, 421, f"Host {host!r} is not one this server is reached by (--allowed-host)"
            )
            return
        origin = headers.get(b"origin", b"").decode("latin-1")
        if origin and origin != "null" and not _same(origin, host):
            await _refuse(send, 403, f"Origin {origin} is not this server")
            return
        if (
            self.token is not None
            and not path.startswith(OPEN_PATHS)
            and path not in OWN_AUTH
            and not (bearer or self._cookie_ok(jar))
        ):
            await _refuse(send, 401, "a token is required (Authorization: Bearer <token>, or /login?token=)",
                          [(b"www-authenticate", b'Bearer realm="crumbs"')])  # fmt: skip
            return
        from_a_page = bool(origin or jar)  # a browser sends one or the other; curl and SDKs neither
        if (
            method == "POST"
            and from_a_page
            and not path.startswith("/mcp")
            and not _csrf_ok(headers, jar)
        ):
            await _refuse(
                send,
                403,
                f"a POST needs the {CSRF_HEADER.decode()} header equal to the {CSRF_COOKIE} cookie",
            )
            return

        async def secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, secured)

    def _cookie_ok(self, jar: dict[str, str]) -> bool:
        assert self.token is not None
        return hmac.compare_digest(jar.get(TOKEN_COOKIE, "").encode(), self.token.encode())


def _same(origin: str, host: str) -> bool:
    return origin.split("://", 1)[-1].lower() == host.lower()


def _csrf_ok(headers: dict[bytes, bytes], jar: dict[str, str]) -> bool:
    given = headers.get(CSRF_HEADER, b"").decode("latin-1")
    expected = jar.get(CSRF_COOKIE, "")
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


async def _refuse(
    send: Any, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    import orjson

    body = orjson.dumps({"error": message})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(extra or []), *SECURITY_HEADERS]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
