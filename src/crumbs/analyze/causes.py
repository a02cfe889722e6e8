"""Root causes: the changes most likely to have caused a finding, ranked, each with its why.

Candidates are the changes of the objects around the finding's subject in the
dependency graph (the subject; its owners; what its pod template uses:
ConfigMaps, Secrets, ServiceAccounts, PVCs; Services that select its pods and
the pods a Service selects; Ingress and route backends; Services it calls by
DNS name; the Helm release (its newest release Secret) or GitOps object (Argo
CD Application, Flux Kustomization or HelmRelease) that declares it; and what
the analyzer named as related), made in the week before the problem began (or
up to two minutes after, for clocks and sync loops).

score = time × distance × kind:

- time: 1 / (1 + hours before onset / 6): an hour before is 0.86, a day 0.2;
- distance: 1.0 for the subject, 0.85, 0.7, 0.55 for one, two, three hops;
- kind: what changed: deletions, images, selectors, ConfigMap and Secret data,
  ports, suspending or resuming 1.0; other container settings and a Helm
  release 0.9; other spec 0.7; a new object 0.6; labels and annotations 0.35; a ``restartedAt`` rollout alone 0.25 (it picks
  up a change, it is rarely one).

Noise-only and status-only changes, and changes by the control plane's own
controllers (bookkeeping), are not causes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crumbs.analyze.base import pod_spec_of, spec, top_owner
from crumbs.analyze.refs import called_services, references
from crumbs.analyze.selectors import from_map
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Cause,
    Change,
    Channel,
    Finding,
    ObjectKey,
    RevisionType,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.timeutil import NS, humanize_age, parse_time
from crumbs.trail.changes import by_object, changes
from crumbs.trail.diff import changed_paths
from crumbs.trail.ownership import declared_owner
from crumbs.trail.summary import helm_release_of

HOUR = 3600 * NS
LOOKBACK = 7 * 24 * HOUR
SLACK = 120 * NS
DISTANCE = (1.0, 0.85, 0.7, 0.55)
KEEP = 5
NOT_FROM_CREATION = frozenset({"unschedulable", "evicted", "not-ready", "stuck-terminating"})
"""Problems an object's own creation never causes (the cluster around it does)."""
_GROUPS = {
    "ConfigMap": "",
    "Secret": "",
    "ServiceAccount": "",
    "PersistentVolumeClaim": "",
    "Service": "",
}


@dataclass(frozen=True)
class Node:
    key: ObjectKey
    distance: int
    relation: str


def neighbours(view: ClusterView, f: Finding) -> list[Node]:
    found: dict[ObjectKey, Node] = {}

    def add(key: ObjectKey, distance: int, relation: str) -> None:
        if key not in found or found[key].distance > distance:
            found[key] = Node(key, min(distance, len(DISTANCE) - 1), relation)

    subject = view.get(f.key.kind, f.key.namespace, f.key.name, f.key.group)
    add(f.key, 0, f"{f.key.kind} {f.key.name} itself")
    workloads: list[tuple[StoredRevision, int]] = []
    if subject is not None:
        workloads.append((subject, 0))
        current, d = subject, 0
        while (owner := view.owner_of(current)) is not None and owner.key not in found:
            d += 1
            add(owner.key, d, f"its owner {owner.key.kind} {owner.key.name}")
            workloads.append((owner, d))
            current = owner
    for key in f.related:
        add(key, 1, f.relations.get(key, f"{key.kind} {key.name}"))
        rel = view.get(key.kind, key.namespace, key.name, key.group)
        if rel is not None and rel.key.kind in (
            "Pod",
            "Job",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
        ):
            owner = top_owner(view, rel)
            if owner.key != rel.key:
                add(
                    owner.key,
                    2,
                    f"{owner.key.kind} {owner.key.name}, which runs {key.kind} {key.name}",
                )
            workloads.append((owner, 1 if owner.key == rel.key else 2))
    for rev, d in workloads:
        for key, relation in _declared_by(view, rev):
            add(key, d + 1, relation)
    for rev, d in workloads:
        ns = rev.key.namespace
        pod_spec = pod_spec_of(rev.doc)
        for ref in references(pod_spec):
            if ref.name:
                add(
                    ObjectKey(rev.key.cluster, _GROUPS[ref.kind], ref.kind, ns, ref.name),
                    d + 1,
                    f"{ref.kind} {ref.name} ({ref.where} of {rev.key.kind} {rev.key.name})",
                )
        for svc_ns, svc_name, where in called_services(pod_spec, ns):
            add(
                ObjectKey(rev.key.cluster, "", "Service", svc_ns, svc_name),
                d + 1,
                f"Service {svc_ns}/{svc_name} it calls ({where})",
            )
        labels = mapping(
            mapping(mapping(spec(rev.doc).get("template")).get("metadata")).get("labels")
        ) or mapping(mapping(rev.doc.get("metadata")).get("labels"))
        if labels and rev.key.kind in (
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
        ):
            for svc in view.objects("Service", ns):
                selector = spec(svc.doc).get("selector")
                if (
                    isinstance(selector, dict)
                    and selector
                    and all(labels.get(k) == v for k, v in selector.items())
                ):
                    add(svc.key, d + 1, f"Service {svc.key.name}, which selects its pods")
    if subject is not None and subject.key.kind == "Service":
        selector = spec(subject.doc).get("selector")
        if isinstance(selector, dict) and selector:
            for pod in view.select("Pod", subject.key.namespace, from_map(selector))[:20]:
                owner = top_owner(view, pod)
                add(owner.key, 1, f"{owner.key.kind} {owner.key.name}, whose pods it selects")
    return sorted(found.values(), key=lambda n: n.distance)


_GITOPS_KINDS = {
    "Argo CD application": ("argoproj.io", "Application"),
    "Flux Kustomization": ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    "Flux HelmRelease": ("helm.toolkit.fluxcd.io", "HelmRelease"),
}


def _declared_by(view: ClusterView, rev: StoredRevision) -> Iterator[tuple[ObjectKey, str]]:
    """What declares a workload: its Helm release's newest release Secret, or its GitOps object."""
    owner = declared_owner(rev.doc)
    if owner is None or owner.channel == Channel.CONTROLLER:
        return
    if owner.channel == Channel.HELM:
        prefix = f"sh.helm.release.v1.{owner.name}.v"
        secrets = [
            s
            for s in view.objects("Secret", owner.namespace or rev.key.namespace)
            if s.key.name.startswith(prefix) and s.key.name[len(prefix) :].isdigit()
        ]
        if secrets:
            newest = max(secrets, key=lambda s: int(s.key.name[len(prefix) :]))
            yield (
                newest.key,
                f"Helm release {owner.name}, which installs {rev.key.kind} {rev.key.name}",
            )
        return
    group_kind = _GITOPS_KINDS.get(owner.kind)
    if group_kind is None:
        return
    group, kind = group_kind
    for app in view.objects(kind, group=group):
        if app.key.name == owner.name and (
            not owner.namespace or app.key.namespace == owner.namespace
        ):
            yield app.key, f"{owner.kind} {owner.name}, which syncs {rev.key.kind} {rev.key.name}"


def kind_weight(ch: Change) -> tuple[float, str]:
    """How much a change of this kind looks like a cause, and a word for it."""
    return weight_of(ch.revision, ch.previous, ch.paths)


def weight_of(
    rev: StoredRevision, previous: StoredRevision | None, changed: Sequence[str]
) -> tuple[float, str]:
    """:func:`kind_weight` from what a change needs to be weighed: the revision, whether there
    was one before it, and the paths that changed."""
    if rev.type == RevisionType.DELETED:
        return 1.0, "deleted"
    if rev.type == RevisionType.ADDED or previous is None:
        if helm_release_of(rev.doc):
            return 0.9, "released"  # a helm install, upgrade or rollback
        return 0.6, "created"
    paths = [p for p in changed if not p.startswith("status")]
    if not paths:
        return 0.0, ""
    if all("restartedAt" in p for p in paths):
        return 0.25, "restarted"
    if all(p.startswith("metadata.labels") or p.startswith("metadata.annotations") for p in paths):
        return 0.35, "relabelled"
    if "spec.suspend" in paths:
        return 1.0, "suspended" if spec(rev.doc).get("suspend") else "resumed"
    if any(p.startswith(("data", "binaryData", "stringData")) for p in paths):
        return 1.0, "its data changed"
    if any(
        p.endswith(".image") or "selector" in p or "targetPort" in p or p.startswith("spec.ports")
        for p in paths
    ):
        return 1.0, "changed"
    if any(p.endswith("replicas") for p in paths) and spec(rev.doc).get("replicas") == 0:
        return 1.0, "scaled to zero"
    if any("containers[" in p for p in paths):
        return 0.9, "changed"
    return 0.7, "changed"


@dataclass(frozen=True)
class _Candidate:
    score: float
    when: int
    node: Node
    rev: StoredRevision
    previous: StoredRevision | None


def rank(view: ClusterView, f: Finding, keep: int = KEEP) -> list[Cause]:
    """The ``keep`` likeliest causes of ``f``.

    Each neighbour's history is read for the window only (the week before the onset), and
    its revisions are weighed from the paths that changed (cheap); only the best candidates
    become full changes (patch, summary, attribution), best first, until ``keep`` pass."""
    onset = f.since if f.since is not None else view.at
    start, end = onset - LOOKBACK, min(onset + SLACK, view.at)
    candidates: list[_Candidate] = []
    for node in neighbours(view, f):
        window, before = view.history_window(node.key, start, end)
        previous = before
        for rev in window:
            prev = previous if previous is not None and previous.uid == rev.uid else None
            previous = rev
            if (
                prev is None
                and rev.type != RevisionType.DELETED
                and (_controlled(rev) or (node.distance == 0 and f.rule in NOT_FROM_CREATION))
            ):
                continue  # a controller's creation, or the subject's for these, is a consequence
            if prev is not None and rev.type == RevisionType.MODIFIED:
                weight = weight_of(rev, prev, changed_paths(prev.doc, rev.doc))[0]
            else:
                weight = weight_of(rev, prev, ())[0]
            if weight == 0.0:
                continue
            when = _when(rev, prev)
            if when is None or not start <= when <= end:
                continue
            hours = max(onset - when, 0) / HOUR
            score = (1 / (1 + hours / 6)) * DISTANCE[node.distance] * weight
            candidates.append(_Candidate(score, when, node, rev, prev))
    candidates.sort(key=lambda c: -c.score)
    out: list[Cause] = []
    audits: dict[ObjectKey, Any] = {}
    for c in candidates:
        if c.node.key not in audits:
            audits[c.node.key] = (
                by_object(view.source.audit_of(c.node.key))
                if hasattr(view.source, "audit_of")
                else None
            )
        memo = ("change", c.rev.id, c.previous.id if c.previous is not None else None)
        ch = view.memo.get(memo)
        if ch is None:  # findings of one incident share their candidates: diffed once
            (ch,) = changes([c.rev], lambda r, p=c.previous: p, audits[c.node.key])  # type: ignore[misc]
            view.memo[memo] = ch
        weight, word = kind_weight(ch)
        att = ch.attribution
        if weight == 0.0 or (
            att is not None
            and att.actors
            and all(a.channel == Channel.CONTROLLER for a in att.actors)
        ):
            continue
        if ch.previous is not None and not ch.patch and ch.revision.type == RevisionType.MODIFIED:
            continue
        out.append(
            Cause(
                len(out) + 1,
                round(c.score, 3),
                ch,
                _why(ch, c.node, word, onset - c.when),
                c.node.distance,
            )
        )
        if len(out) == keep:
            break
    return out


def _controlled(rev: StoredRevision) -> bool:
    """Made by a controller (a Pod of a ReplicaSet, a Job of a CronJob): not a cause by itself."""
    return any(
        isinstance(r, dict) and r.get("controller") is True
        for r in sequence(mapping(rev.doc.get("metadata")).get("ownerReferences"))
    )


def _when(rev: StoredRevision, previous: StoredRevision | None) -> int | None:
    """When the change happened: its revision's time, or for an object first seen
    after its creation, the creation (None when unknown: a snapshot is not a change)."""
    if previous is not None or rev.type == RevisionType.DELETED:
        return rev.at
    created = mapping(rev.doc.get("metadata")).get("creationTimestamp")
    born = parse_time(created) if isinstance(created, str) and created else None
    if born is None:
        return None
    return min(born, rev.at)


def _why(ch: Change, node: Node, word: str, before: int) -> str:
    """``changed 24m before the problem began, on Deployment billing, the same app (...), by kubectl-patch (human)``."""
    when = f"{humanize_age(before)} before" if before >= NS else "as"
    att = ch.attribution
    who = ""
    if att is not None and att.actors:
        a = att.actors[0]
        user = f" as {a.user}" if a.user else ""
        who = (
            f", by {a.manager}{user} ({a.channel})"
            if att.certain
            else f", by {att.note or 'someone, uncertain'}"
        )
    return f"{word} {when} the problem began, on {node.relation}{who}"
