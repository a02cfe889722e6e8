"""``crumbs rollouts KIND/NAME``: a workload's revisions, rebuilt from what the cluster keeps."""

from __future__ import annotations

import typer

from crumbs.app import rollouts as app
from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    open_store,
)
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, short_time, who


def rollouts(
    ctx: typer.Context,
    target: str = typer.Argument(
        ..., help="KIND/NAME: a Deployment, StatefulSet, DaemonSet or Argo CD Application."
    ),
    name: str = typer.Argument(None, hidden=True),
    namespace: str = NAMESPACE_OPTION,
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """A workload's revisions: ReplicaSets, ControllerRevisions or Argo CD history, each with what it changed and who."""
    with open_store(ctx) as store:
        found = app.rollouts(store, target, name, namespace, at, cluster)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    workload, result = found.workload, found.rollouts
    out = console()
    out.print(f"[bold]{clean(workload.key.display())}[/]  {len(result)} revisions known")
    for r in result:
        mark = "[bold green]*[/]" if r.current else ("[dim]x[/]" if r.deleted else " ")
        when_made = short_time(r.created) if r.created else "?"
        also = clean(f" (also {', '.join(map(str, r.also))})") if r.also else ""
        images = ", ".join(r.images) or (r.source.get("repoURL", "") if r.source else "")
        out.print(f"{mark}{r.revision:>3}  {clean(r.name):<28} {when_made}  {clean(images)}{also}")
        detail = r.summary + (
            f"; change-cause: {r.change_cause}" if r.change_cause and r.source == {} else ""
        )
        by = f"  [dim]‹{clean(who(r.attribution))}›[/]" if r.attribution else ""
        out.print(f"      [dim]{clean(detail)}[/]{by}")
    if not result:
        out.print(
            "no revisions found (their ReplicaSets or ControllerRevisions are not in the store)",
            style="dim",
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("rollouts")(rollouts)
