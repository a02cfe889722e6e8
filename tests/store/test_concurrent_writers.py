"""Several writers into one store: any interleaving stores exactly what one writer would (issue 12 item 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crumbs.store import Store

CRUMBS = [sys.executable, "-m", "crumbs"]


def recording(path: Path, objects: int = 300, versions: int = 12) -> Path:
    """Watch lines (dated, some objects changing back and forth) and a List snapshot (undated)."""
    with open(path / "watch.jsonl", "w") as f:
        for v in range(versions):
            for i in range(objects):
                value = str(v % 3) if i % 2 else str(v)  # half the objects repeat earlier documents
                doc = {"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": f"cm-{i}", "namespace": f"ns-{i % 7}", "uid": f"uid-{i}",
                                    "resourceVersion": str(1000 + v * objects + i)},
                       "data": {"v": value}}  # fmt: skip
                t = f"2026-11-20T10:{v:02d}:{i % 60:02d}.{i:06d}Z"
                f.write(
                    json.dumps({"type": "MODIFIED" if v else "ADDED", "object": doc, "time": t})
                    + "\n"
                )
    items = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{i}", "namespace": "shop", "uid": f"svc-{i}"},
         "spec": {"ports": [{"port": 80 + i}]}}
        for i in range(200)
    ]  # fmt: skip
    (path / "snapshot.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    )
    return path


def ingest_concurrently(db: str, data: Path, writers: int) -> None:
    procs = [
        subprocess.Popen(
            [*CRUMBS, "--db", db, "ingest", "--batch-size", "100", str(data / "watch.jsonl"), str(data / "snapshot.json")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(writers)
    ]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err


def counts(db: str) -> tuple[int, int]:
    with Store.open(db) as store:
        c = store.queries.counts()
        return c["revisions"], c["objects"]


@pytest.mark.slow
@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_ingests_store_what_one_would(tmp_path: Path, writers: int) -> None:
    data = recording(tmp_path)
    one = str(tmp_path / "one.db")
    ingest_concurrently(one, data, 1)
    many = str(tmp_path / "many.db")
    Store.open(many).close()
    ingest_concurrently(many, data, writers)
    assert counts(many) == counts(one)
    with Store.open(one) as a, Store.open(many) as b:
        history = [
            (r.key, r.at, r.type, r.doc)
            for r in a.queries.between(None, None)
            if r.key.kind == "ConfigMap"
        ]
        again = [
            (r.key, r.at, r.type, r.doc)
            for r in b.queries.between(None, None)
            if r.key.kind == "ConfigMap"
        ]
        assert history == again  # the same revisions, not only as many
