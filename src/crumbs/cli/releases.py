"""``crumbs releases [NAME]``: Helm releases and their history, decoded from their Secrets."""

from __future__ import annotations

import typer

from crumbs.app import releases as app
from crumbs.cli.common import (
    ALL_NAMESPACES_OPTION,
    CLUSTER_OPTION,
    ONLY_NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    one_scope,
    open_store,
)
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, short_time


def releases(
    ctx: typer.Context,
    name: str = typer.Argument(None, help="A release: show its revisions and what each changed."),
    namespace: str = ONLY_NAMESPACE_OPTION,
    all_namespaces: bool = ALL_NAMESPACES_OPTION,
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Helm releases (latest revision each), or one release's history with its values diffs."""
    one_scope(namespace, all_namespaces)
    with open_store(ctx) as store:
        found = app.releases(store, name, namespace, at, cluster)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    out = console()
    if found.name is None:
        out.print(
            f"[dim]{'NAMESPACE':<16} {'NAME':<24} {'REV':>4}  {'STATUS':<16} {'CHART':<28} {'APP':<12} UPDATED (UTC)[/]"
        )
        for r in found.latest:
            chart = f"{r.chart}-{r.chart_version}"
            out.row(
                f"{clean(r.namespace):<16} {clean(r.name):<24} {r.revision:>4}  {clean(r.status):<16} {clean(chart):<28} {clean(r.app_version):<12} {short_time(r.at)}"
            )
        if not found.latest:
            out.print("no Helm releases in the store", style="dim")
        return EXIT_OK
    out.print(
        f"[bold]Helm release {clean(found.namespace)}/{clean(found.name)}[/]  {len(found.history)} revisions"
    )
    out.print(
        f"[dim]{'REV':>4}  {'STATUS':<12} {'CHART':<24} {'APP':<10} {'UPDATED (UTC)':<19}  CHANGES[/]"
    )
    for s in found.history:
        r = s.release
        out.print(
            f"{r.revision:>4}  {clean(r.status):<12} {clean(r.chart + '-' + r.chart_version):<24} {clean(r.app_version):<10} {short_time(r.at):<19}  {clean(s.summary)}"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("releases")(releases)
