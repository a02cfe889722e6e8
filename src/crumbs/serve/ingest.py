"""``POST /api/v1/ingest``: recorders of many clusters ship into this server's store.

- **Who.** ``Authorization: Bearer <token>``, looked up in the ingest tokens file
  (``--ingest-tokens FILE``: one ``token,cluster`` per line, ``#`` comments, as kube-apiserver's
  static token file): the token names the one cluster its sender may write. A body line that
  names a cluster is refused; nothing a sender sends lands in another cluster. No file: the
  endpoint answers 404.
- **What.** The wire format (:mod:`crumbs.formats.wire`), ``Content-Encoding: zstd`` allowed;
  at most :data:`MAX_BODY` bytes, decompressed too (413 beyond). A bad line: 400 naming it, and
  nothing of the body is stored.
- **How much.** At most :data:`CONCURRENT` bodies are written at once; others wait up to
  :data:`QUEUE_WAIT` seconds for a slot, then get 429 with ``Retry-After: 1`` (the sender waits
  and sends again: its spool holds the records).
- **Answer.** 200 with the counts once the records are committed.
"""

from __future__ import annotations

import hmac
import os
import threading
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crumbs.app.ingest import receive
from crumbs.errors import StoreError, UsageError
from crumbs.formats.wire import WireError, read_body
from crumbs.store import Store
from crumbs.store.codec import unpack_bounded

MAX_BODY = 64 * 1024 * 1024
CONCURRENT = 2
QUEUE_WAIT = 2.0
"""Seconds a body waits for a slot before the sender is told 429."""
PATH = "/api/v1/ingest"


@dataclass(frozen=True)
class Tokens:
    by_token: dict[str, str]

    @classmethod
    def load(cls, path: str) -> Tokens:
        """``token,cluster`` lines; UsageError naming the line otherwise."""
        try:
            text = open(path, encoding="utf-8").read()  # noqa: SIM115 - read whole
        except OSError as err:
            raise UsageError(
                f"{path}: cannot read the ingest tokens: {err.strerror or err}"
            ) from None
        if os.name == "posix" and os.stat(path).st_mode & 0o004:
            raise UsageError(f"{path}: the ingest tokens are readable by everyone (chmod 600)")
        tokens: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            token, _, cluster = (part.strip() for part in line.partition(","))
            if len(token) < 16 or not cluster or "," in cluster:
                raise UsageError(
                    f"{path}:{n}: expected 'token,cluster' with a token of 16 characters or more"
                )
            if token in tokens:
                raise UsageError(f"{path}:{n}: this token is given twice")
            tokens[token] = cluster
        if not tokens:
            raise UsageError(f"{path}: no 'token,cluster' line")
        return cls(tokens)

    def cluster_of(self, header: str) -> str | None:
        if not header.startswith("Bearer "):
            return None
        given = header[len("Bearer ") :].strip().encode()
        found = None
        for token, cluster in self.by_token.items():  # every token compared: no early exit to time
            if hmac.compare_digest(given, token.encode()):
                found = cluster
        return found


class Ingest:
    def __init__(self, db: str, tokens: Tokens | None) -> None:
        self.db = db
        self.tokens = tokens
        self._slots = threading.BoundedSemaphore(CONCURRENT)

    async def handle(self, request: Request) -> Response:
        if self.tokens is None:
            return _error(404, "this server takes no ingest (crumbs serve --ingest-tokens FILE)")
        cluster = self.tokens.cluster_of(request.headers.get("authorization", ""))
        if cluster is None:
            return _error(401, "an ingest token is required (Authorization: Bearer <token>)",
                          {"www-authenticate": 'Bearer realm="crumbs-ingest"'})  # fmt: skip
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > MAX_BODY:
            return _error(413, f"a body of at most {MAX_BODY // (1024 * 1024)} MiB")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(413, f"a body of at most {MAX_BODY // (1024 * 1024)} MiB")
        zstd = request.headers.get("content-encoding", "").lower() == "zstd"
        return await run_in_threadpool(self._work, cluster, body, zstd)

    def _work(self, cluster: str, body: bytes, zstd: bool) -> Response:
        """In a worker thread: wait a little for a slot (a short queue smooths bursts), then
        decode and write; still busy after :data:`QUEUE_WAIT`: 429."""
        if not self._slots.acquire(timeout=QUEUE_WAIT):
            return _error(429, "busy: send again", {"retry-after": "1"})
        try:
            if zstd:
                try:
                    plain = unpack_bounded(body, MAX_BODY)
                except ValueError as err:
                    return _error(400, str(err))
                if plain is None:
                    return _error(
                        413, f"a body of at most {MAX_BODY // (1024 * 1024)} MiB, decompressed"
                    )
                body = plain
            try:
                records = list(read_body(body, cluster))
            except WireError as err:
                return _error(400, str(err))
            try:
                with Store.open(self.db, create=True) as store:
                    got = receive(store, cluster, records).json()
            except StoreError as err:
                return _error(503, f"the store cannot be written: {err}", {"retry-after": "5"})
            return JSONResponse({"cluster": cluster, **got})
        finally:
            self._slots.release()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status, headers=headers)
