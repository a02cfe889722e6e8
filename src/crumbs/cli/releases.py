"""``crumbs releases [NAME]``: Helm releases and their history, decoded from their Secrets."""

from __future__ import annotations

from typing import Any

import typer

from crumbs.cli.common import (
    CLUSTER_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    open_store,
    parse_time_option,
    store_clock,
)
from crumbs.errors import EXIT_OK, NotFoundError
from crumbs.model import StoredRelease
from crumbs.report.text import clean, console, short_time
from crumbs.timeutil import format_time
from crumbs.trail.helm import steps


def release_ref(rel: StoredRelease) -> dict[str, Any]:
    return {
        "cluster": rel.cluster,
        "namespace": rel.namespace,
        "name": rel.name,
        "revision": rel.revision,
        "status": rel.status,
        "chart": rel.chart,
        "chartVersion": rel.chart_version,
        "appVersion": rel.app_version,
        "updated": format_time(rel.at),
        "firstDeployed": format_time(rel.first_deployed) if rel.first_deployed else None,
        "description": rel.description,
        "storage": rel.storage,
    }


def releases(
    ctx: typer.Context,
    name: str = typer.Argument(None, help="A release: show its revisions and what each changed."),
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Only this namespace (default: all)."
    ),
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Helm releases (latest revision each), or one release's history with its values diffs."""
    with open_store(ctx) as store:
        when = parse_time_option(at, "--at", store_clock(store)) if at else None
        found = store.queries.releases(namespace=namespace, name=name, cluster=cluster, at=when)
    if name is None:
        latest: dict[tuple[str, str, str], StoredRelease] = {}
        for rel in found:
            latest[(rel.cluster, rel.namespace, rel.name)] = rel
        if output is Output.json:
            emit_json({"releases": [release_ref(r) for r in latest.values()]})
            return EXIT_OK
        out = console()
        out.print(
            f"[dim]{'NAMESPACE':<16} {'NAME':<24} {'REV':>4}  {'STATUS':<16} {'CHART':<28} {'APP':<12} UPDATED (UTC)[/]"
        )
        for r in latest.values():
            chart = f"{r.chart}-{r.chart_version}"
            out.print(
                f"{clean(r.namespace):<16} {clean(r.name):<24} {r.revision:>4}  {clean(r.status):<16} {clean(chart):<28} {clean(r.app_version):<12} {short_time(r.at)}"
            )
        if not latest:
            out.print("no Helm releases in the store", style="dim")
        return EXIT_OK
    if not found:
        raise NotFoundError(f"Helm release {name}: not in the store")
    namespaces = sorted({r.namespace for r in found})
    if len(namespaces) > 1:
        from crumbs.errors import UsageError

        raise UsageError(
            f"Helm release {name} is in several namespaces ({', '.join(namespaces)}): give -n"
        )
    history = steps(found)
    if output is Output.json:
        emit_json(
            {
                "release": {"namespace": namespaces[0], "name": name},
                "revisions": [
                    {
                        **release_ref(s.release),
                        "summary": s.summary,
                        "patch": s.patch,
                        "values": s.release.payload.get("values"),
                        "resources": s.resources,
                    }
                    for s in history
                ],
            }
        )
        return EXIT_OK
    out = console()
    out.print(
        f"[bold]Helm release {clean(namespaces[0])}/{clean(name)}[/]  {len(history)} revisions"
    )
    out.print(
        f"[dim]{'REV':>4}  {'STATUS':<12} {'CHART':<24} {'APP':<10} {'UPDATED (UTC)':<19}  CHANGES[/]"
    )
    for s in history:
        r = s.release
        out.print(
            f"{r.revision:>4}  {clean(r.status):<12} {clean(r.chart + '-' + r.chart_version):<24} {clean(r.app_version):<10} {short_time(r.at):<19}  {clean(s.summary)}"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("releases")(releases)
