"""Central ingest: records a cluster's shipper sent (``POST /api/v1/ingest``), into the store.

The cluster is the sender's token's, never the body's. Revisions, Events, Helm releases, audit
records and log chunks go through the store's one writer (deduplicated as any ingest: a batch
sent twice adds nothing), node events through the activity writer, the recorder's resource
status into ``watch_status`` (its ``crumbs status`` rows, shown centrally), and the receipt into
``shipping``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crumbs.activity import NodeEvent
from crumbs.formats.wire import Record
from crumbs.model import ResourceStatus
from crumbs.store import Store
from crumbs.store import shipping as spool
from crumbs.store.watchstatus import save
from crumbs.timeutil import now_ns


@dataclass
class Received:
    records: int
    revisions: int
    unchanged: int
    events: int
    nodeEvents: int  # noqa: N815 - the JSON answer's name

    def json(self) -> dict[str, int]:
        return {"records": self.records, "revisions": self.revisions, "unchanged": self.unchanged,
                "events": self.events, "nodeEvents": self.nodeEvents}  # fmt: skip


def receive(store: Store, cluster: str, records: Iterable[Record]) -> Received:
    nodes: list[NodeEvent] = []
    statuses: list[ResourceStatus] = []
    newest: int | None = None
    n = 0
    with store.writer(parallel=False) as w:
        for rec in records:
            n += 1
            if isinstance(rec, NodeEvent):
                nodes.append(rec)
                continue
            if isinstance(rec, ResourceStatus):
                statuses.append(rec)
                continue
            if rec.at is not None and (newest is None or rec.at > newest):
                newest = rec.at
            w.add(rec)
    if nodes:
        writer = store.activity_writer(cluster)
        try:
            writer.write(nodes)
        finally:
            writer.close()
    if statuses:
        save(store.db, [(s, "", "") for s in statuses])  # the wire gave them the token's cluster
    spool.received(store.db, cluster, n, newest, now_ns())
    return Received(n, w.stats.revisions, w.stats.unchanged, w.stats.events, len(nodes))
