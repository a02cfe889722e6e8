"""A real ``crumbs serve`` (uvicorn on a free port, in this process's thread) over the demo
store plus a Node (a cluster-scoped object) and a pod's log with a secret in it."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crumbs.cli import main
from crumbs.cli.demo import recording

NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a", "uid": "n-1", "resourceVersion": "5",
        "creationTimestamp": "2026-11-02T08:00:00Z"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}  # fmt: skip
LOG = "2026-11-27T14:59:00.000000000Z starting billing\n2026-11-27T14:59:01.000000000Z connecting with password=hunter2\n2026-11-27T14:59:02.000000000Z panic: config: required key DB_URL missing\n"  # fmt: skip
POD = "billing-7f5d9c6b8-h5s8d"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(where: Path, db: str | None = None) -> str:
    """The demo store plus a Node and a pod's log, in ``where`` (or at the location ``db``)."""
    db = db or str(where / "crumbs.db")
    (where / "incident.jsonl").write_bytes(recording())
    (where / "node.json").write_text(json.dumps(NODE))
    (where / "billing.log").write_text(LOG)
    assert main(["--db", db, "ingest", str(where / "incident.jsonl")]) == 0
    assert main(["--db", db, "ingest", str(where / "node.json")]) == 0
    assert main(["--db", db, "ingest", "--pod", f"shop/{POD}", "-c", "billing", str(where / "billing.log")]) == 0  # fmt: skip
    return db


@dataclass
class Served:
    base: str
    db: str

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return request(self.base + path, headers=headers)

    def json(self, path: str) -> Any:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@contextlib.contextmanager
def start(db: str, **settings: Any) -> Iterator[Served]:
    from crumbs.explain.offline import OfflineModel
    from crumbs.serve.server import Background, Settings

    port = free_port()
    server = Background(Settings(db, port=port, model=OfflineModel, **settings))
    server.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if request(base + "/healthz")[0] in (200, 401):
                break
        except OSError:
            time.sleep(0.05)
    try:
        yield Served(base, db)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def served(served_db: str) -> Iterator[Served]:
    with start(served_db) as s:
        yield s
