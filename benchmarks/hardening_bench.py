"""Benchmarks of issue 12 (hardening): concurrent writers, history-heavy scans, big values and the copilot.

- ``writers``: the same 200k-line watch recording ingested by 1, 2 and 4 ``crumbs ingest``
  processes at once into one store: wall time, and revisions stored (exactly the single
  writer's count).
- ``history``: a scan of a cluster of ~2,100 objects whose every object has ~100 revisions in
  the 3 days before the scan (222k revisions), against the same cluster with one revision
  each, measured in the same run.
- ``askbig``: the offline ``ask`` on a store whose ConfigMaps hold 1 MB values, against the
  same store with 1 kB values.
"""

from __future__ import annotations

import copy
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from synth import NS

import cluster
from crumbs.model import Revision, RevisionType
from crumbs.store import Store

CRUMBS = [sys.executable, "-m", "crumbs"]


def _fresh(work: Path, name: str) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(str(work / name) + suffix).unlink(missing_ok=True)
    return str(work / name)


def _write(path: str, revisions: list[Revision]) -> None:
    store = Store.open(path)
    with store.writer() as w:
        for r in revisions:
            w.add(r)
    store.close()


def _revisions(path: str) -> int:
    with Store.open(path) as store:
        return store.queries.counts()["revisions"]


# -- concurrent writers ------------------------------------------------------------------------


def recording(path: Path, lines: int = 200_000) -> Path:
    """Watch lines of 2,000 ConfigMaps changing 100 times, some back and forth (as heartbeats do)."""
    objects = 2_000
    with open(path, "w") as f:
        for n in range(lines):
            i, v = n % objects, n // objects
            doc = {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": f"cm-{i}", "namespace": f"ns-{i % 20}", "uid": f"u-{i}", "resourceVersion": str(n + 1)},
                   "data": {"v": str(v % 7 if i % 3 else v), "pad": "p" * 300}}  # fmt: skip
            t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_795_000_000 + n)) + "Z"
            f.write(
                json.dumps({"type": "MODIFIED" if v else "ADDED", "object": doc, "time": t}) + "\n"
            )
    return path


def writers(work: Path, report: Callable[[str, str, str], None]) -> None:
    data = recording(work / "writers.jsonl")
    results = {}
    for n in (1, 2, 4):
        db = _fresh(work, f"writers-{n}.db")
        Store.open(db).close()
        t = time.perf_counter()
        procs = [
            subprocess.Popen([*CRUMBS, "--db", db, "ingest", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(n)
        ]  # fmt: skip
        codes = [p.wait() for p in procs]
        assert codes == [0] * n, codes
        results[n] = (time.perf_counter() - t, _revisions(db))
    one_time, one_count = results[1]
    report(
        "one store, concurrent writers: the same 200k-line watch recording ingested by 1, 2 and 4 processes at once",
        "; ".join(
            f"{n}: {t:.1f} s, {c:,} revisions ({t / one_time:.2f}× the single writer's time)"
            for n, (t, c) in results.items()
        ),
        "revisions = the single writer's",
    )
    assert all(c == one_count for _, c in results.values()), results


# -- history-heavy scan -------------------------------------------------------------------------


def heavy_cluster(per_object: int = 100) -> tuple[list[Revision], list[Revision]]:
    """(light, heavy): a 2-namespace cluster, and the same with ``per_object`` revisions of each
    object in the 3 days before the incidents (annotation heartbeats)."""
    cluster.NAMESPACES, cluster.BROKEN_EVERY = 2, 2
    light = list(cluster.cluster())
    first: dict[object, Revision] = {}
    for r in light:
        first.setdefault(r.key, r)
    rng = random.Random(3)
    span = 3 * 86400 * NS
    heavy = list(light)
    for key, r in first.items():
        if key.kind == "Node":
            continue
        for i in range(per_object):
            t = (
                cluster.SCAN_AT
                - 2 * 3600 * NS
                - span
                + (i + 1) * span // (per_object + 1)
                + rng.randrange(NS)
            )
            doc = copy.deepcopy(r.doc)
            doc["metadata"].setdefault("annotations", {})["heartbeat"] = str(i)
            heavy.append(Revision(key, r.uid, t, RevisionType.MODIFIED, doc))
    heavy.sort(key=lambda r: r.at)
    return light, heavy


def history(
    work: Path,
    report: Callable[[str, str, str], None],
    scan_once: Callable[[str, int], bytes],
    timed: Callable[[Callable[[], object]], float],
) -> None:
    light, heavy = heavy_cluster()
    paths = {}
    for name, revs in (("light", light), ("heavy", heavy)):
        paths[name] = _fresh(work, f"history-{name}.db")
        _write(paths[name], revs)
    times = {}
    findings = {}
    for name, path in paths.items():
        findings[name] = len(json.loads(scan_once(path, cluster.SCAN_AT))["findings"])
        times[name] = min(timed(lambda p=path: scan_once(p, cluster.SCAN_AT)) for _ in range(3))
    objects = len({r.key for r in light})
    report(
        f"history-heavy scan: {objects:,} objects with {len(heavy):,} revisions vs the same {len(light):,} ({findings['heavy']} and {findings['light']} findings), in-process",
        f"{times['heavy']:.2f} s vs {times['light']:.2f} s = {times['heavy'] / times['light']:.1f}×",
        "bounded by the window, not the history",
    )


# -- the copilot over big values ----------------------------------------------------------------


def askbig(work: Path, report: Callable[[str, str, str], None]) -> None:
    timings = {}
    for name, size in (("1 kB", 1_000), ("1 MB", 1_000_000)):
        path = work / f"askbig-{size}.jsonl"
        with open(path, "w") as f:
            for i in range(20):
                cm = {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": f"cm-{i}", "namespace": "shop", "uid": f"u-{i}", "creationTimestamp": "2026-11-27T09:00:00Z"},
                      "data": {"blob": ("x" * 61 + "\n") * (size // 62), "version": "1"}}  # fmt: skip
                f.write(
                    json.dumps({"type": "ADDED", "object": cm, "time": "2026-11-27T10:00:00Z"})
                    + "\n"
                )
                cm = copy.deepcopy(cm)
                cm["data"]["version"] = "2"
                f.write(
                    json.dumps({"type": "MODIFIED", "object": cm, "time": "2026-11-27T10:05:00Z"})
                    + "\n"
                )
        db = _fresh(work, f"askbig-{size}.db")
        subprocess.run([*CRUMBS, "--db", db, "ingest", str(path)], check=True, capture_output=True)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([*CRUMBS, "--db", db, "ask", "what changed to cm/cm-3 in shop?", "-o", "json"],
                           check=True, capture_output=True)  # fmt: skip
            runs.append(time.perf_counter() - t)
        timings[name] = statistics.median(runs)
    report(
        "offline `ask` on a store whose 20 ConfigMaps hold 1 MB values vs 1 kB values (the command, start-up included)",
        f"{timings['1 MB']:.2f} s vs {timings['1 kB']:.2f} s = {timings['1 MB'] / timings['1 kB']:.1f}×",
        "≤ 3×",
    )
