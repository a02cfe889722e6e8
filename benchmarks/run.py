#!/usr/bin/env python3
"""Crumbs benchmarks: one command, figures printed as the Markdown rows of benchmarks/README.md.

    make bench                 # all of them
    .venv/bin/python benchmarks/run.py ingest size queries

Each figure is measured here, on this machine, in this run; baselines (a bare
``executemany`` into SQLite) are measured in the same run. Timed code runs
with the cyclic GC paused, as ``crumbs ingest`` does.
"""

from __future__ import annotations

import copy
import gc
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
import synth  # noqa: E402

from crumbs.analyze.graph import Graph  # noqa: E402
from crumbs.formats.reader import read_paths  # noqa: E402
from crumbs.model import Event, Revision  # noqa: E402
from crumbs.store import Selector, Store  # noqa: E402
from crumbs.store.codec import canonical  # noqa: E402

WORK = Path(os.environ.get("CRUMBS_BENCH_DIR", Path(__file__).parent / ".work"))
rows: list[tuple[str, str, str]] = []


def report(name: str, value: str, target: str) -> None:
    rows.append((name, value, target))
    print(f"| {name} | {value} | {target} |", flush=True)


def fresh(name: str) -> str:
    path = WORK / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return str(path)


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    gc.disable()
    try:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t
    finally:
        gc.enable()


def ingest_into(path: str, records) -> None:
    store = Store.open(path)
    with store.writer() as w:
        for r in records:
            if isinstance(r, (Revision, Event)):
                w.add(r)
    store.close()


def store_time(path: str, records) -> float:
    """Seconds spent in the writer only (the synthetic generator is slower than the store)."""
    store = Store.open(path)
    spent = 0.0
    clock = time.perf_counter
    with store.writer() as w:
        for r in records:
            t = clock()
            w.add(r)
            spent += clock() - t
        t = clock()
    spent += clock() - t  # the final flush
    store.close()
    return spent


def bare_executemany(path: str, revs: list[Revision]) -> float:
    """The baseline: the same rows, canonical JSON, one table, same pragmas and batch size."""
    rows_ = [
        (
            r.key.cluster,
            r.key.group,
            r.key.kind,
            r.key.namespace,
            r.key.name,
            r.uid,
            r.at,
            int(r.type),
            canonical(r.doc),
        )
        for r in revs
    ]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        "CREATE TABLE r (cluster TEXT, grp TEXT, kind TEXT, namespace TEXT, name TEXT, uid TEXT, at INTEGER, type INTEGER, doc BLOB)"
    )

    def go() -> None:
        for i in range(0, len(rows_), 5000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_[i : i + 5000])
            db.execute("COMMIT")

    seconds = timed(go)
    db.close()
    return seconds


def file_size(path: str) -> int:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def bench_ingest() -> None:
    gc.disable()
    revs = list(synth.history(10_000, 10))
    gc.enable()
    n = len(revs)
    raw = sum(len(orjson.dumps(r.doc)) for r in revs)
    report(
        "synthetic history",
        f"{n:,} revisions of {n // 10:,} objects, {raw / n:,.0f} B each (compact JSON)",
        "~2 KB each",
    )
    base = bare_executemany(fresh("bare.db"), revs)
    store_path = fresh("ingest.db")
    write = timed(lambda revs=revs: ingest_into(store_path, revs))
    report(
        "ingest, store write path (records → store)", f"{n / write:,.0f} revisions/s", "≥ 50,000/s"
    )
    report("bare executemany of the same rows (baseline)", f"{n / base:,.0f} rows/s", "")
    report("write path vs bare executemany", f"{base / write:.2f}×", "≥ 0.6×")
    size = file_size(store_path)
    report(
        "store size, 10k objects × 10 revisions",
        f"{size / 1e6:.1f} MB for {raw / 1e6:.1f} MB of JSON = {size / raw:.3f}×",
        "≤ 0.25×",
    )
    watch = WORK / "watch.jsonl"
    with open(watch, "wb") as f:
        for r in revs:
            f.write(orjson.dumps({"type": r.type.name, "object": r.doc}) + b"\n")
    del revs
    e2e_path = fresh("e2e.db")
    e2e = timed(lambda: ingest_into(e2e_path, read_paths([str(watch)], cluster="bench")))
    report("ingest end to end (watch JSON lines file → store)", f"{n / e2e:,.0f} revisions/s", "")
    again = timed(lambda: ingest_into(e2e_path, read_paths([str(watch)], cluster="bench")))
    report("re-ingest of the same file (nothing new)", f"{n / again:,.0f} revisions/s", "")


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def million() -> Path:
    """The 1M-revision store (100k objects × 10 revisions), built once into the work directory."""
    path = WORK / "million.db"
    objects, revisions = 100_000, 10
    if not path.exists():
        tmp = fresh("million.tmp.db")
        gc.disable()
        in_store = store_time(tmp, synth.history(objects, revisions))
        gc.enable()
        report(
            "write path while growing to 1M revisions (generator time excluded)",
            f"{objects * revisions / in_store:,.0f} revisions/s",
            "",
        )
        os.replace(tmp, path)
        for s in ("-wal", "-shm"):
            Path(tmp + s).unlink(missing_ok=True)
    return path


def bench_queries() -> None:
    objects, revisions = 100_000, 10
    path = million()
    store = Store.open(str(path), create=False)
    q = store.queries
    assert q.counts()["revisions"] == objects * revisions
    rng = random.Random(1)
    keys = store.db.execute("SELECT o.grp, o.kind, o.namespace, o.name FROM objects o").fetchall()
    lo = store.db.execute("SELECT min(at) FROM revisions").fetchone()[0]
    hi = q.latest_time()
    q.history(Selector(name=keys[0][3]))  # warm the dictionaries

    def sample(fn: Callable[[], object], times: int) -> list[float]:
        out = []
        for _ in range(times):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    hist = []
    for g, k, ns, name in rng.sample(keys, 300):
        hist += sample(
            lambda g=g, k=k, ns=ns, name=name: q.history(
                Selector(cluster="bench", namespace=ns, kinds=[(g, k)], name=name)
            ),
            1,
        )
    report(
        "1M revisions: one object's history",
        f"p50 {statistics.median(hist):.2f} ms, p99 {percentile(hist, 0.99):.2f} ms",
        "p50 ≤ 5 ms",
    )
    hour = 3600 * synth.NS
    win, counts = [], []
    for _ in range(300):
        ns = f"ns-{rng.randrange(100):03d}"
        t0 = rng.randrange(lo, hi - hour)
        t = time.perf_counter()
        counts.append(len(q.between(t0, t0 + hour, Selector(namespace=ns))))
        win.append((time.perf_counter() - t) * 1000)
    report(
        "1M revisions: a namespace's changes in a 1-hour window",
        f"p50 {statistics.median(win):.2f} ms, p99 {percentile(win, 0.99):.2f} ms ({statistics.mean(counts):.0f} changes)",
        "p50 ≤ 20 ms",
    )
    state, sizes = [], []
    for _ in range(40):
        ns = f"ns-{rng.randrange(100):03d}"
        t0 = rng.randrange(lo + (hi - lo) // 2, hi)
        t = time.perf_counter()
        sizes.append(len(q.state_at(t0, Selector(namespace=ns))))
        state.append((time.perf_counter() - t) * 1000)
    report(
        "1M revisions: state of a 1k-object namespace as of t",
        f"p50 {statistics.median(state):.1f} ms, max {max(state):.1f} ms ({statistics.mean(sizes):.0f} objects)",
        "≤ 100 ms",
    )
    store.close()


def bench_provenance() -> None:
    """Attribution over the 1M-revision store; blame of a 1,000-line object."""
    from crumbs.model import RevisionType
    from crumbs.report.blame import as_text
    from crumbs.trail.attribution import attribute
    from crumbs.trail.blame import blame

    path = WORK / "million.db"
    if not path.exists():
        bench_queries()
    store = Store.open(str(path), create=False)
    decode = store.queries.decoder.decode
    rows = store.db.execute(
        "SELECT r.object, r.type, b.dict, b.data FROM revisions r JOIN blobs b ON b.digest = r.blob ORDER BY r.object, r.at, r.id"
    )
    n = certain = 0
    spent = 0.0
    last_object, previous = None, None
    gc.disable()
    started = time.perf_counter()
    for oid, rtype, dict_id, data in rows:
        doc = decode(dict_id, data)
        prev = previous if oid == last_object else None
        t = time.perf_counter()
        att = attribute(prev, doc, RevisionType(rtype))
        spent += time.perf_counter() - t
        certain += att.certain
        n += 1
        last_object, previous = oid, doc
    total = time.perf_counter() - started
    gc.enable()
    store.close()
    report(
        "attribution over 1M revisions (managedFields)",
        f"{n / spent:,.0f} revisions/s ({n:,} revisions, {certain / n:.0%} certain)",
        "≥ 20,000/s",
    )
    report(
        "attribution over 1M revisions, reading and decoding included",
        f"{n / total:,.0f} revisions/s",
        "",
    )

    doc = synth.deployment(random.Random(3), "ns", "big", 0, synth.START)
    containers = doc["spec"]["template"]["spec"]["containers"]
    base = containers[0]
    for i in range(1, 15):
        c = copy.deepcopy(base)
        c["name"] = f"sidecar-{i}"
        c["env"] = [{"name": f"VAR_{j}", "value": f"value-{i}-{j}"} for j in range(25)]
        containers.append(c)
    fields = {
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        f'k:{{"name":"{c["name"]}"}}': {
                            ".": {},
                            "f:image": {},
                            "f:env": {
                                ".": {},
                                **{
                                    f'k:{{"name":"{e["name"]}"}}': {
                                        ".": {},
                                        "f:name": {},
                                        "f:value": {},
                                    }
                                    for e in c.get("env", [])
                                },
                            },
                        }
                        for c in containers
                    }
                }
            }
        }
    }
    doc["metadata"]["managedFields"].append(
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "time": "2026-11-27T14:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        }
    )
    lines = len(blame(doc).lines)
    samples = []
    for _ in range(20):
        t = time.perf_counter()
        as_text(blame(doc), history=False)
        samples.append((time.perf_counter() - t) * 1000)
    report(
        f"blame of a {lines:,}-line object (tree, lines, rendering)",
        f"p50 {statistics.median(samples):.1f} ms, max {max(samples):.1f} ms",
        "≤ 50 ms",
    )


LAUNCHER = """
import os, subprocess, sys, time
t = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def scan_once(path: str, at: int, profile: str = "default") -> bytes:
    """What ``crumbs scan -o json`` does: the view as of ``at``, every analyzer, causes, the JSON."""
    from crumbs.analyze.registry import choose
    from crumbs.analyze.scan import Options, run
    from crumbs.analyze.view import ClusterView
    from crumbs.report.findings import as_json
    from crumbs.store.source import StoreSource

    store = Store.open(path)
    try:
        view = ClusterView(StoreSource(store.queries), at)
        return orjson.dumps(as_json(at, run(view, choose(profile=profile), Options())))
    finally:
        store.close()


def bench_scan() -> None:
    import subprocess

    import cluster

    revs = list(cluster.cluster())
    path = fresh("scan.db")
    ingest_into(path, revs)
    latest = {r.key: r for r in revs}
    docs = [orjson.dumps(r.doc) for r in latest.values()]
    pods = sum(k.kind == "Pod" for k in latest)
    parse = min(timed(lambda: [orjson.loads(d) for d in docs]) for _ in range(3))
    out = scan_once(path, cluster.SCAN_AT)  # warm the page cache and imports
    findings = orjson.loads(out)["findings"]
    scans = [timed(lambda: scan_once(path, cluster.SCAN_AT)) for _ in range(3)]
    best = min(scans)
    report(
        f"scan of {len(latest):,} objects ({pods:,} pods; {len(findings)} findings, causes ranked), in-process",
        f"{best:.2f} s (median {statistics.median(scans):.2f} s)",
        "≤ 3 s",
    )
    report(
        "scan ÷ orjson parse of the same objects",
        f"{best / parse:.2f}× (parse {parse:.2f} s)",
        "≤ 3×",
    )
    linted = orjson.loads(scan_once(path, cluster.SCAN_AT, "lint"))["findings"]
    lint = min(timed(lambda: scan_once(path, cluster.SCAN_AT, "lint")) for _ in range(3))
    report(
        f"scan --profile lint of it ({len(linted):,} findings), in-process, ÷ the default scan",
        f"{lint:.2f} s, {lint / best:.2f}×",
        "",
    )
    from crumbs.analyze.view import ClusterView
    from crumbs.store.source import StoreSource

    store = Store.open(path)
    view = ClusterView(StoreSource(store.queries), cluster.SCAN_AT)
    keys = [r.key for kind in list(view.kinds()) for r in view.objects(kind)]

    def whole_graph() -> int:
        graph = Graph(view)
        return sum(len(graph.edges(k, down=True)) for k in keys)

    edges = whole_graph()
    build = min(timed(whole_graph) for _ in range(3))
    store.close()
    report(
        f"the dependency graph of all {len(keys):,} objects, every edge both ways (a scan builds only what its findings reach)",
        f"{build:.2f} s, {edges:,} edges",
        "",
    )
    exe = Path(sys.executable).parent / "crumbs"
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cluster.SCAN_AT // 1_000_000_000))
    walls, peaks = [], []
    for _ in range(3):
        # a small launcher forks the scan: a child forked from this (big) process would
        # inherit its peak RSS in ru_maxrss
        out = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(exe), "--db", path, "scan", "--at", at, "-o", "json"],
            capture_output=True, check=True, text=True,
        ).stdout.split()  # fmt: skip
        wall, peak_kib, code = float(out[0]), int(out[1]), int(out[2])
        assert code in (0, 3), code
        walls.append(wall)
        peaks.append(peak_kib / 1024)
    report(
        "`crumbs scan --at T -o json` of it, a fresh process (start-up included)",
        f"{min(walls):.2f} s wall (median {statistics.median(walls):.2f} s), peak RSS {max(peaks):,.0f} MiB",
        "≤ 3 s, RSS ≤ 1.5 GB",
    )


def bench_watch() -> None:
    import watch_bench

    events = int(os.environ.get("CRUMBS_BENCH_WATCH_EVENTS", "1000000"))
    r = watch_bench.run(WORK, events)
    samples = r["samples"]
    assert isinstance(samples, list)
    total = float(r["total_s"])  # type: ignore[arg-type]
    report(
        f"watch: {events:,} events of 10k pods from the fake API server into the store, end to end",
        f"{events / total:,.0f} events/s ({total:.1f} s; {r['revisions']:,} revisions stored)",
        "≥ 10,000/s",
    )
    rss = [m for _, m in samples]
    report(
        "watch: the recorder's RSS along the run (every 10%)",
        f"{' → '.join(f'{m:,.0f}' for m in rss[:-1])} MiB (from 10% to 100%: {rss[-2] - rss[1]:+,.0f} MiB)",
        "flat",
    )


def bench_copilot() -> None:
    import copilot_bench

    r = copilot_bench.run(WORK)
    rows = r["rows"]
    assert isinstance(rows, list)
    report(
        f"copilot over {len(rows)} incident scenarios: tokens sent per explained finding (o200k_base, every request in full)",
        f"median {r['median_sent']:,.0f}, max {r['max_sent']:,.0f} (largest single request: median {r['median_largest']:,.0f})",
        "median ≤ 6,000",
    )
    report(
        "copilot, offline explainer: time to answer (in-process)",
        f"median {float(r['median_s']) * 1000:,.0f} ms, max {float(r['max_s']) * 1000:,.0f} ms",  # type: ignore[arg-type]
        "≤ 1 s",
    )


def bench_agent() -> None:
    import agent_bench

    for loader, what in (
        ("bpftrace", "bpftrace's output"),
        ("libbpf", "the libbpf loader's ring buffer records"),
    ):
        runs = [agent_bench.pipeline(WORK, 300_000, loader=loader) for _ in range(3)]
        rates = sorted(r["events"] / r["seconds"] for r in runs)
        assert all(r["attributed"] == r["events"] == r["stored"] for r in runs), runs
        report(
            f"agent pipeline: {what} (connects, DNS, execs, exits of 1,000 pods) → decoded, attributed, stored (raw + rollups), no kernel, the collector on as in the agent",
            f"{rates[0]:,.0f}–{rates[-1]:,.0f} events/s (3 runs of {runs[0]['events']:,.0f} events)",
            "≥ 100,000/s",
        )
    why = agent_bench.available()
    if why:
        report("agent live benchmarks (eBPF)", f"skipped: {why}", "")
        return
    for source, rates in (("dns", (10_000, 100_000, 0)), ("connects", (0,))):
        for rate in rates:
            for loader in ("bpftrace", "libbpf"):
                c = agent_bench.consume(WORK, loader, rate, source=source)
                what = "DNS queries" if source == "dns" else "refused connects"
                report(
                    f"agent loader alone, {loader}: {what} at {f'{rate:,}/s' if rate else 'full speed'} for 10 s, read and decoded (no store)",
                    f"{c['made'] / 10:,.0f}/s made, {c['seen']:,.0f} of {c['made']:,.0f} decoded ({c['rate']:,.0f}/s), {c['lost']:,.0f} lost",
                    "0 lost at 100,000/s" if rate == 100_000 else "",
                )
    for source in ("connects", "dns"):
        runs = [agent_bench.drain(WORK, source) for _ in range(3)]
        rates = sorted(d["rate"] for d in runs)
        made = sorted(d["events_rate"] for d in runs)
        report(
            f"agent libbpf consumer: the {source} ring filled while unread (2 s of the generator), taken and decoded into columns (3 runs)",
            f"{rates[0]:,.0f}–{rates[-1]:,.0f} events/s ({runs[0]['taken']:,.0f} events); made into events too: {made[0]:,.0f}–{made[-1]:,.0f}/s",
            "≥ 500,000/s",
        )
    for rate in (100_000, 0):
        full = agent_bench.live(WORK, rate, 10, "libbpf", "dns")
        report(
            f"agent live, libbpf: DNS queries from a pod's cgroup at {f'{rate:,}/s' if rate else 'full speed'} for 10 s → attributed, stored (raw + rollups)",
            f"{full['made'] / 10:,.0f}/s made, {full['seen']:,.0f} of {full['made']:,.0f} stored "
            f"({full['seen'] / full['caught_up']:,.0f}/s until the last was stored), {full['lost']:,.0f} lost (counted)",
            "0 lost at 100,000/s" if rate else "",
        )
    for loader in ("bpftrace", "libbpf"):
        steady = agent_bench.live(WORK, 10_000, 10, loader)
        report(
            f"agent live, {loader}: refused connects from a pod's cgroup at 10,000/s for 10 s → store",
            f"{steady['made']:,.0f} made, {steady['seen']:,.0f} stored, {steady['lost']:,.0f} lost",
            "0 lost",
        )
        full = agent_bench.live(WORK, 0, 10, loader)
        report(
            f"agent live, {loader}: the C load generator as fast as it can for 10 s (2 cores shared)",
            f"{full['made'] / 10:,.0f} connects/s made, {full['seen']:,.0f} of {full['made']:,.0f} stored "
            f"({full['seen'] / full['caught_up']:,.0f}/s until the last was stored), {full['lost']:,.0f} lost (counted)",
            "",
        )
        costs = [agent_bench.cost(WORK, loader=loader) for _ in range(3)]
        extra = [(c["with"] - c["without"]) / c["made1"] * 1e6 for c in costs]
        report(
            f"agent CPU cost, {loader}: a workload making 1,000 connects/s for 10 s",
            f"workload {statistics.median(extra):+.0f} µs CPU per traced connect (median of 3; {min(extra):+.0f} to {max(extra):+.0f}; "
            f"{costs[0]['without']:.2f} s → {costs[0]['with']:.2f} s for 10,000); agent {min(c['agent_cpu'] for c in costs) / 10 * 100:.1f}–{max(c['agent_cpu'] for c in costs) / 10 * 100:.1f}% of a core",
            "",
        )


def bench_plugins() -> None:
    import plugin_bench

    import cluster

    r = plugin_bench.calls(WORK)
    report(
        f"Wasm plugin call on a {r['size']:,.0f}-byte Deployment: host overhead (a plugin that returns at once; input, copy, 2 calls, output, decode)",
        f"{r['empty']:.1f} µs per call ({1e6 / r['empty']:,.0f} calls/s); through wasmtime-py's generic Func.__call__ and Memory.write/read: {r['generic']:.1f} µs",
        "≤ 20 µs",
    )
    report(
        "Wasm plugin, WAT example (no-docker-hub: a byte search) vs the same rule in Python over the decoded object",
        f"{r['wat']:.1f} µs ({1e6 / r['wat']:,.0f}/s) vs {r['py-wat']:.1f} µs in Python (+ {r['decode']:.1f} µs to decode the object, paid once for all built-ins)",
        "",
    )
    report(
        "Wasm plugin, C example (owner-label, built with ziglang) vs the same rule in Python",
        f"{r['c']:.1f} µs ({1e6 / r['c']:,.0f}/s) vs {r['py-c']:.1f} µs in Python",
        "",
    )
    path = str(WORK / "scan.db")
    if not Path(path).exists():
        ingest_into(fresh("scan.db"), list(cluster.cluster()))
    s = plugin_bench.scan(path, cluster.SCAN_AT)
    report(
        f"scan of the 100k-object cluster, in-process: built-ins only vs built-ins + the WAT plugin (called on {s['objects']:,.0f} objects of its kinds)",
        f"{s['none']:.2f} s vs {s['wat']:.2f} s (+{s['wat'] - s['none']:.2f} s; {s['none-findings']:.0f} and {s['wat-findings']:.0f} findings)",
        "",
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Linux {platform.release()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def bench_writers() -> None:
    import hardening_bench

    hardening_bench.writers(WORK, report)


def bench_history() -> None:
    import hardening_bench

    hardening_bench.history(WORK, report, scan_once, timed)


def bench_askbig() -> None:
    import hardening_bench

    hardening_bench.askbig(WORK, report)


def bench_dump() -> None:
    import dump_bench

    dump_bench.run(WORK, report, timed)


def bench_logs() -> None:
    import logs_bench

    logs_bench.run(WORK, report, timed)


def bench_serve() -> None:
    import serve_bench

    serve_bench.run(WORK, million(), report, percentile)


def bench_alerts() -> None:
    import alerts_bench

    alerts_bench.run(WORK, million(), report, percentile)


def bench_postgres() -> None:
    import postgres_bench

    postgres_bench.run(WORK, report, percentile)


def bench_ingest_central() -> None:
    import ingest_bench

    ingest_bench.run(WORK, report)


def bench_postgres_10m() -> None:
    import postgres_bench

    postgres_bench.run_big(WORK, report, percentile)


def bench_conntrack() -> None:
    import conntrack_bench

    conntrack_bench.run(report)
    conntrack_bench.join_cost(report)


BENCHES = {
    "ingest": bench_ingest,
    "logs": bench_logs,
    "dump": bench_dump,
    "queries": bench_queries,
    "provenance": bench_provenance,
    "scan": bench_scan,
    "watch": bench_watch,
    "copilot": bench_copilot,
    "agent": bench_agent,
    "plugins": bench_plugins,
    "writers": bench_writers,
    "history": bench_history,
    "askbig": bench_askbig,
    "serve": bench_serve,
    "alerts": bench_alerts,
    "postgres": bench_postgres,
    "fleet": bench_ingest_central,
    "postgres10m": bench_postgres_10m,
    "conntrack": bench_conntrack,
}


def main(argv: list[str]) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    chosen = argv or list(BENCHES)
    print(f"machine: {machine()}\n\n| benchmark | result | target |\n|---|---|---|")
    for name in chosen:
        BENCHES[name]()


def bench_progress() -> None:
    """Issue 21: the progress display's cost on a 1M-object ingest (always drawn vs never),
    the two runs alternated twice, the same file, fresh stores."""
    import os
    import subprocess

    source = WORK / "progress-1m.jsonl"
    if not source.exists():
        with open(source, "wb") as f:
            for i in range(1_000_000):
                doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                    "namespace": f"ns-{i % 100}", "name": f"cm-{i}", "uid": f"uid-{i}", "resourceVersion": str(i + 1),
                    "creationTimestamp": "2026-11-01T00:00:00Z"}, "data": {"key": f"value-{i}"}}  # fmt: skip
                f.write(orjson.dumps({"type": "ADDED", "object": doc}) + b"\n")
    times: dict[str, list[float]] = {"always": [], "never": []}
    for _ in range(2):
        for mode in ("never", "always"):
            db = fresh(f"progress-{mode}.db")
            env = dict(os.environ, CRUMBS_PROGRESS=mode, COLUMNS="120")
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "crumbs", "--db", db, "ingest", str(source)], check=True,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            times[mode].append(time.perf_counter() - t)
    shown, hidden = min(times["always"]), min(times["never"])
    report(
        "ingest of 1,000,000 objects with the progress display drawn ÷ without (best of 2 each, alternated)",
        f"{shown / hidden:.3f}× ({shown:.1f} s vs {hidden:.1f} s)",
        "≤ 1.02×",
    )


BENCHES["progress"] = bench_progress


def bench_get_all() -> None:
    """Issue 21: ``crumbs get pods -A`` (kubectl's columns) on the 1M-revision store (100k objects,
    60k of them Pods) as of a time halfway through its history: the whole command in-process,
    its table written to /dev/null."""
    import contextlib

    from crumbs.cli import main as cli_main

    path = str(million())
    with Store.open(path, create=False) as store:
        lo = store.db.execute("SELECT min(at) FROM revisions").fetchone()[0]
        hi = store.queries.latest_time()
    from crumbs.timeutil import format_time

    at = format_time((lo + hi) // 2)
    runs = []
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        for _ in range(7):
            t = time.perf_counter()
            assert cli_main(["--db", path, "get", "pods", "-A", "--at", at]) == 0
            runs.append(time.perf_counter() - t)
    report(
        "get pods -A on the 1M-revision store (60k Pods) as of mid-history, kubectl's columns",
        f"p50 {statistics.median(runs):.2f} s (7 runs; {min(runs):.2f}–{max(runs):.2f} s)",
        "",
    )


BENCHES["getall"] = bench_get_all


if __name__ == "__main__":
    main(sys.argv[1:])
