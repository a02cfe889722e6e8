"""A fake OpenAI-compatible server: real HTTP, scripted answers, every request kept for assertions.

``POST /v1/chat/completions`` answers with the next scripted reply:

- ``{"content": "..."}``: an answer;
- ``{"tool_calls": [("why", {"target": "svc/checkout"}), ...]}``: tool calls
  (arguments may also be given as raw text, to send malformed JSON);
- ``{"status": 429, "retry_after": 0.2}``: rate limited, with Retry-After;
- ``{"status": 400, "message": "..."}``: a refusal (say, tools unsupported);
- ``{"delay": 5, "content": "late"}``: that reply, after a wait;
- ``{"garbage": true}``: a 200 whose body is not JSON.

A reply may also be a callable taking the request body and returning one of
these (to answer from what the tools returned). Usage counts tokens as
characters / 4 of the request and reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/").endswith("/models"):
            self._send(
                200,
                json.dumps(
                    {"object": "list", "data": [{"id": "fake-gpt", "object": "model"}]}
                ).encode(),
            )
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        body = json.loads(raw)
        srv = self.server
        with srv.lock:
            srv.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                    "raw": raw.decode(),
                }
            )
            reply = srv.script.pop(0) if srv.script else {"content": "(the script is over)"}
        if callable(reply):
            reply = reply(body)
        if "delay" in reply:  # this reply, late
            time.sleep(reply["delay"])
        status = reply.get("status")
        if status == 429:
            self._send(
                429,
                b'{"error": {"message": "rate limited", "type": "rate_limit"}}',
                {"Retry-After": str(reply.get("retry_after", 0.1))},
            )
            return
        if status:
            self._send(
                int(status),
                json.dumps(
                    {
                        "error": {
                            "message": reply.get("message", "bad request"),
                            "type": "invalid_request_error",
                        }
                    }
                ).encode(),
            )
            return
        if reply.get("garbage"):
            self._send(200, b"<html>upstream error</html>")
            return
        message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
        calls = reply.get("tool_calls") or []
        if calls:
            message["tool_calls"] = [
                {"id": f"call_{len(srv.requests)}_{i}", "type": "function",
                 "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                for i, (name, args) in enumerate(calls)
            ]  # fmt: skip
        prompt = len(raw) // 4
        completion = len(json.dumps(message)) // 4
        out = {
            "id": f"chatcmpl-{len(srv.requests)}", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }  # fmt: skip
        self._send(200, json.dumps(out).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is not the server's error

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []


@contextmanager
def fake_llm(script: list[dict[str, Any]]) -> Iterator[_Server]:
    server = _Server()
    server.script = list(script)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
