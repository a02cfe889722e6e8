"""``crumbs info``: what the store holds: clusters, their Kubernetes version, the time covered, counts."""

from __future__ import annotations

import typer

from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, open_store
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, plain, plain_block


def info(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> int:
    """The store at a glance: clusters with their version and namespaces, the time covered, what it holds, removed APIs.

    Answered from SQL counts and each cluster's facts as kept in the store (computed again
    only when the store changed since)."""
    from crumbs.app.facts import info as app_info

    with open_store(ctx) as store:
        doc = app_info(store)
    clusters, facts = doc["clusters"], doc["apiFacts"]
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
            f"cluster {clean(c['name'])}: Kubernetes {clean(c['version'] or 'unknown')}{' (from ' + clean(c['versionFrom']) + ')' if c.get('versionFrom') else ''}, {c.get('nodes', 0)} nodes, {c['namespaces']} namespaces, newest data {c.get('newest') or '-'}"
        )
        for d in c.get("deprecatedApisInUse") or []:
            out.print(f"  {d['severity']}: {plain(d['title'])}", style="yellow", markup=False)
    out.print(plain_block(facts), style="dim", markup=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("info")(info)
