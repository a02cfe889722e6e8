"""``crumbs agent``'s loop: probes → pipeline → store and/or JSON lines, until stopped."""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crumbs.agent.attribute import Attributor, PodDirectory
from crumbs.agent.bpftrace import BpftraceSession, check_environment
from crumbs.agent.cgroups import CgroupIndex, cgroup2_mount
from crumbs.agent.decode import Decoder
from crumbs.agent.kernel import AgentError
from crumbs.agent.libbpf_session import Batch, LibbpfSession
from crumbs.agent.libbpf_session import check_environment as libbpf_environment
from crumbs.agent.natjoin import NatJoin, follow
from crumbs.agent.pipeline import Pipeline, Sink
from crumbs.model import Obj
from crumbs.store import Selector, Store

GC_THRESHOLD = (50_000, 20, 100)
"""The agent allocates a few objects per event and keeps none: with the default (700
allocations) the young generation is walked every ~200 events while batches are in flight,
which halved the decoder's rate (measured, ``benchmarks/README.md``)."""
LATEST = 1 << 62
PROGRESS_EVERY = 2.0
"""Seconds between :func:`run_agent`'s progress reports (the node's status row)."""


def node_name(explicit: str | None = None) -> str:
    """``--node``, else ``$NODE_NAME`` (the DaemonSet sets it from spec.nodeName), else the host name."""
    return explicit or os.environ.get("NODE_NAME") or socket.gethostname()


def store_pods(store: Store, cluster: str | None) -> Callable[[], list[Obj]]:
    """The Pods the store holds now (what ``crumbs watch`` keeps up to date)."""

    def read() -> list[Obj]:
        sel = Selector(cluster=cluster, kinds=[("", "Pod")])
        return [r.doc for r in store.queries.state_at(LATEST, sel, ordered=False)]

    return read


@dataclass
class AgentStats:
    events: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    records: int = 0
    lost: int = 0
    malformed: int = 0
    unattributed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    loader: str = ""
    newest_at: int = 0
    """The newest event written (ns)."""


LOADERS = ("auto", "libbpf", "bpftrace")


class _Bpftrace:
    """bpftrace's lines, decoded by the pipeline."""

    name = "bpftrace"

    def __init__(self, binary: str, pipeline: Pipeline) -> None:
        self.session = BpftraceSession(binary)
        self.feed = pipeline.feed
        self.decoder = pipeline.decoder

    def start(self) -> None:
        self.session.start()

    def batches(self) -> Iterator[list[str]]:
        return self.session.records()

    def finish(self) -> Iterator[list[str]]:
        """Stop; what was still in the pipes."""
        self.session.stop()
        for batch in self.session.records(idle=0.05):
            if not batch:
                return
            yield batch

    def counts(self) -> tuple[int, int, int, list[str]]:
        c = self.session.counters
        return c.records, c.lost, self.decoder.malformed, c.errors

    def error_text(self) -> str:
        return self.session.error_text()


class _Libbpf:
    """The compiled object's ring buffer, decoded in bulk by the session."""

    name = "libbpf"

    def __init__(self, path: Path, pipeline: Pipeline, ring_mb: int | None = None) -> None:
        self.session = LibbpfSession(path, ring_mb=ring_mb)
        self.feed = pipeline.feed_events

    def start(self) -> None:
        self.session.start()

    def batches(self) -> Iterator[Batch]:
        return self.session.events()

    def finish(self) -> Iterator[Batch]:
        """Detach; what the ring still held."""
        self.session.stop()
        yield from self.session.events(idle=0.05)
        self.session.close()

    def counts(self) -> tuple[int, int, int, list[str]]:
        s = self.session
        return s.records, s.lost, s.malformed, s.errors

    def error_text(self) -> str:
        return self.session.error_text()


def choose_loader(loader: str, bpftrace: str, bpf_object: str | None) -> tuple[str, Path | str]:
    """(``libbpf``, the object) or (``bpftrace``, the binary); ``auto`` takes libbpf when its
    compiled probes and the system's libbpf are there, else bpftrace."""
    if loader not in LOADERS:
        raise AgentError(f"--loader {loader!r}: one of {', '.join(LOADERS)}")
    if loader == "libbpf":
        return "libbpf", libbpf_environment(bpf_object)
    if loader == "bpftrace":
        return "bpftrace", check_environment(bpftrace)
    try:
        return "libbpf", libbpf_environment(bpf_object)
    except AgentError as libbpf_why:
        try:
            return "bpftrace", check_environment(bpftrace)
        except AgentError as why:
            raise AgentError(f"{why} (and libbpf: {libbpf_why})") from None


def tune_gc() -> None:
    """What is alive after start-up is frozen out of the collector's walks; the young
    generation is collected every :data:`GC_THRESHOLD` allocations, not every 700."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def run_agent(
    sinks: list[Sink],
    node: str,
    stop: threading.Event,
    pods: Callable[[], list[Obj]] | None = None,
    bpftrace: str = "bpftrace",
    on_ready: Callable[[], None] | None = None,
    pods_every: float = 5.0,
    ttl: float = 300.0,
    loader: str = "auto",
    bpf_object: str | None = None,
    on_progress: Callable[[AgentStats], None] | None = None,
    ring_mb: int | None = None,
) -> AgentStats:
    kind, found = choose_loader(loader, bpftrace, bpf_object)
    attributor = Attributor(node, CgroupIndex(cgroup2_mount()), PodDirectory(ttl))
    nat = NatJoin()
    pipeline = Pipeline(Decoder(), attributor, sinks, pods, pods_every, nat=nat)
    source: _Bpftrace | _Libbpf = (
        _Libbpf(Path(found), pipeline, ring_mb)
        if kind == "libbpf"
        else _Bpftrace(str(found), pipeline)
    )
    stats = AgentStats(loader=kind)
    notes: list[str] = []
    follow(nat, stop, notes.append)
    pipeline.refresh_pods(force=True)
    tune_gc()
    started = time.monotonic()
    source.start()
    if on_ready:
        on_ready()

    def snapshot() -> AgentStats:
        stats.events = pipeline.events
        stats.by_type = dict(pipeline.by_type)
        stats.records, stats.lost, stats.malformed, errors = source.counts()
        stats.unattributed = attributor.unattributed
        stats.newest_at = pipeline.newest_at
        stats.seconds = time.monotonic() - started
        stats.errors = [*notes, *errors]
        return stats

    feed = source.feed
    reported = started
    try:
        for batch in source.batches():
            feed(batch)  # type: ignore[arg-type]  # each source's batches are what its feed takes
            if on_progress is not None and time.monotonic() - reported >= PROGRESS_EVERY:
                reported = time.monotonic()
                on_progress(snapshot())
            if stop.is_set():
                break
    finally:
        for batch in source.finish():
            feed(batch)  # type: ignore[arg-type]
        pipeline.close()
    if not stop.is_set():  # the probes ended on their own: bpftrace died, or the ring failed
        raise AgentError(
            f"{source.name} stopped after {pipeline.events:,} events were written: {source.error_text()}"
        )
    return snapshot()
