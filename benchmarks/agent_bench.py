"""The node agent's benchmarks.

- ``pipeline``: bpftrace's output as it arrives (JSON lines of printf records:
  connects, DNS queries and answers, execs and exits, for 1,000 pods' cgroups)
  through the agent's own code — split, decode, attribute, write raw events and
  rollups into the store — in this process, without the kernel: the ceiling of
  the Python side.
- ``live``: the real agent (``crumbs agent``, bpftrace, the kernel) while a
  load generator in a kubepods cgroup makes TCP connects (refused on loopback)
  at a fixed rate or as fast as it can: events stored per second, events lost.
- ``cost``: the CPU time of a workload making 1,000 connects a second for 10 s,
  with and without the agent, and the agent's own CPU over that time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
S = "\x1f"


def _records(n: int, cgroups: list[int], t0: int) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.fakes import dnswire as wire

    q = wire.encode_query(7, "billing.shop.svc.cluster.local")
    a = wire.encode_answer(q, ["10.244.1.17"])

    def esc(b: bytes) -> str:
        return "".join(f"\\x{c:02x}" for c in b)

    out = []
    for i in range(n):
        cg = cgroups[i % len(cgroups)]
        ns = t0 + i * 1000
        k = i % 10
        if k < 5:
            rec = S.join(
                map(
                    str,
                    (
                        "C",
                        ns,
                        1000 + i % 5000,
                        cg,
                        "curl",
                        "10.244.1.20",
                        40000 + i % 20000,
                        f"10.244.{i % 7}.17",
                        8080,
                        1 if k else 7,
                        0 if k else 111,
                        "10.96.0.50",
                        80,
                    ),
                )
            )
        elif k < 7:
            rec = S.join(
                map(
                    str,
                    (
                        "Q" if k == 5 else "R",
                        ns,
                        1000 + i % 5000,
                        cg,
                        "curl",
                        "10.96.0.10",
                        esc(q if k == 5 else a),
                    ),
                )
            )
        elif k == 7:
            rec = S.join(
                map(str, ("A", 1000 + i % 5000, "/bin/sh", "-c", "curl http://billing", ""))
            )
        elif k == 8:
            rec = S.join(
                map(str, ("X", ns, 1000 + i % 5000, 1, 0, cg, "sh", "containerd-shim", "/bin/sh"))
            )
        else:
            rec = S.join(map(str, ("E", ns, 1000 + i % 5000, 0, cg, "sh")))
        out.append(b'{"type": "printf", "data": ' + json.dumps(rec + "\n").encode() + b"}\n")
    return b"".join(out)


def _binary_records(n: int, cgroups: list[int], t0: int) -> dict[str, list[bytes]]:
    """The same events as :func:`_records`, as the libbpf loader's ring buffers hold them: each
    ring's framed records (``events``, ``connects``, ``dns_msgs``)."""
    import socket
    import struct

    from crumbs.agent import binrecords as br
    from tests.fakes import dnswire as wire

    q = wire.encode_query(7, "billing.shop.svc.cluster.local")
    a = wire.encode_answer(q, ["10.244.1.17"])
    ip = socket.inet_aton
    dial = int.from_bytes(ip("10.96.0.50"), "little")
    server = int.from_bytes(ip("10.96.0.10"), "little")
    rings: dict[str, list[bytes]] = {"events": [], "connects": [], "dns_msgs": []}
    i = made = 0
    while made < n:
        for k in (0, 1, 2, 3, 4, 5, 6, 8, 9):  # as _records, without the argv record (7)
            cg, ns, pid = cgroups[i % len(cgroups)], t0 + i * 1000, 1000 + i % 5000

            def head(kind: int, comm: bytes) -> bytes:
                return struct.pack("<IIQQ16s", kind, pid, ns, cg, comm)  # noqa: B023

            if k < 5:
                rec = head(br.CONNECT, b"curl") + struct.pack(
                    "<IHH16s16sHHiII", 2, 40000 + i % 20000, 8080, ip("10.244.1.20"), ip(f"10.244.{i % 7}.17"),
                    socket.htons(80), 1 if k else 7, 0 if k else 111, dial, 0)  # fmt: skip
            elif k < 7:
                msg = q if k == 5 else a
                rec = head(br.QUERY if k == 5 else br.ANSWER, b"curl") + struct.pack(
                    "<II200s", server, len(msg), msg
                )
            elif k == 8:
                argv = [b"/bin/sh", b"-c", b"curl http://billing"] + [b""] * 5
                rec = head(br.EXEC, b"sh") + struct.pack("<II16s64sII" + "64s" * 8, 1, 0, b"containerd-shim", b"/bin/sh", 3, 0, *argv)  # fmt: skip
            else:
                rec = head(br.EXIT, b"sh") + struct.pack("<iI", 0, 0)
            framed = struct.pack("<II", len(rec), 0) + rec + b"\0" * (-len(rec) % 8)
            rings["connects" if k < 5 else "dns_msgs" if k < 7 else "events"].append(framed)
            made += 1
            i += 1
    return rings


def pipeline(
    work: Path, n: int = 500_000, pods: int = 1000, loader: str = "bpftrace"
) -> dict[str, float]:
    from crumbs.agent.attribute import Attributor, PodDirectory
    from crumbs.agent.bpftrace import split_output
    from crumbs.agent.cgroups import CgroupIndex
    from crumbs.agent.decode import Decoder
    from crumbs.agent.pipeline import Pipeline
    from crumbs.store import Store

    tree = Path(tempfile.mkdtemp(dir=work))
    docs, ids = [], []
    for p in range(pods):
        uid = f"00000000-0000-4000-8000-{p:012d}"
        cid = f"{p:064x}"
        leaf = (
            tree
            / "kubepods.slice"
            / f"kubepods-pod{uid.replace('-', '_')}.slice"
            / f"cri-containerd-{cid}.scope"
        )
        leaf.mkdir(parents=True)
        ids.append(os.stat(leaf).st_ino)
        docs.append({"metadata": {"namespace": "shop", "name": f"web-{p}", "uid": uid},
                     "status": {"containerStatuses": [{"name": "web", "containerID": f"containerd://{cid}"}]}})  # fmt: skip
    t0 = time.monotonic_ns()
    data = _records(n, ids, t0) if loader == "bpftrace" else b""
    db = work / "agent-pipeline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = Store.open(str(db))
    writer = store.activity_writer("bench")
    pods_dir = PodDirectory()
    pods_dir.update(docs)
    pipe = Pipeline(Decoder(), Attributor("node-1", CgroupIndex(str(tree)), pods_dir), [writer])
    chunk = 1 << 20
    from crumbs.agent.run import tune_gc

    tune_gc()  # as the agent runs: the collector on, tuned
    if loader == "libbpf":
        from crumbs.agent.binrecords import BinaryDecoder
        from crumbs.agent.columns import ColumnDecoder
        from crumbs.agent.ringbuf import scan

        rings = _binary_records(n * 9 // 10, ids, t0)
        decoder = BinaryDecoder()
        columns = ColumnDecoder(decoder.offset)
        t = time.perf_counter()
        # as the session's reader takes them (1 MiB of a busy ring, 4 MiB of processes' at most),
        # the rings in turn; the columns' events are made by the pipeline, as in the agent
        cut = {"connects": 10_000, "dns_msgs": 4_000, "events": 6_000}
        for start in range(0, max(len(r) // cut[k] for k, r in rings.items()) + 1):
            for name, framed in rings.items():
                chunk = framed[start * cut[name] : (start + 1) * cut[name]]
                if not chunk:
                    continue
                span = b"".join(chunk)
                if name == "events":
                    pipe.feed_events(decoder.decode(span, scan(span)[0]))
                elif name == "connects":
                    pipe.feed_events(columns.connects(span, len(chunk)))
                else:
                    pipe.feed_events(columns.dns(span, len(chunk)))
        pipe.close()
    else:
        t = time.perf_counter()
        rest = b""
        for off in range(0, len(data), chunk):
            records, _, rest = split_output(rest + data[off : off + chunk])
            pipe.feed(records)
        pipe.close()
    seconds = time.perf_counter() - t
    stored = store.activity.count()
    attributed = sum(1 for e in store.activity.events() if e.pod)
    store.close()
    shutil.rmtree(tree)
    return {
        "records": n,
        "events": pipe.events,
        "stored": stored,
        "attributed": attributed,
        "seconds": seconds,
    }


def _cgroup() -> Path:
    from crumbs.agent.cgroups import cgroup2_mount

    mount = cgroup2_mount()
    assert mount, "no cgroup v2 hierarchy"
    uid = "00000000-0000-4000-8000-00000000beef"
    leaf = Path(mount) / "kubepods" / f"pod{uid}" / ("be" * 32)
    leaf.mkdir(parents=True, exist_ok=True)
    return leaf


DNS_NAME = "load.bench.svc.cluster.local"
"""What benchmarks/loadgen/dns.c asks for."""


def _loadgen(work: Path, name: str = "connects") -> str:
    """benchmarks/loadgen/NAME.c, compiled here (gcc): ``connects`` makes refused TCP connects
    on loopback; ``dns`` sends DNS queries to port 53 in a network namespace of its own."""
    binary = work / name
    source = Path(__file__).parent / "loadgen" / f"{name}.c"
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(source)], check=True)
    return str(binary)


def _store_with_pod(db: Path) -> None:
    from crumbs.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    line = {"type": "ADDED", "time": "2026-11-28T00:00:00Z", "object": {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "bench", "name": "load-1", "uid": "00000000-0000-4000-8000-00000000beef"},
        "status": {"containerStatuses": [{"name": "load", "containerID": "containerd://" + "be" * 32}]}}}  # fmt: skip
    src = db.with_suffix(".jsonl")
    src.write_text(json.dumps(line) + "\n")
    from crumbs.formats.reader import read_paths

    store = Store.open(str(db))
    with store.writer() as w:
        for rec in read_paths([str(src)]):
            w.add(rec)  # type: ignore[arg-type]
    store.close()


def _cpu(pid: int) -> float:
    """User + system seconds of a process and its children so far (waited-for ones)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    total = _cpu(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(_tree_cpu(int(c)) for c in children)


def _start_agent(db: Path, loader: str = "bpftrace") -> subprocess.Popen[str]:
    agent = subprocess.Popen(
        [sys.executable, "-m", "crumbs", "--db", str(db), "agent", "--loader", loader, "--node", "bench", "--cluster", "default", "--pods-every", "1", "--retain", "10000000"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert agent.stderr is not None
    line = agent.stderr.readline()
    assert "tracing node" in line, line + agent.stderr.read()
    time.sleep(1.5)
    return agent


def _stop(agent: subprocess.Popen[str]) -> str:
    agent.send_signal(signal.SIGINT)
    _, err = agent.communicate(timeout=120)
    return err


def _count(batch: Any, source: str) -> int:
    """The generator's events in a batch: columns counted without making events; a list of
    events (bpftrace's, decoded) counted one by one."""
    from crumbs.agent.columns import Columns

    if isinstance(batch, Columns):
        if source == "dns":
            return batch.column("dns", "qname").count(DNS_NAME)
        return batch.column("connect", "dport").count(9)
    if source == "dns":
        return sum(1 for e in batch if e.type == "dns" and e.qname == DNS_NAME)
    return sum(1 for e in batch if e.type == "connect" and e.dport == 9)


def consume(
    work: Path, loader: str, rate: float, seconds: float = 10, source: str = "connects"
) -> dict[str, float]:
    """The loader alone, in this process (no attribution, no store): the generator's events
    (``source``: refused connects or DNS queries) at ``rate`` (0: as fast as it can) for
    ``seconds``; events read and decoded (the libbpf loader's busy rings into columns, as the
    agent's reader thread leaves them), events lost."""
    import threading

    from crumbs.agent.bpftrace import BpftraceSession
    from crumbs.agent.decode import Decoder
    from crumbs.agent.libbpf_session import LibbpfSession, object_path

    leaf = _cgroup()
    if loader == "libbpf":
        path = object_path()
        assert path is not None, "make bpf first"
        lb = LibbpfSession(path)
        lb.start()
        batches: Iterator[list[Any]] = lb.events(idle=0.2)
        decode = None
    else:
        bt = BpftraceSession()
        bt.start()
        batches = bt.records(idle=0.2)
        decode = Decoder().feed
    result: dict[str, float] = {}
    done = threading.Event()

    def load() -> None:
        result["pid"], result["made"], _ = _generate(leaf, rate, seconds, work, source)
        done.set()

    threading.Thread(target=load, daemon=True).start()
    started = time.perf_counter()
    seen, last, quiet = 0, started, 0.0
    for batch in batches:
        now = time.perf_counter()
        if batch:
            events = batch if decode is None else [e for e in map(decode, batch) if e is not None]
            seen += _count(events, source)
            last, quiet = now, 0.0
        elif done.is_set():
            quiet = now - last
            if quiet > 1.0:
                break
    if loader == "libbpf":
        lb.stop()
        for _ in lb.events(idle=0.05):
            pass
        lb.close()
        lost = lb.lost
    else:
        bt.stop()
        lost = bt.counters.lost
    return {"made": result["made"], "seen": seen, "lost": lost, "seconds": seconds,
            "rate": seen / max(last - started, 1e-9)}  # fmt: skip


def drain(work: Path, source: str = "connects") -> dict[str, float]:
    """The libbpf consumer's own speed: the source's ring filled by the generator while nobody
    reads it (at most what it holds: 16 MiB, ~160k connect or ~65k DNS records; the generator
    runs 2 s), then taken and decoded into columns as fast as the reader thread goes (``rate``),
    the collector tuned as in the agent; then the columns made into events, as the pipeline's
    thread does (``events_rate``: both steps)."""
    from crumbs.agent.columns import CONNECT_LENGTH, DNS_LENGTH, ColumnDecoder
    from crumbs.agent.libbpf import BpfObject
    from crumbs.agent.libbpf_session import object_path
    from crumbs.agent.ringbuf import RingBuffer

    path = object_path()
    assert path is not None, "make bpf first"
    leaf = _cgroup()
    obj = BpfObject(path)
    name, length = ("dns_msgs", DNS_LENGTH) if source == "dns" else ("connects", CONNECT_LENGTH)
    ring = RingBuffer(obj.map_fd(name), obj.map_size(name))
    try:
        _, made, _ = _generate(leaf, 0, 2.0, work, source)
        from crumbs.agent.run import tune_gc

        tune_gc()
        decoder = ColumnDecoder(0)
        decode = decoder.dns if source == "dns" else decoder.connects
        batches = []
        t = time.perf_counter()
        while True:
            span, count = ring.take_slots(length, 1 << 20)
            if not count:
                break
            batches.append(decode(span, count))
        seconds = time.perf_counter() - t
        taken = sum(len(b) for b in batches)
        t = time.perf_counter()
        made_events = sum(1 for b in batches for _ in b)
        events_seconds = time.perf_counter() - t
        assert made_events == taken
        return {
            "made": made,
            "taken": taken,
            "lost": obj.percpu_total("lost"),
            "rate": taken / seconds,
            "events_rate": taken / (seconds + events_seconds),
        }
    finally:
        ring.close()
        obj.close()


def _generate(
    leaf: Path, rate: float, seconds: float, work: Path, source: str = "connects"
) -> tuple[int, int, float]:
    """(pid, events made, the generator's CPU seconds): the C load generator in the pod's cgroup."""
    binary = _loadgen(work, source)
    t = os.times()
    proc = subprocess.Popen(
        ["sh", "-c", f'echo $$ > {leaf / "cgroup.procs"} && exec {binary} {seconds} {rate}'], stdout=subprocess.PIPE, text=True
    )  # fmt: skip
    out, _ = proc.communicate()
    t2 = os.times()
    return (
        proc.pid,
        int(out),
        (t2.children_user - t.children_user) + (t2.children_system - t.children_system),
    )


def live(
    work: Path, rate: float, seconds: float, loader: str = "bpftrace", source: str = "connects"
) -> dict[str, float]:
    """The agent as a process into its store: the generator's events (``source``) at ``rate``
    for ``seconds``; made, stored, lost, and when the last was stored."""
    from crumbs.store import Store

    kind = "dns" if source == "dns" else "connect"
    leaf = _cgroup()
    db = work / "agent-live.db"
    _store_with_pod(db)
    agent = _start_agent(db, loader)
    store = Store.open(str(db))
    started = time.perf_counter()
    try:
        pid, made, _ = _generate(leaf, rate, seconds, work, source)
        # caught up: the store holds every connect made, or nothing more arrives for 2 s (the rest was lost)
        last, last_change = -1, time.perf_counter()
        caught_up = 0.0
        while time.perf_counter() - last_change < 2.0:
            rollup = sum(r.count for r in store.activity.rollups(types=[kind]) if r.pod == "load-1")
            if rollup != last:
                last, last_change = rollup, time.perf_counter()
                caught_up = last_change - started
            if rollup >= made:
                break
            time.sleep(0.05)
    finally:
        err = _stop(agent)
    seen = sum(1 for e in store.activity.events(types=[kind], pod="load-1") if e.pid == pid)
    store.close()
    lost = (
        int(err.rsplit(" lost", 1)[0].rsplit(" ", 1)[-1].replace(",", "")) if " lost" in err else -1
    )
    return {
        "made": made,
        "seen": seen,
        "rolled_up": last,
        "lost": lost,
        "seconds": seconds,
        "caught_up": caught_up,
    }


def cost(
    work: Path, rate: float = 1000, seconds: float = 10, loader: str = "bpftrace"
) -> dict[str, float]:
    leaf = _cgroup()
    _, made0, cpu0 = _generate(leaf, rate, seconds, work)
    db = work / "agent-cost.db"
    _store_with_pod(db)
    agent = _start_agent(db, loader)
    try:
        before = _tree_cpu(agent.pid)
        _, made1, cpu1 = _generate(leaf, rate, seconds, work)
        agent_cpu = _tree_cpu(agent.pid) - before
    finally:
        _stop(agent)
    return {
        "without": cpu0,
        "with": cpu1,
        "made0": made0,
        "made1": made1,
        "agent_cpu": agent_cpu,
        "seconds": seconds,
    }


def available() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("bpftrace") is None:
        return "needs bpftrace"
    from crumbs.agent.libbpf_session import object_path

    if object_path() is None:
        return "needs the libbpf loader's probes (make bpf)"
    return None
