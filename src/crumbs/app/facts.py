"""What a cluster is, at a glance: its version, nodes, namespaces and the deprecated APIs it
still uses — computed from a view of the few kinds that say so, and kept in the store until
the store changes (``info`` then answers from SQL counts and these facts alone)."""

from __future__ import annotations

from crumbs import contract
from crumbs.analyze import registry
from crumbs.analyze.deprecations import BY_VERSION_KIND, TABLE
from crumbs.analyze.scan import Options, run
from crumbs.analyze.view import ClusterView, parse_version
from crumbs.store import Selector, Store
from crumbs.store.source import StoreSource
from crumbs.timeutil import format_time

NODES: list[tuple[str | None, str]] = [("", "Node")]
VERSION_KINDS: list[tuple[str | None, str]] = [
    *NODES,
    ("", "Pod"),
    ("apps", "DaemonSet"),
    ("apps", "Deployment"),
]
"""What says the version: the Nodes' kubelets, else kube-system's control-plane and kube-proxy images."""
DEPRECATION_KINDS: list[tuple[str | None, str]] = [
    *NODES,
    ("", "Secret"),  # the Helm release records the apis analyzer reads releases from
    *sorted({(None, kind) for _, kind in BY_VERSION_KIND}, key=lambda p: p[1]),
]


def version_at(store: Store, at: int, cluster: str | None = None) -> str | None:
    """The cluster's Kubernetes version at ``at``: its newest kubelet, else its control plane's
    or kube-proxy's image tag (kube-system and the Nodes only are read)."""
    return version_evidence(store, at, cluster)[0]


def version_evidence(store: Store, at: int, cluster: str | None = None) -> tuple[str | None, str]:
    return ClusterView(
        StoreSource(store.queries, cluster, kinds=VERSION_KINDS), at, "kube-system"
    ).version_evidence()


def compute(store: Store, cluster: str, at: int) -> contract.ClusterFacts:
    view = ClusterView(StoreSource(store.queries, cluster, kinds=DEPRECATION_KINDS), at)
    found = run(view, [registry.load_builtins()["apis"]], Options(causes=False))
    version, source = version_evidence(store, at, cluster)
    return {
        "version": version,
        "versionFrom": source or None,
        "nodes": len(view.live("Node")),
        "namespaces": len(store.queries.namespaces_of(Selector(cluster=cluster))),
        "deprecatedApisInUse": [
            {"object": f"{f.key.kind}/{f.key.name}", "namespace": f.key.namespace, "severity": f.severity, "title": f.title}
            for f in found
        ],
    }  # fmt: skip


def facts_of(store: Store, cluster: str) -> contract.ClusterFacts:
    """The cluster's facts as of the store's newest time: kept ones while the store has not
    changed since, else computed now (and kept, unless the store is read-only)."""
    stamp = store.facts_stamp()
    kept = store.stored_facts(cluster, stamp)
    if (
        kept is not None and "versionFrom" in kept
    ):  # facts kept before versionFrom are computed again
        return kept
    at = store.queries.latest_time()
    if at is None:
        return {
            "version": None,
            "versionFrom": None,
            "nodes": 0,
            "namespaces": 0,
            "deprecatedApisInUse": [],
        }
    value = compute(store, cluster, at)
    store.keep_facts(cluster, stamp, at, value)
    return value


RECENT_MINORS = 4
"""How many minor versions back removed APIs are told (older ones no model suggests)."""


def cluster_facts(store: Store, at: int | None) -> str:
    """What this cluster runs, for a model trained on older (or newer) Kubernetes."""
    if at is None:
        return "The store is empty: no cluster has been recorded yet."
    version = version_at(store, at)
    if version is None:
        return "The cluster's Kubernetes version is unknown (no Nodes recorded)."
    v = parse_version(version) or (0, 0, 0)
    by_replacement: dict[str, set[str]] = {}
    for d in TABLE:
        removed = parse_version(d.removed) or (99, 0, 0)
        if removed <= v and removed[1] >= v[1] - RECENT_MINORS:
            by_replacement.setdefault(d.replacement, set()).add(d.api_version)
    gone = "; ".join(
        f"{', '.join(sorted(old))} → {new}" for new, old in sorted(by_replacement.items())
    )
    return (
        f"This cluster runs Kubernetes {version} (its newest kubelet). Removed API versions, "
        f"never to be suggested: {gone or 'none recent'}."
    )


def info(store: Store) -> contract.Info:
    """``info``: the store at a glance (its JSON contract): the time covered, what it holds, each
    cluster's facts, and what a model should know of the cluster's API versions."""
    q = store.queries
    newest, oldest = q.latest_time(), q.earliest_time()
    fresh = q.newest_by_cluster()
    return {"store": store.shown, "from": format_time(oldest) if oldest else None,
            "to": format_time(newest) if newest else None, "counts": q.counts(),
            "clusters": [contract.ClusterInfo(name=name, newest=format_time(fresh[name]) if name in fresh else None,
                                              **facts_of(store, name)) for name in q.clusters()],
            "apiFacts": cluster_facts(store, newest)}  # fmt: skip
