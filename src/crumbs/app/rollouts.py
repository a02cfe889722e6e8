"""``rollouts``: a workload's revisions (ReplicaSets, ControllerRevisions, Argo CD history),
each with what it changed and who."""

from __future__ import annotations

from dataclasses import dataclass

from crumbs import contract
from crumbs.app.query import object_selector, parse_time_option, store_clock
from crumbs.errors import NotFoundError, UsageError
from crumbs.model import StoredRevision
from crumbs.report.shapes import attribution_ref, object_ref
from crumbs.store import Selector, Store
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
"""What keeps a workload's past pod templates."""


def rollout_ref(r: Rollout) -> contract.RolloutRef:
    out: contract.RolloutRef = {
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


@dataclass
class Rollouts:
    workload: StoredRevision
    at: int
    rollouts: list[Rollout]

    def json(self) -> contract.Rollouts:
        w = self.workload
        return {
            "object": object_ref(w.key, w.uid, w.doc.get("apiVersion")),
            "at": format_time(self.at),
            "revisions": [rollout_ref(r) for r in self.rollouts],
        }


def rollouts(store: Store, target: str, name: str | None = None, namespace: str | None = None,
             at: str | None = None, cluster: str | None = None) -> Rollouts:  # fmt: skip
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
        children = q.state_at(when, Selector(cluster=cluster, namespace=workload.key.namespace, kinds=[CHILDREN[kind]]),
                              include_deleted=True)  # fmt: skip
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
    return Rollouts(workload, when, result)
