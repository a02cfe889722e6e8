"""What the node-event analyzers share: the pod an event came from, pods by IP over time, evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from crumbs.activity import NodeEvent
from crumbs.analyze.base import meta, status, time_of
from crumbs.analyze.nodewords import describe
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, ObjectKey, StoredRevision, mapping, sequence
from crumbs.timeutil import format_time


class PodIndex:
    """Pods of the view and the deleted ones, by UID, by namespace/name and by IP (with when they held it)."""

    def __init__(self, view: ClusterView) -> None:
        self.view = view
        self.by_uid: dict[str, StoredRevision] = {}
        self.by_name: dict[tuple[str, str], StoredRevision] = {}
        self.by_ip: dict[str, list[StoredRevision]] = defaultdict(list)
        pods = list(view.objects("Pod"))
        pods += [d for d in view.deleted() if d.key.kind == "Pod"]
        for p in pods:
            self.by_uid.setdefault(p.uid, p)
            self.by_name.setdefault((p.key.namespace, p.key.name), p)
            st = status(p.doc)
            ips = {str(mapping(i).get("ip")) for i in sequence(st.get("podIPs"))} | {
                str(st.get("podIP") or "")
            }
            for ip in ips - {"", "None"}:
                self.by_ip[ip].append(p)

    def pod_of(self, e: NodeEvent) -> StoredRevision | None:
        if e.pod_uid and e.pod_uid in self.by_uid:
            return self.by_uid[e.pod_uid]
        if e.pod:
            return self.by_name.get((e.namespace, e.pod))
        return None

    def at_ip(self, ip: str, at: int) -> StoredRevision | None:
        """The pod that held ``ip`` at ``at`` (the latest one created before it)."""
        best = None
        for p in self.by_ip.get(ip, ()):
            created = time_of(meta(p.doc).get("creationTimestamp")) or p.at
            if created <= at and (
                best is None
                or created > (time_of(meta(best.doc).get("creationTimestamp")) or best.at)
            ):
                best = p
        return best


def node_key(view: ClusterView, node: str) -> ObjectKey:
    found = view.get("Node", "", node)
    if found is not None:
        return found.key
    cluster = next(
        (r.key.cluster for kind in ("Node", "Pod", "Namespace") for r in view.objects(kind)),
        "default",
    )
    return ObjectKey(cluster, "", "Node", "", node)


def evidence(events: Iterable[NodeEvent], key: ObjectKey, limit: int = 5) -> list[Evidence]:
    """Node events as evidence (first and last ones when there are many)."""
    events = list(events)
    chosen = events if len(events) <= limit else [*events[: limit - 1], events[-1]]
    return [Evidence("node-event", key, e.at, describe(e), e.id) for e in chosen]


def span(events: list[NodeEvent]) -> str:
    if len(events) == 1:
        return f"at {format_time(events[0].at, precise=False)}"
    return f"{len(events)} times from {format_time(events[0].at, precise=False)} to {format_time(events[-1].at, precise=False)}"
