"""The dependency graph: edges as the docs say, and no reference cycle keeping a view alive."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from crumbs.analyze.graph import graph_of
from crumbs.analyze.view import ClusterView
from crumbs.store import Store
from crumbs.store.source import StoreSource
from crumbs.timeutil import parse_time

INCIDENTS = Path(__file__).parent.parent / "scenarios" / "incidents"


def test_edges_of_a_pod(cli, store_path: str) -> None:
    assert cli("ingest", str(INCIDENTS / "default-deny-network-policy.jsonl")).code == 0
    with Store.open(store_path) as store:
        at = store.queries.latest_time()
        assert at is not None
        view = ClusterView(StoreSource(store.queries), at)
        pod = next(p for p in view.objects("Pod", "shop") if p.key.name.startswith("checkout-"))
        edges = {(e.type, e.dst.kind, e.dst.name) for e in graph_of(view).edges(pod.key)}
        assert ("runs-on", "Node", "node-1") in edges
        assert ("owner", "ReplicaSet", pod.key.name.rsplit("-", 1)[0]) in edges
        assert (
            "policy",
            "NetworkPolicy",
            "default-deny",
        ) in edges  # an empty podSelector selects all
        assert ("selected-by", "Service", "checkout") in edges
        assert ("calls", "Service", "payments") in edges
        assert not any(t == "policy" and n != "default-deny" for t, _, n in edges)


def test_a_view_is_freed_without_the_cyclic_gc(cli, store_path: str) -> None:
    """A view holding its graph (which reads the view) must not form a cycle: a scan of 100k
    objects would leave them all to the cyclic GC, seconds at the command's exit."""
    assert cli("ingest", str(INCIDENTS / "default-deny-network-policy.jsonl")).code == 0
    with Store.open(store_path) as store:
        at = parse_time("2026-11-27T14:10:00Z")
        assert at is not None
        gc.disable()
        try:
            view = ClusterView(StoreSource(store.queries), at)
            for pod in view.objects("Pod"):
                graph_of(view).edges(pod.key)
            alive = weakref.ref(view)
            del view
            assert alive() is None
        finally:
            gc.enable()
