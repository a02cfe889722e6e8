"""A fake API server, a kubeconfig pointing at it, and a recorder running against it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crumbs.cluster.recorder import Recorder
from crumbs.cluster.transport import targets
from crumbs.model import RevisionType
from crumbs.store import Store
from tests.fakes.apiserver import FakeAPIServer

Key = tuple[str, str, str, str]


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    srv = FakeAPIServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def kubeconfig(server: FakeAPIServer, tmp_path: Path) -> Path:
    return server.kubeconfig(tmp_path / "kubeconfig")


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


@contextmanager
def recording(
    store_path: str, kubeconfig: Path, contexts: list[str] | None = None, **options: Any
) -> Iterator[Recorder]:
    store = Store.open(store_path)
    stop = threading.Event()
    rec = Recorder(store, targets(contexts, str(kubeconfig)), **options)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            rec.run(stop)
        except BaseException as err:  # surfaced to the test below
            failure.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        stop.set()
        thread.join(30)
        store.close()
    assert not thread.is_alive(), "the recorder did not stop"
    assert not failure, failure


def listening(rec: Recorder) -> bool:
    return bool(rec.followers) and all(
        f.progress.state == "watching" and (f.progress.lists or f.progress.resumed_from)
        for f in rec.followers.values()
    )


def stored_state(store_path: str) -> dict[Key, str]:
    """(group, kind, namespace, name) → resourceVersion of every object the store holds as live now."""
    with Store.open(store_path, create=False) as store:
        return {
            (r.key.group, r.key.kind, r.key.namespace, r.key.name): str(
                r.doc["metadata"].get("resourceVersion")
            )
            for r in store.queries.state_at(2**62)
        }


def stored_revisions(store_path: str) -> list[tuple[Key, str, RevisionType]]:
    with Store.open(store_path, create=False) as store:
        return [
            (
                (r.key.group, r.key.kind, r.key.namespace, r.key.name),
                str(r.doc["metadata"].get("resourceVersion")),
                r.type,
            )
            for r in store.queries.between(None, None)
        ]
