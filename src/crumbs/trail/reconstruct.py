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

Helm keeps more: each release revision's rendered manifest and when it was
deployed. Any object a release renders (a Service, a ConfigMap, a workload
without kept templates) gets a revision per earlier release revision that
rendered it differently: the observed document with the fields the chart
changed since put back (the patch between the two renders, applied to what was
observed, so server defaults never show as changes), at that revision's deploy
time, as Helm wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from crumbs.model import Obj, mapping, sequence
from crumbs.timeutil import NS, parse_time
from crumbs.trail.diff import apply_each, raw_patch
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


DEPLOYED = ("deployed", "superseded")
"""Release revisions that were applied (a failed or pending one may not have been)."""


def rendered(
    release_manifest: Iterable[Obj], kind: str, namespace: str, name: str, release_ns: str
) -> Obj | None:
    """The object of this kind, namespace and name in a release's manifest (a namespaced
    object without one in the chart goes to the release's namespace)."""
    for doc in release_manifest:
        md = mapping(doc.get("metadata"))
        if (
            doc.get("kind") == kind
            and md.get("name") == name
            and (md.get("namespace") or release_ns) == namespace
        ):
            return doc
    return None


def from_releases(
    obj: Obj, first_seen: int, renders: Iterable[tuple[int, int, str, Obj]]
) -> list[tuple[int, Obj, str]]:
    """(time, document, what it comes from) for each release revision deployed before
    ``first_seen`` that rendered ``obj`` differently from the revision before it (the one it
    runs now included, dated when it was deployed); ``renders``: (deploy time, revision,
    release name, the object as rendered), any order. Nothing when one render is all there is."""
    past = sorted((r for r in renders if r[0] <= first_seen), key=lambda r: (r[0], r[1]))
    if len(past) < 2:
        return []
    now = past[-1][3]
    out: list[tuple[int, Obj, str]] = []
    last: Obj | None = None
    for when, revision, release, render in past:
        if render == last:
            continue
        last = render
        doc = (
            _put_back(obj, raw_patch(now, render))
            if render != now
            else orjson.loads(orjson.dumps(obj))
        )
        if doc is None:
            continue
        doc.pop("status", None)
        md = mapping(doc.get("metadata"))
        for noise in ("managedFields", "resourceVersion", "generation"):
            md.pop(noise, None)
        then = _written_by(obj, when)
        if then:
            md["managedFields"] = then
        doc["metadata"] = md
        out.append((when, doc, f"Helm release {release} revision {revision}"))
    return out if len(out) > 1 else []


def _put_back(obj: Obj, operations: list[dict[str, Any]]) -> Obj | None:
    """``obj`` with a chart's older values (None: none of them fits what was observed)."""
    doc, applied = apply_each(
        obj, [op for op in operations if not str(op.get("path", "")).startswith("/status")]
    )
    return doc if applied else None


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
