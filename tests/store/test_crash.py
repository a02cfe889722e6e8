"""kill -9 in the middle of a large ingest: the store opens, is intact, and holds whole batches only."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from crumbs.store import Store

BATCH = 1000

WRITER = r"""
import sys
from crumbs.model import ObjectKey, Revision
from crumbs.store import Store
store = Store.open(sys.argv[1])
with store.writer(batch_size=int(sys.argv[2])) as w:
    for i in range(10_000_000):
        name = f"cm-{i % 5000}"
        doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "crash", "uid": name},
               "data": {"n": str(i), "pad": "x" * 1500}}
        w.add(Revision(ObjectKey("c", "", "ConfigMap", "crash", name), name, 1_000_000_000 + i, None, doc))
        if i % int(sys.argv[2]) == 0 and i:
            print(i, flush=True)
"""


def test_kill_during_ingest_leaves_whole_batches(tmp_path: Path) -> None:
    path = str(tmp_path / "crash.db")
    Store.open(path).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, path, str(BATCH)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    # Let several batches commit, then kill it while it is inside the next transaction.
    for _ in range(8):
        assert proc.stdout.readline(), "the writer died on its own"
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Store.open(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        revisions = store.queries.counts()["revisions"]
        assert revisions >= 7 * BATCH
        assert revisions % BATCH == 0, f"{revisions} revisions: a batch was half-written"
        # Every stored revision's document decodes and belongs to its object.
        for rev in store.queries.between(None, None)[-BATCH:]:
            assert rev.doc["metadata"]["name"] == rev.key.name
        before = revisions
    # The store keeps working after the crash.
    with Store.open(path) as store, store.writer() as w:
        from crumbs.model import ObjectKey, Revision

        w.add(
            Revision(
                ObjectKey("c", "", "ConfigMap", "crash", "after"),
                "a",
                1,
                None,
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "after", "namespace": "crash"},
                },
            )
        )
    with Store.open(path) as store:
        assert store.queries.counts()["revisions"] == before + 1
    sqlite = shutil.which("sqlite3")
    if sqlite:  # the system's own SQLite agrees
        out = subprocess.run(
            [sqlite, path, "PRAGMA integrity_check"], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "ok"
