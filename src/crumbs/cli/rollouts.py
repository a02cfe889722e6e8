"""``crumbs rollouts KIND/NAME``: a workload's revisions, rebuilt from what the cluster keeps."""

from __future__ import annotations

from typing import Any

import typer

from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    object_selector,
    open_store,
    parse_time_option,
    store_clock,
)
from crumbs.errors import EXIT_OK, NotFoundError, UsageError
from crumbs.report.shapes import attribution_ref, object_ref
from crumbs.report.text import clean, console, short_time, who
from crumbs.store import Selector
from crumbs.timeutil import format_time
from crumbs.trail.rollouts import (
    Rollout,
    application_history,
    controller_revisions,
    deployment_rollouts,
)

CHILDREN = {
    "Deployment": ("apps", "ReplicaSet"),
    "StatefulSet": ("apps", "ControllerRevision"),
    "DaemonSet": ("apps", "ControllerRevision"),
}


def rollout_ref(r: Rollout) -> dict[str, Any]:
    out: dict[str, Any] = {
        "revision": r.revision,
        "name": r.name,
        "created": format_time(r.created) if r.created else None,
        "images": r.images,
        "replicas": r.replicas,
        "ready": r.ready,
        "current": r.current,
        "also": r.also,
        "changeCause": r.change_cause or None,
        "restartedAt": r.restarted_at or None,
        "summary": r.summary,
        "deleted": r.deleted,
        "actor": attribution_ref(r.attribution) if r.attribution else None,
    }
    if r.source:
        out["source"] = r.source
    return out


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
        q = store.queries
        sel = object_selector(store, target, namespace, cluster, name)
        when = parse_time_option(at, "--at", store_clock(store)) if at else store_clock(store)
        found = q.state_at(when, sel)
        if not found:
            raise NotFoundError(f"{target}: did not exist at {format_time(when)}")
        workload = found[0]
        kind = workload.key.kind
        history = [r for r in q.history(sel) if r.at <= when and r.uid == workload.uid]
        if kind == "Application" and workload.key.group == "argoproj.io":
            result = application_history(workload.doc)
        elif kind in CHILDREN:
            children = q.state_at(
                when,
                Selector(cluster=cluster, namespace=workload.key.namespace, kinds=[CHILDREN[kind]]),
                include_deleted=True,
            )
            pairs = [(c.doc, c.type.name == "DELETED") for c in children]
            result = (
                deployment_rollouts(workload.doc, pairs, history)
                if kind == "Deployment"
                else controller_revisions(workload.doc, pairs, history)
            )
        else:
            raise UsageError(
                f"{kind} has no rollouts (Deployments, StatefulSets, DaemonSets and Argo CD Applications do; Helm: crumbs releases)"
            )
    if output is Output.json:
        emit_json(
            {
                "object": object_ref(workload.key, workload.uid, workload.doc.get("apiVersion")),
                "at": format_time(when),
                "revisions": [rollout_ref(r) for r in result],
            }
        )
        return EXIT_OK
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
