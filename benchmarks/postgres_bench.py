"""The PostgreSQL store (issue 19) beside SQLite, same machine, same run: the write path's
revisions/s into each, bytes per revision, and an object's history, a namespace window and the
state as of t on 1M revisions over 10 clusters (p50, p99). The server is Debian's PostgreSQL
with its defaults (fsync and synchronous commit on), started for the run in a temporary directory."""

from __future__ import annotations

import dataclasses
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

Report = Callable[[str, str, str], None]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _clusters(revs: Iterator) -> Iterator:
    """Spread the synthetic history over 10 clusters (by namespace)."""
    for r in revs:
        c = f"c{int(r.key.namespace[3:]) % 10}"
        yield dataclasses.replace(r, key=dataclasses.replace(r.key, cluster=c))


def _write(location: str, revs: Iterator) -> float:
    """Seconds in the store's writer (run.py's measure)."""
    from run import store_time

    return store_time(location, revs)


def _sample(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _queries(location: str, label: str, report: Report, percentile: Callable) -> None:  # noqa: C901
    import synth

    from crumbs.store import Selector, Store

    with Store.open(location, create=False) as store:
        q = store.queries
        rng = random.Random(3)
        keys = store.db.execute(
            "SELECT c.name, o.grp, o.kind, o.namespace, o.name FROM objects o JOIN clusters c ON c.id = o.cluster"
        ).fetchall()
        lo, hi = q.earliest_time() or 0, q.latest_time() or 0
        q.history(Selector(name=keys[0][4]))
        hist = [
            _sample(lambda k=k: q.history(Selector(cluster=k[0], namespace=k[3], kinds=[(k[1], k[2])], name=k[4])))
            for k in rng.sample(keys, 300)
        ]  # fmt: skip
        hour = 3600 * synth.NS
        win = []
        for _ in range(200):
            ns = f"ns-{rng.randrange(100):03d}"
            t0 = rng.randrange(lo, hi - hour)
            win.append(_sample(lambda ns=ns, t0=t0: q.between(t0, t0 + hour, Selector(cluster=f"c{int(ns[3:]) % 10}", namespace=ns))))  # fmt: skip
        state, sizes = [], []
        for _ in range(30):
            ns = f"ns-{rng.randrange(100):03d}"
            t0 = rng.randrange(lo + (hi - lo) // 2, hi)
            selector = Selector(cluster=f"c{int(ns[3:]) % 10}", namespace=ns)
            state.append(
                _sample(
                    lambda t0=t0, selector=selector: sizes.append(len(q.state_at(t0, selector)))
                )
            )
    objects = f"{statistics.mean(sizes) / 1000:.0f}k" if sizes else "?"
    for name, xs in (("an object's history", hist), ("a namespace's 1-hour window", win),
                     (f"a {objects}-object namespace as of t", state)):  # fmt: skip
        report(
            f"{label if ',' in label else '1M revisions / 10 clusters, ' + label}: {name}",
            f"p50 {statistics.median(xs):.1f} ms, p99 {percentile(xs, 0.99):.1f} ms",
            "",
        )


def run(work: Path, report: Report, percentile: Callable) -> None:
    import synth

    from crumbs.store import Store
    from crumbs.store.postgres import close_pools
    from tests.pgserver import PostgresServer

    server = PostgresServer(durable=True)
    try:
        sqlite_small = str(work / "pg-compare.db")
        for p in (sqlite_small, sqlite_small + "-wal", sqlite_small + "-shm"):
            Path(p).unlink(missing_ok=True)
        n = 100_000
        pg_small = server.database()
        s_sqlite = _write(sqlite_small, _clusters(synth.history(10_000, 10)))
        s_pg = _write(pg_small, _clusters(synth.history(10_000, 10)))
        report(
            "write path, 100k revisions over 10 clusters: SQLite (baseline)",
            f"{n / s_sqlite:,.0f} revisions/s",
            "",
        )
        report("write path, the same into PostgreSQL", f"{n / s_pg:,.0f} revisions/s ({s_sqlite / s_pg:.2f}× SQLite)", "≥ 30,000/s")  # fmt: skip
        with Store.open(sqlite_small) as st:
            st.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            b_sqlite = st.size()
        with Store.open(pg_small) as st:
            st.db.execute("VACUUM ANALYZE")
            b_pg = st.size() - _empty_size(server)
        report("store bytes per revision: SQLite / PostgreSQL (tables and indexes)",
               f"{b_sqlite / n:,.0f} B / {b_pg / n:,.0f} B", "")  # fmt: skip
        big_sqlite = str(work / "pg-compare-1m.db")
        if not Path(big_sqlite).exists():
            _write(big_sqlite + ".tmp", _clusters(synth.history(100_000, 10)))
            Path(big_sqlite + ".tmp").rename(big_sqlite)
        pg_big = server.database()
        s_big = _write(pg_big, _clusters(synth.history(100_000, 10)))
        report("write path while growing PostgreSQL to 1M revisions", f"{1_000_000 / s_big:,.0f} revisions/s", "≥ 30,000/s")  # fmt: skip
        with Store.open(pg_big) as st:
            st.db.execute("VACUUM ANALYZE")
        _queries(big_sqlite, "SQLite", report, percentile)
        _queries(pg_big, "PostgreSQL", report, percentile)
    finally:
        close_pools()
        server.close()


def _empty_size(server) -> int:
    from crumbs.store import Store

    with Store.open(server.database()) as st:
        return st.size()


def _fast_history(objects: int, revisions: int) -> Iterator:
    """``objects`` realistic documents (synth's round 0), then ``revisions - 1`` rounds that each
    change a few metadata fields of every object: 10M revisions without synth's per-revision
    cost (the queries measured here read indexes and a few documents, not the mutations)."""
    import synth

    from crumbs.model import Revision, RevisionType

    base = list(_clusters(synth.history(objects, 1)))
    step = (30 * 86400 * synth.NS) // (objects * revisions)
    for n in range(revisions):
        for i, r in enumerate(base):
            t = synth.START + (n * objects + i) * step
            if n == 0:
                yield dataclasses.replace(r, at=t)
                continue
            doc = dict(r.doc)
            md = dict(doc["metadata"])
            md["resourceVersion"] = str(n * objects + i)
            md["annotations"] = {**(md.get("annotations") or {}), "bench/round": str(n)}
            doc["metadata"] = md
            yield Revision(r.key, r.uid, t, RevisionType.MODIFIED, doc)


def run_big(work: Path, report: Report, percentile: Callable) -> None:
    """The same three queries at 10M revisions over 10 clusters (200k objects × 50 revisions,
    :func:`_fast_history`), each store built alone, then queried one after the other."""
    from crumbs.store.postgres import close_pools
    from tests.pgserver import PostgresServer

    server = PostgresServer(durable=True)
    try:
        sqlite_big = str(work / "pg-compare-10m.db")
        if not Path(sqlite_big).exists():
            seconds = _write(sqlite_big + ".tmp", _fast_history(200_000, 50))
            Path(sqlite_big + ".tmp").rename(sqlite_big)
            report(
                "building 10M revisions: SQLite write path",
                f"{10_000_000 / seconds:,.0f} revisions/s",
                "",
            )
        pg_big = server.database()
        seconds = _write(pg_big, _fast_history(200_000, 50))
        report(
            "building 10M revisions: PostgreSQL write path",
            f"{10_000_000 / seconds:,.0f} revisions/s",
            "",
        )
        with Store_open(pg_big) as st:
            st.db.execute("VACUUM ANALYZE")
            size = st.size()
        report(
            "10M revisions: PostgreSQL database size",
            f"{size / 1e9:.1f} GB ({size / 1e7:,.0f} B per revision)",
            "",
        )
        _queries(sqlite_big, "SQLite, 10M", report, percentile)
        _queries(pg_big, "PostgreSQL, 10M", report, percentile)
    finally:
        close_pools()
        server.close()


def Store_open(location: str):  # noqa: N802 - a late import with the store's name
    from crumbs.store import Store

    return Store.open(location, create=False)
