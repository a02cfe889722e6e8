"""PostgreSQL under faults: a server restart in the middle of a batch, and several writer
processes at once (three recorders shipping into one central store)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crumbs.errors import StoreError
from crumbs.model import ObjectKey, Revision
from crumbs.store import Store
from crumbs.timeutil import NS, parse_time
from tests.backend import raw
from tests.conftest import deployment

pytestmark = pytest.mark.postgres
T0 = parse_time("2026-11-20T10:00:00Z")


def _cm(n: int, cluster: str = "c") -> Revision:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm{n}", "namespace": "ns", "uid": f"u{n}"},
           "data": {"n": str(n)}}  # fmt: skip
    return Revision(
        ObjectKey(cluster, "", "ConfigMap", "ns", f"cm{n}"), f"u{n}", T0 + n * NS, None, doc
    )


def test_a_restart_in_the_middle_of_a_batch_loses_that_batch_whole_and_the_writer_goes_on(
    postgres_server,
) -> None:
    url = postgres_server.database()
    store = Store.open(url)
    with store.writer(batch_size=50, parallel=False) as w:
        for n in range(20):
            w.add(_cm(n))
        w.flush()
        blocker = raw(
            url
        )  # holds the events table: the next batch stops half-way, inside its transaction
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        failed: list[BaseException] = []

        def second() -> None:
            try:
                for n in range(20, 40):
                    w.add(_cm(n))
                from crumbs.model import Event

                w.add(Event(ObjectKey("c", "", "ConfigMap", "ns", "cm20"), "u20", T0 + 30 * NS, "Normal", "Synced",
                            "synced", 1, "test", None, "ev-1"))  # fmt: skip
                w.flush()
            except BaseException as err:  # noqa: BLE001 - what the writer raised is the result
                failed.append(err)

        t = threading.Thread(target=second)
        t.start()
        probe = raw(url)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
        ):  # the batch waits on the lock: revisions written, not committed
            waiting = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
        probe.close()
        postgres_server.restart()
        t.join(60)
        assert len(failed) == 1 and isinstance(failed[0], StoreError), failed
        assert "cannot write to the store" in str(failed[0]) and "\n" not in str(failed[0])
        for n in range(40, 50):  # the same writer goes on, on a new connection
            w.add(_cm(n))
    store.close()
    with Store.open(url) as again:
        names = sorted(int(r.key.name[2:]) for r in again.queries.between(None, None))
        assert names == [*range(20), *range(40, 50)]  # nothing of the interrupted batch
        assert again.queries.events(None, None) == []


def _recording(path: Path, cluster: str, objects: int) -> None:
    lines = []
    for i in range(objects):
        for rev, image in enumerate(("a:1", "a:2", "a:3")):
            obj = deployment(f"app{i}", ns=f"ns{i % 4}", image=image, uid=f"{cluster}-{i}")
            obj["metadata"]["resourceVersion"] = str(rev + 1)
            t = f"2026-11-2{1 + rev}T{i % 24:02d}:00:00Z"
            lines.append(
                json.dumps({"type": "MODIFIED" if rev else "ADDED", "object": obj, "time": t})
            )
    path.write_text("\n".join(lines) + "\n")


def test_three_writers_at_once_store_what_one_store_each_would(
    postgres_server, tmp_path: Path
) -> None:
    """Three processes write three clusters' streams into one PostgreSQL store at once, with
    small batches so they interleave; the result equals the three ingested one after another
    into SQLite: nothing lost, nothing twice."""
    url = postgres_server.database()
    Store.open(url).close()
    files = []
    for c in ("east", "west", "north"):
        f = tmp_path / f"{c}.jsonl"
        _recording(f, c, 300)
        files.append((c, f))
    crumbs = [sys.executable, "-m", "crumbs"]
    procs = [subprocess.Popen([*crumbs, "--db", url, "ingest", "--cluster", c, str(f)], stderr=subprocess.PIPE)
             for c, f in files]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    sqlite = str(tmp_path / "one.db")
    for c, f in files:
        assert subprocess.run([*crumbs, "--db", sqlite, "ingest", "--cluster", c, str(f)], capture_output=True).returncode == 0  # fmt: skip

    def timeline(where: str) -> list:
        out = subprocess.run(
            [*crumbs, "--db", where, "timeline", "-o", "json"], capture_output=True, check=True
        )
        return [(e["at"], e["object"]["cluster"], e["object"]["name"], e.get("summary")) for e in json.loads(out.stdout)["entries"]]  # fmt: skip

    central, one = timeline(url), timeline(sqlite)
    assert len(central) == 3 * 300 * 3
    assert sorted(central) == sorted(one)
