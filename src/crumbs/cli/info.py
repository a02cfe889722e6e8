"""``crumbs info``: what the store holds: clusters, their Kubernetes version, the time covered, counts."""

from __future__ import annotations

import typer

from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, open_store
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, plain, plain_block
from crumbs.timeutil import format_time


def info(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> int:
    """The store at a glance: clusters with their version and namespaces, the time covered, what it holds, removed APIs."""
    from crumbs.analyze import registry
    from crumbs.analyze.scan import Options, run
    from crumbs.analyze.view import ClusterView
    from crumbs.explain.prompt import cluster_facts
    from crumbs.store import Selector
    from crumbs.store.source import StoreSource

    with open_store(ctx) as store:
        q = store.queries
        newest, oldest = q.latest_time(), q.earliest_time()
        clusters = []
        for name in q.clusters():
            entry: dict[str, object] = {
                "name": name,
                "version": None,
                "namespaces": len(q.namespaces_of(Selector(cluster=name))),
            }
            if newest is not None:
                view = ClusterView(StoreSource(q, name), newest)
                entry["version"] = view.cluster_version
                entry["nodes"] = len(view.objects("Node"))
                found = run(view, [registry.load_builtins()["apis"]], Options(causes=False))
                entry["deprecatedApisInUse"] = [
                    {"object": f"{f.key.kind}/{f.key.name}", "namespace": f.key.namespace, "severity": f.severity, "title": f.title}
                    for f in found
                ]  # fmt: skip
            clusters.append(entry)
        facts = cluster_facts(store, newest)
        doc = {"store": store.path, "from": format_time(oldest) if oldest else None, "to": format_time(newest) if newest else None,
               "counts": q.counts(), "clusters": clusters, "apiFacts": facts}  # fmt: skip
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    out.print(f"[bold]{clean(doc['store'])}[/]  {doc['from'] or '-'} → {doc['to'] or '-'}")
    counts = doc["counts"]
    assert isinstance(counts, dict)
    out.print(", ".join(f"{v:,} {k}" for k, v in counts.items()), style="dim")
    for c in clusters:
        out.print(
            f"cluster {clean(c['name'])}: Kubernetes {clean(c['version'] or 'unknown')}, {c.get('nodes', 0)} nodes, {c['namespaces']} namespaces"
        )
        for d in c.get("deprecatedApisInUse") or []:  # type: ignore[attr-defined]
            out.print(f"  {d['severity']}: {plain(d['title'])}", style="yellow", markup=False)
    out.print(plain_block(facts), style="dim", markup=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("info")(info)
