"""What a cluster is, at a glance: its version, nodes, namespaces and the deprecated APIs it
still uses — computed from a view of the few kinds that say so, and kept in the store until
the store changes (``info`` then answers from SQL counts and these facts alone)."""

from __future__ import annotations

from typing import Any

from crumbs.analyze import registry
from crumbs.analyze.deprecations import BY_VERSION_KIND
from crumbs.analyze.scan import Options, run
from crumbs.analyze.view import ClusterView
from crumbs.store import Selector, Store
from crumbs.store.source import StoreSource

NODES: list[tuple[str | None, str]] = [("", "Node")]
DEPRECATION_KINDS: list[tuple[str | None, str]] = [
    *NODES,
    ("", "Secret"),  # the Helm release records the apis analyzer reads releases from
    *sorted({(None, kind) for _, kind in BY_VERSION_KIND}, key=lambda p: p[1]),
]


def version_at(store: Store, at: int, cluster: str | None = None) -> str | None:
    """The cluster's Kubernetes version at ``at`` (its newest kubelet), from its Nodes alone."""
    return ClusterView(StoreSource(store.queries, cluster, kinds=NODES), at).cluster_version


def compute(store: Store, cluster: str, at: int) -> dict[str, Any]:
    view = ClusterView(StoreSource(store.queries, cluster, kinds=DEPRECATION_KINDS), at)
    found = run(view, [registry.load_builtins()["apis"]], Options(causes=False))
    return {
        "version": view.cluster_version,
        "nodes": len(view.live("Node")),
        "namespaces": len(store.queries.namespaces_of(Selector(cluster=cluster))),
        "deprecatedApisInUse": [
            {"object": f"{f.key.kind}/{f.key.name}", "namespace": f.key.namespace, "severity": f.severity, "title": f.title}
            for f in found
        ],
    }  # fmt: skip


def facts_of(store: Store, cluster: str) -> dict[str, Any]:
    """The cluster's facts as of the store's newest time: kept ones while the store has not
    changed since, else computed now (and kept, unless the store is read-only)."""
    stamp = store.facts_stamp()
    kept = store.stored_facts(cluster, stamp)
    if kept is not None:
        return kept
    at = store.queries.latest_time()
    if at is None:
        return {"version": None, "nodes": 0, "namespaces": 0, "deprecatedApisInUse": []}
    value = compute(store, cluster, at)
    store.keep_facts(cluster, stamp, at, value)
    return value
