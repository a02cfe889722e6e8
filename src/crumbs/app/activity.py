"""``activity``: what ran and talked on the nodes (execs, exits, connects, accepts, DNS) by pod,
or their per-minute rollups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from crumbs import contract
from crumbs.activity import TYPES, NodeEvent
from crumbs.app.query import parse_time_option
from crumbs.errors import UsageError
from crumbs.formats.nodeevents import to_json
from crumbs.selectors import Match, label_selector
from crumbs.store import Selector, Store
from crumbs.store.activity import Rollup
from crumbs.timeutil import format_time, now_ns


@dataclass
class Activity:
    events: list[NodeEvent] = field(default_factory=list)
    rollups: list[Rollup] | None = None
    """Set: per-minute counts were asked for instead of events."""

    def json(self) -> contract.Activity:
        if self.rollups is not None:
            return {"rollups": [
                {"minute": format_time(r.minute), "node": r.node, "type": r.type,
                 "namespace": r.namespace, "pod": r.pod, "subject": r.subject,
                 "result": r.result, "count": r.count,
                 "first": format_time(r.first_at), "last": format_time(r.last_at)}
                for r in self.rollups]}  # fmt: skip
        return {"events": [to_json(e) for e in self.events]}


def activity(
    store: Store,
    *,
    namespace: str | None = None,
    pod: str | None = None,
    node: str | None = None,
    types: Sequence[str] = (),
    since: str | None = None,
    rollups: bool = False,
    limit: int = 200,
    cluster: str | None = None,
    labels: str | None = None,
) -> Activity:
    """The newest ``limit`` node events (``since``: RFC 3339, or a duration back from now);
    ``labels`` (kubectl's ``-l``): only those of pods whose labels matched it in any revision
    the store holds of them."""
    bad = [t for t in types if t not in TYPES]
    if bad:
        raise UsageError(f"unknown --type {', '.join(bad)} (known: {', '.join(TYPES)})")
    start = parse_time_option(since, "--since", now_ns()) if since else None
    pods = _labelled_pods(store, label_selector(labels), namespace, cluster) if labels else None
    if rollups:
        found = store.activity.rollups(start, None, types, namespace, cluster)
        if pods is not None:
            found = [r for r in found if (r.namespace, r.pod) in pods]
        return Activity(rollups=list(found)[-limit:])
    return Activity(list(store.activity.events(start, None, types, namespace, pod, node, cluster, limit=limit, pods=pods)))  # fmt: skip


def _labelled_pods(store: Store, match: Match, namespace: str | None, cluster: str | None) -> set[tuple[str, str]]:  # fmt: skip
    """(namespace, name) of the pods whose labels matched in any of their stored revisions."""
    sel = Selector(cluster=cluster, namespace=namespace, kinds=[("", "Pod")])
    return {(r.key.namespace, r.key.name) for r in store.queries.history(sel) if match(r.doc)}
