"""A workload's past from what the cluster keeps, when nobody recorded it.

A snapshot shows a Deployment once, at the snapshot's time. Its ReplicaSets keep
each earlier pod template and when it was rolled out (the ReplicaSet's
creation); a StatefulSet's or DaemonSet's ControllerRevisions do the same. Each
such template made before the workload's first observation is a revision of
the workload at that time: the observed document with that template, without
status (unknown then), its managedFields as they could have been then (the
entries written at or before that time: a manager whose entry was written at
the rollout is who rolled it out; without one, the object's labels may say,
see :func:`crumbs.trail.attribution.declared_by`).
The store keeps them as *reconstructed* revisions, so the timeline, ``get
--at``, ``diff`` and cause ranking see the rollout that preceded a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from crumbs.model import Obj, mapping, sequence
from crumbs.timeutil import NS, parse_time
from crumbs.trail.rollouts import Rollout, controller_revisions, deployment_rollouts

OWNED = {
    "Deployment": "ReplicaSet",
    "StatefulSet": "ControllerRevision",
    "DaemonSet": "ControllerRevision",
}
"""Workload kind → the kind that keeps its past templates."""


def past_templates(workload: Obj, kept: Iterable[Obj]) -> list[Rollout]:
    """The workload's rollouts, from the ReplicaSets or ControllerRevisions it controls."""
    pairs = [(obj, False) for obj in kept]
    if workload.get("kind") == "Deployment":
        return deployment_rollouts(workload, pairs, summaries=False)
    return controller_revisions(workload, pairs, summaries=False)


def reconstructed(
    workload: Obj, first_seen: int, kept: Iterable[Obj]
) -> list[tuple[int, Obj, str]]:
    """(time, document, what it comes from) for each template rolled out before ``first_seen``,
    oldest first; consecutive rollouts of one template are one revision."""
    out: list[tuple[int, Obj, str]] = []
    last_template: Obj | None = None
    for r in sorted(past_templates(workload, kept), key=lambda r: (r.created or 0, r.revision)):
        if r.created is None or r.created >= first_seen or r.template == last_template:
            continue
        doc = {k: v for k, v in workload.items() if k != "status"}
        md = dict(mapping(doc.get("metadata")))
        for noise in ("managedFields", "resourceVersion", "generation"):
            md.pop(noise, None)
        then = _written_by(workload, r.created)
        if then:
            md["managedFields"] = then
        doc["metadata"] = md
        doc["spec"] = {**mapping(doc.get("spec")), "template": r.template}
        doc = orjson.loads(orjson.dumps(doc))  # its own copy, shared with nothing
        kind = OWNED.get(str(workload.get("kind")), "ReplicaSet")
        out.append((r.created, doc, f"{kind} {r.name} (revision {r.revision})"))
        last_template = r.template
    return out


def _written_by(workload: Obj, at: int) -> list[Any]:
    """The managedFields entries (but status) written at or before ``at``, with their times."""
    out = []
    for e in sequence(mapping(workload.get("metadata")).get("managedFields")):
        if not isinstance(e, dict) or e.get("subresource") == "status":
            continue
        written = parse_time(str(e.get("time") or ""))
        if written is not None and written <= at + SAME_MOMENT:
            out.append(e)
    return out


SAME_MOMENT = 5 * NS
"""A manager's entry time and the ReplicaSet it caused are seconds apart at most."""
