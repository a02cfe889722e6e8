"""Stand-ins for the chat services Crumbs notifies, over real HTTP, following their protocols:

- **Slack Web API**: ``POST /api/chat.postMessage`` and ``/api/chat.update`` (JSON bodies,
  ``Authorization: Bearer xoxb-…``), answering HTTP 200 with ``{"ok": true, "channel", "ts"}``
  or ``{"ok": false, "error": "invalid_auth" | "channel_not_found" | "message_not_found"}``,
  and ``ratelimited`` as HTTP 429 with ``Retry-After`` (https://api.slack.com/methods/chat.postMessage,
  https://api.slack.com/docs/rate-limits).
- **Microsoft Teams incoming webhook**: ``POST /teams/...`` with an Adaptive Card message:
  200 ``1``; 400 with a reason for a malformed card; 429 when throttled.
- **A generic webhook receiver**: ``POST /hook`` kept as received (the test checks its HMAC).

Every request is recorded; ``fail(path, status, n)`` makes the next ``n`` calls to ``path`` fail.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

TOKEN = "xoxb-test-0123456789-abcdefghij"
CHANNELS = {"#oncall": "C0ONCALL1", "#shop": "C0SHOP001"}


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Chat:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Slack: (channel, ts) → the message as last posted or updated."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    def fail(self, path: str, status: int, n: int = 1, retry_after: str = "0") -> None:
        headers = {"Retry-After": retry_after} if status == 429 else {}
        self.failures.setdefault(path, []).extend([(status, headers)] * n)

    def to(self, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    chat: Chat

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, text: bool = False
    ) -> None:
        raw = body.encode() if text else orjson.dumps(body)
        self.send_response(status)
        self.send_header(
            "content-type", "text/plain" if text else "application/json; charset=utf-8"
        )
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        path = self.path.split("?", 1)[0]
        chat = self.chat
        with chat.lock:
            chat.calls.append(Call(path, {k.lower(): v for k, v in self.headers.items()}, body))
            forced = chat.failures.get(path)
            failure = forced.pop(0) if forced else None
        if failure is not None:
            status, headers = failure
            if path.startswith("/api/"):
                self._send(
                    status,
                    {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"},
                    headers,
                )
            else:
                self._send(
                    status, "throttled" if status == 429 else "server error", headers, text=True
                )
            return
        if path.startswith("/api/"):
            self._slack(path, body)
        elif path.startswith("/teams/"):
            self._teams(body)
        else:
            self._send(200, {"received": True})

    def _slack(self, path: str, body: bytes) -> None:
        if self.headers.get("authorization") != f"Bearer {TOKEN}":
            self._send(200, {"ok": False, "error": "invalid_auth"})
            return
        try:
            args = orjson.loads(body)
        except orjson.JSONDecodeError:
            self._send(200, {"ok": False, "error": "invalid_json"})
            return
        channel = CHANNELS.get(
            args.get("channel"),
            args.get("channel") if str(args.get("channel")).startswith("C") else None,
        )
        if channel is None:
            self._send(200, {"ok": False, "error": "channel_not_found"})
            return
        if not args.get("text") and not args.get("blocks"):
            self._send(200, {"ok": False, "error": "no_text"})
            return
        chat = self.chat
        with chat.lock:
            if path == "/api/chat.postMessage":
                ts = f"1795000000.{next(chat._ts):06d}"
                chat.messages[(channel, ts)] = args
                self._send(
                    200,
                    {
                        "ok": True,
                        "channel": channel,
                        "ts": ts,
                        "message": {"text": args.get("text"), "ts": ts},
                    },
                )
            elif path == "/api/chat.update":
                if (channel, args.get("ts")) not in chat.messages:
                    self._send(200, {"ok": False, "error": "message_not_found"})
                    return
                chat.messages[(channel, args["ts"])] = args
                self._send(
                    200,
                    {"ok": True, "channel": channel, "ts": args["ts"], "text": args.get("text")},
                )
            else:
                self._send(200, {"ok": False, "error": "unknown_method"})

    def _teams(self, body: bytes) -> None:
        try:
            doc = orjson.loads(body)
            card = doc["attachments"][0]
            assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
            assert card["content"]["type"] == "AdaptiveCard"
        except Exception:
            self._send(400, "Bad payload received by generic incoming webhook.", text=True)
            return
        self._send(200, "1", text=True)


class ChatServer:
    def __init__(self) -> None:
        self.chat = Chat()
        handler = type("Handler", (_Handler,), {"chat": self.chat})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
