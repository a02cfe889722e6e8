"""``crumbs agent``'s loop: probes → pipeline → store and/or JSON lines, until stopped."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crumbs.agent.attribute import Attributor, PodDirectory
from crumbs.agent.bpftrace import AgentError, BpftraceSession, check_environment
from crumbs.agent.cgroups import CgroupIndex, cgroup2_mount
from crumbs.agent.decode import Decoder
from crumbs.agent.natjoin import NatJoin, follow
from crumbs.agent.pipeline import Pipeline, Sink
from crumbs.model import Obj
from crumbs.store import Selector, Store

LATEST = 1 << 62


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


def run_agent(
    sinks: list[Sink],
    node: str,
    stop: threading.Event,
    pods: Callable[[], list[Obj]] | None = None,
    bpftrace: str = "bpftrace",
    on_ready: Callable[[], None] | None = None,
    pods_every: float = 5.0,
    ttl: float = 300.0,
) -> AgentStats:
    binary = check_environment(bpftrace)
    attributor = Attributor(node, CgroupIndex(cgroup2_mount()), PodDirectory(ttl))
    nat = NatJoin()
    pipeline = Pipeline(Decoder(), attributor, sinks, pods, pods_every, nat=nat)
    stats = AgentStats()
    notes: list[str] = []
    follow(nat, stop, notes.append)
    pipeline.refresh_pods(force=True)
    session = BpftraceSession(binary)
    started = time.monotonic()
    session.start()
    if on_ready:
        on_ready()

    def snapshot() -> AgentStats:
        stats.events = pipeline.events
        stats.by_type = dict(pipeline.by_type)
        stats.records = session.counters.records
        stats.lost = session.counters.lost
        stats.malformed = pipeline.decoder.malformed
        stats.unattributed = attributor.unattributed
        stats.seconds = time.monotonic() - started
        stats.errors = [*notes, *session.counters.errors]
        return stats

    try:
        for batch in session.records():
            pipeline.feed(batch)
            if stop.is_set():
                break
    finally:
        session.stop()
        for batch in session.records(idle=0.05):  # what was still in the pipes
            if not batch:
                break
            pipeline.feed(batch)
        pipeline.close()
    if not stop.is_set():  # the probes ended on their own: bpftrace died or was killed
        raise AgentError(
            f"bpftrace stopped after {pipeline.events:,} events were written: {session.error_text()}"
        )
    return snapshot()
