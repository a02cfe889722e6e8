"""``crumbs drift``: hand-made changes to objects Helm, Argo CD or Flux declare; and objects nobody declares."""

from __future__ import annotations

import typer

from crumbs.app import drift as app
from crumbs.cli.common import (
    ALL_NAMESPACES_OPTION,
    CLUSTER_OPTION,
    ONLY_NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    one_scope,
    open_store,
    selector_option,
)
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, short_time
from crumbs.timeutil import format_time, humanize_age
from crumbs.trail.values import fmt


def drift_command(
    ctx: typer.Context,
    namespace: str = ONLY_NAMESPACE_OPTION,
    all_namespaces: bool = ALL_NAMESPACES_OPTION,
    selector: str = selector_option("Only objects with these labels then (app=web, !canary)."),
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Fields of Helm-, Argo CD- or Flux-owned objects last written by hand, with their age; and unowned objects."""
    one_scope(namespace, all_namespaces)
    with open_store(ctx) as store:
        found = app.drift_of(store, namespace, at, cluster, selector)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    when, drifted, loose = found.at, found.drifted, found.unowned
    out = console()
    out.print(f"[dim]as of {format_time(when)}[/]")
    for d in drifted:
        out.print(
            f"[bold]{clean(d.revision.key.display())}[/]  declared by {clean(d.owner.display())}, changed by hand:"
        )
        for f in d.fields:
            m = f.manager
            age = (
                f"{humanize_age(when - m.time)} ago ({short_time(m.time)})"
                if m.time
                else "at an unknown time"
            )
            out.print(
                f"  [magenta]{clean(f.path)}[/] = {clean(fmt(f.value, 60))}  [dim]by {clean(m.manager)} {age}[/]"
            )
    if not drifted:
        out.print(
            "no drift: no field of a Helm-, Argo CD- or Flux-owned object was last written by hand",
            style="dim",
        )
    if loose:
        out.print(
            f"\n[bold]unowned[/] (no Helm release, GitOps app or controller declares them): {len(loose)}"
        )
        for r in loose:
            who = app.creator(r.doc)
            made = f"  [dim]made by {clean(who['manager'])} ({who['channel']})[/]" if who else ""
            out.print(f"  {clean(r.key.display())}{made}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("drift")(drift_command)
