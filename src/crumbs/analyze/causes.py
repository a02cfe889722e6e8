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

- time: 1 / (1 + hours before onset / 6): an hour before is 0.86, a day 0.2 (at least 0.75
  for the newest change of an object the finding or its messages name);
- distance: 1.0 for the subject, 0.85, 0.7, 0.55 for one, two, three hops;
- kind: what changed: deletions, images, selectors, ConfigMap and Secret data,
  ports, suspending or resuming 1.0; other container settings and a Helm
  release 0.9; other spec 0.7; a new object 0.6; labels and annotations 0.35; a ``restartedAt`` rollout alone 0.25 (it picks
  up a change, it is rarely one).

Noise-only and status-only changes, and changes by the control plane's own
controllers (bookkeeping), are not causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crumbs.analyze.base import pod_spec_of, spec
from crumbs.analyze.graph import graph_of
from crumbs.analyze.messages import PULL_SECRETS, Named, named
from crumbs.analyze.transitions import Transition, between, dated
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Actor,
    Attribution,
    Cause,
    Change,
    Channel,
    Edge,
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
from crumbs.trail.summary import helm_release_of

HOUR = 3600 * NS
LOOKBACK = 7 * 24 * HOUR
SLACK = 120 * NS
DISTANCE = (1.0, 0.85, 0.7, 0.55)
KEEP = 5
NOT_FROM_CREATION = frozenset({"unschedulable", "evicted", "not-ready", "stuck-terminating"})
"""Problems an object's own creation never causes (the cluster around it does)."""
ACTS: dict[str, tuple[str, ...]] = {"drain-blocked": ("spec.unschedulable", "spec.taints")}
"""Problems about an act that fails: the subject's changes of these paths are the act (a
cordon), not why it fails."""
NAMED_FLOOR = 0.75
"""The least time factor of the newest change of an object the finding names (its related
objects) or its messages name (``exceeded quota: compute``, ``disruption budget``): it is
evidence however old the change (a budget tightened last week blocks today's drain)."""


@dataclass(frozen=True)
class Node:
    key: ObjectKey
    distance: int
    relation: str
    path: tuple[Edge, ...] = ()
    relevance: float = 1.0
    """How well the edges that lead here can explain this kind of problem (0 to 1)."""


DOWN = frozenset({"owns", "selects", "used-by", "routed-by", "slices"})
"""Edges from an object to what it runs or serves: followed from the subject down, never
after an edge up (a pod's Service's other workloads are not the pod's neighbours)."""
THROUGH = frozenset({"calls", "backend"})
"""Edges to a Service whose backends are part of the story: what a client calls, what a route
sends to (a Service's pods scaled to zero explain its callers' connection errors)."""
FAMILIES: dict[str, frozenset[str]] = {
    "schedule": frozenset({"unschedulable", "pending", "scheduling-gated"}),
    "evict": frozenset({"evicted", "not-ready", "stuck-terminating", "drain-blocked", "no-running-pods"}),
    "start": frozenset({"stuck-starting", "config-error", "image-pull", "cannot-create-pods", "missing-reference", "create-failed"}),
    "crash": frozenset({"crashloop", "oom-killed", "restarting", "probe-failing", "failed"}),
    "traffic": frozenset({"no-ready-endpoints", "no-ready-pods", "selector-matches-no-pods", "target-port-not-exposed",
                          "endpoint-removed", "rollout-refusals", "connect-timeouts"}),
    "scale": frozenset({"at-maximum", "cannot-scale", "metrics-unavailable", "target-missing"}),
}  # fmt: skip
RELEVANCE: dict[str, tuple[float, dict[str, float]]] = {
    "runs-on": (0.3, {"schedule": 1.0, "evict": 1.0, "start": 0.8}),
    "storage-class": (0.6, {"schedule": 1.0, "start": 1.0}),
    "claims": (0.8, {"schedule": 1.0, "start": 1.0}),
    "quota": (0.2, {"start": 1.0, "schedule": 0.8, "crash": 0.5}),
    "limit-range": (0.2, {"start": 1.0, "crash": 0.6}),
    "namespace": (0.2, {"start": 1.0, "evict": 0.6}),
    "webhook": (0.15, {"start": 1.0}),
    "policy": (0.25, {"traffic": 0.9, "crash": 0.6}),
    "budget": (0.2, {"evict": 0.8}),
    "scaled-by": (0.5, {"scale": 1.0}),
    "named": (1.25, {}),
}
"""How well an edge explains a family of problems: (otherwise, {family: weight}). Edges not
listed (owner, uses, selects, related…) explain anything: 1.0; an object the problem's own
messages name (``exceeded quota: compute``) explains it more specifically than any: 1.25."""


def family(rule: str) -> str:
    return next((name for name, rules in FAMILIES.items() if rule in rules), "")


def relevance(edge: str, fam: str) -> float:
    default, by_family = RELEVANCE.get(edge, (1.0, {}))
    return by_family.get(fam, default)


def neighbours(view: ClusterView, f: Finding) -> list[Node]:
    """The objects around the finding's subject in the dependency graph (:mod:`.graph`), up to
    three hops, with the objects the analyzer named and those its messages blame one hop away."""
    graph = graph_of(view)
    fam = family(f.rule)
    found: dict[ObjectKey, Node] = {f.key: Node(f.key, 0, f"{f.key.kind} {f.key.name} itself")}
    came_down: dict[ObjectKey, bool] = {f.key: True}
    queue: list[ObjectKey] = [f.key]
    for edge in _named(view, f):
        _reach(found, came_down, queue, found[f.key], edge, fam, down=False)
    while queue:
        key = queue.pop(0)
        node = found[key]
        if node.distance >= len(DISTANCE) - 1 or len(found) > MOST_NODES:
            continue
        for edge in graph.edges(key, down=came_down.get(key, False)):
            _reach(found, came_down, queue, node, edge, fam, edge.type in DOWN)
    return sorted(found.values(), key=lambda n: n.distance)


MOST_NODES = 300


def _reach(found: dict[ObjectKey, Node], came_down: dict[ObjectKey, bool], queue: list[ObjectKey],
           node: Node, edge: Edge, fam: str, down: bool) -> None:  # fmt: skip
    there = found.get(edge.dst)
    distance = node.distance + 1
    rel = (
        min(node.relevance, relevance(edge.type, fam))
        if node.distance
        else relevance(edge.type, fam)
    )
    if there is not None and (
        there.distance < distance or (there.distance == distance and there.relevance >= rel)
    ):
        return
    found[edge.dst] = Node(edge.dst, distance, edge.label, (*node.path, edge), rel)
    came_down[edge.dst] = (down and came_down.get(node.key, False)) or edge.type in THROUGH
    queue.append(edge.dst)


def _named(view: ClusterView, f: Finding) -> list[Edge]:
    """Edges from the subject to what the analyzer named (``related``) and to what the
    messages of the finding and its Events blame (a quota, a webhook, a key's ConfigMap)."""
    out = [
        Edge(f.key, key, "related", f.relations.get(key, f"{key.kind} {key.name}"))
        for key in f.related
    ]
    texts = " ".join([f.title, f.detail, *(e.summary for e in f.evidence if e.kind == "event")])
    subject = view.get(f.key.kind, f.key.namespace, f.key.name, f.key.group)
    for n in named(texts, f.key.namespace):
        said = f"named in its messages ({n.why})"
        if n.name is not None:
            key = ObjectKey(f.key.cluster, n.group, n.kind, n.namespace or "", n.name)
            out.append(Edge(f.key, key, "named", f"{n.kind} {n.name}, {said}"))
            continue
        for obj in _matching(view, n, subject):
            out.append(Edge(f.key, obj.key, "named", f"{n.kind} {obj.key.name}, {said}"))
    return out


def _matching(view: ClusterView, n: Named, subject: StoredRevision | None) -> list[StoredRevision]:
    """The objects a message blames without naming them."""
    if n.kind == "LimitRange":
        return view.objects("LimitRange", n.namespace or "")
    if n.kind == "Node":
        return [node for node in view.objects("Node")
                if any(mapping(t).get("key") == n.match for t in sequence(spec(node.doc).get("taints")))][:20]  # fmt: skip
    if n.kind == "PodDisruptionBudget":
        return view.objects("PodDisruptionBudget", n.namespace or "")
    if n.kind == "Secret" and n.match == PULL_SECRETS and subject is not None:
        return _pull_secrets(view, subject)
    if n.kind.endswith("WebhookConfiguration"):
        return [c for c in view.objects(n.kind)
                if any(mapping(h).get("name") == n.match for h in sequence(c.doc.get("webhooks")))]  # fmt: skip
    return []


def _pull_secrets(view: ClusterView, subject: StoredRevision) -> list[StoredRevision]:
    """The Secrets the subject's pods pull with: their imagePullSecrets and their
    ServiceAccount's."""
    ns = subject.key.namespace
    pod = pod_spec_of(subject.doc)
    names = [str(mapping(s).get("name")) for s in sequence(pod.get("imagePullSecrets"))]
    account = view.get("ServiceAccount", ns, str(pod.get("serviceAccountName") or "default"))
    if account is not None:
        names += [
            str(mapping(s).get("name")) for s in sequence(account.doc.get("imagePullSecrets"))
        ]
    found = (
        view.get("Secret", ns, n) or view.deleted_object("Secret", ns, n)
        for n in dict.fromkeys(names)
    )
    return [s for s in found if s is not None]


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
        if rev.key.kind in POLICIES:
            return 0.9, "created"  # a new policy, quota or webhook acts at once
        return 0.6, "created"
    paths = [p for p in changed if not p.startswith("status")]
    if not paths:
        return 0.0, ""
    if all("restartedAt" in p for p in paths):
        return 0.25, "restarted"
    if all(p.startswith("metadata.labels") or p.startswith("metadata.annotations") for p in paths):
        return 0.35, "relabelled"
    if rev.key.kind in POLICIES:
        return 1.0, "changed"  # what admits, schedules, connects or stores pods: any change counts
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
    transition: Transition | None = None


POLICIES = frozenset({"ResourceQuota", "LimitRange", "NetworkPolicy", "PodDisruptionBudget", "StorageClass",
                      "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "PriorityClass", "RuntimeClass"})  # fmt: skip
"""Kinds whose changes act on other objects' pods: weighed as strongly as an image change."""
STATEFUL = frozenset(
    {
        "Node",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "EndpointSlice",
        "ResourceQuota",
        "Namespace",
    }
)
"""Kinds whose state transitions are causes (:mod:`.transitions`)."""


def rank(view: ClusterView, f: Finding, keep: int = KEEP) -> list[Cause]:
    """The ``keep`` likeliest causes of ``f``.

    Each neighbour's history is read for the window only (the week before the onset), and
    its revisions are weighed from the paths that changed (cheap); only the best candidates
    become full changes (patch, summary, attribution), best first, until ``keep`` pass.
    Neighbours of kinds that have states (Nodes, volumes, endpoints, quotas) add their
    transitions into a bad state: between two revisions, or dated by the state itself."""
    onset = f.since if f.since is not None else view.at
    start, end = onset - LOOKBACK, min(onset + SLACK, view.at)
    candidates: list[_Candidate] = []

    def weigh(node: Node, when: int, weight: float, newest: bool = False) -> float:
        hours = max(onset - when, 0) / HOUR
        time = 1 / (1 + hours / 6)
        if newest and node.path and node.path[0].type in ("named", "related"):
            time = max(time, NAMED_FLOOR)
        return time * DISTANCE[node.distance] * weight * node.relevance

    act = ACTS.get(f.rule, ())
    for node in neighbours(view, f):
        window, before = view.history_window(node.key, start, end)
        previous = before
        told: set[str] = set()
        # another object's state; the subject's own is the symptom, not its cause
        state_of_others = node.key.kind in STATEFUL and node.distance > 0
        for rev in window:
            prev = previous if previous is not None and previous.uid == rev.uid else None
            previous = rev
            if state_of_others and prev is not None and rev.type == RevisionType.MODIFIED:
                for t in between(prev.doc, rev.doc):
                    told.add(t.summary)
                    candidates.append(
                        _Candidate(weigh(node, rev.at, t.weight), rev.at, node, rev, prev, t)
                    )
            if (
                prev is None
                and rev.type != RevisionType.DELETED
                and (_controlled(rev) or (node.distance == 0 and f.rule in NOT_FROM_CREATION))
            ):
                continue  # a controller's creation, or the subject's for these, is a consequence
            if prev is not None and rev.type == RevisionType.MODIFIED:
                paths = changed_paths(prev.doc, rev.doc)
                if node.distance == 0 and act and all(p.startswith(act) for p in paths):
                    continue
                weight = weight_of(rev, prev, paths)[0]
            else:
                weight = weight_of(rev, prev, ())[0]
            if weight == 0.0:
                continue
            when = _when(rev, prev)
            if when is None or not start <= when <= end:
                continue
            newest = rev is window[-1]
            candidates.append(_Candidate(weigh(node, when, weight, newest), when, node, rev, prev))
        now = view.get(node.key.kind, node.key.namespace, node.key.name, node.key.group)
        if state_of_others and now is not None:
            for t in dated(now.doc):  # a snapshot's states, dated by themselves
                if t.summary not in told and t.at is not None and start <= t.at <= end:
                    candidates.append(
                        _Candidate(weigh(node, t.at, t.weight), t.at, node, now, None, t)
                    )
    candidates.sort(key=lambda c: -c.score)
    out: list[Cause] = []
    audits: dict[ObjectKey, Any] = {}
    for c in candidates:
        if c.transition is not None:
            out.append(_transition_cause(len(out) + 1, c, onset))
        else:
            cause = _change_cause(view, len(out) + 1, c, onset, audits)
            if cause is None:
                continue
            out.append(cause)
        if len(out) == keep:
            break
    return out


def _change_cause(
    view: ClusterView, rank_: int, c: _Candidate, onset: int, audits: dict[ObjectKey, Any]
) -> Cause | None:
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
        att is not None and att.actors and all(a.channel == Channel.CONTROLLER for a in att.actors)
    ):
        return None
    if ch.previous is not None and not ch.patch and ch.revision.type == RevisionType.MODIFIED:
        return None
    return Cause(rank_, round(min(c.score, 1.0), 3), ch, _why(ch, c.node, word, onset - c.when), c.node.distance,
                 c.when, c.node.path)  # fmt: skip


def _transition_cause(rank_: int, c: _Candidate, onset: int) -> Cause:
    t = c.transition
    assert t is not None
    actor = Actor(t.reporter, "Update", Channel.CONTROLLER, t.reporter, "status")
    ch = Change(c.rev, c.previous, [], t.summary, (t.path,), Attribution((actor,), "status", True))
    before = onset - c.when
    when = f"{humanize_age(before)} before" if before >= NS else "as"
    state = t.summary.split(": ", 1)[-1]
    why = f"went {state} {when} the problem began: {c.node.relation}, reported by {t.reporter}"
    return Cause(
        rank_, round(min(c.score, 1.0), 3), ch, why, c.node.distance, c.when, c.node.path, True
    )


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
