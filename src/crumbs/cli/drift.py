"""``crumbs drift``: hand-made changes to objects Helm, Argo CD or Flux declare; and objects nobody declares."""

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
from crumbs.errors import EXIT_OK
from crumbs.report.shapes import actor_ref, object_ref
from crumbs.report.text import clean, console, short_time
from crumbs.store import Selector
from crumbs.timeutil import format_time, humanize_age
from crumbs.trail.drift import Drift, drift, unowned
from crumbs.trail.fieldsets import managers
from crumbs.trail.managers import actor
from crumbs.trail.ownership import Owner
from crumbs.trail.values import fmt


def owner_ref(owner: Owner) -> dict[str, Any]:
    return {
        "channel": owner.channel,
        "kind": owner.kind,
        "name": owner.name,
        "namespace": owner.namespace,
        "evidence": owner.evidence,
    }


def _drift_json(d: Drift, now: int) -> dict[str, Any]:
    rev = d.revision
    return {
        "object": object_ref(rev.key, rev.uid, rev.doc.get("apiVersion")),
        "owner": owner_ref(d.owner),
        "fields": [
            {
                "path": f.path,
                "value": f.value,
                **actor_ref(actor(f.manager.manager, f.manager.operation, f.manager.subresource)),
                "time": format_time(f.manager.time) if f.manager.time else None,
                "ageSeconds": (now - f.manager.time) // 1_000_000_000 if f.manager.time else None,
            }
            for f in d.fields
        ],
    }


def drift_command(
    ctx: typer.Context,
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Only this namespace (default: all)."
    ),
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Fields of Helm-, Argo CD- or Flux-owned objects last written by hand, with their age; and unowned objects."""
    with open_store(ctx) as store:
        clock = store_clock(store)
        when = parse_time_option(at, "--at", clock) if at else clock
        objects = store.queries.state_at(when, Selector(cluster=cluster, namespace=namespace))
    drifted = [d for d in (drift(r) for r in objects) if d is not None]
    loose = unowned(objects)
    if output is Output.json:
        emit_json(
            {
                "at": format_time(when),
                "drift": [_drift_json(d, when) for d in drifted],
                "unowned": [
                    {
                        "object": object_ref(r.key, r.uid, r.doc.get("apiVersion")),
                        "createdBy": _creator(r.doc),
                    }
                    for r in loose
                ],
            }
        )
        return EXIT_OK
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
            who = _creator(r.doc)
            made = f"  [dim]made by {clean(who['manager'])} ({who['channel']})[/]" if who else ""
            out.print(f"  {clean(r.key.display())}{made}")
    return EXIT_OK


def _creator(doc: dict[str, Any]) -> dict[str, Any] | None:
    entries = [m for m, _ in managers(doc) if m.subresource != "status"]
    if not entries:
        return None
    first = min(entries, key=lambda m: (m.time or 0, m.index))
    return actor_ref(actor(first.manager, first.operation, first.subresource))


def register(app: typer.Typer) -> None:
    app.command("drift")(drift_command)
