"""The read-only cluster analyzers see: every object as of one time, indexed; history and events on demand.

A :class:`Source` provides the data (the store does; later a live cluster
will); analyzers see only this view, never the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Protocol

from crumbs.activity import NodeEvent
from crumbs.analyze.selectors import Requirement, matches
from crumbs.model import (
    AuditRecord,
    Obj,
    ObjectKey,
    Origin,
    StoredEvent,
    StoredLog,
    StoredRelease,
    StoredRevision,
    mapping,
    sequence,
)

EVENT_WINDOW = 6 * 3600 * 1_000_000_000
"""Events older than this before the view's time are not preloaded (history still reaches them)."""


class Source(Protocol):
    """Where a view's data come from."""

    def objects_at(self, at: int, namespace: str | None = None) -> Sequence[StoredRevision]: ...
    def history_of(self, key: ObjectKey) -> Sequence[StoredRevision]: ...
    def history_between(
        self, key: ObjectKey, start: int, end: int
    ) -> tuple[Sequence[StoredRevision], StoredRevision | None]:
        """An object's revisions in [start, end] and the one just before: a window of its history."""
        ...

    def events_between(
        self, start: int | None, end: int | None, namespace: str | None = None
    ) -> Sequence[StoredEvent]: ...
    def audit_of(self, key: ObjectKey) -> Sequence[AuditRecord]: ...
    def releases_at(self, at: int) -> Sequence[StoredRelease]: ...
    def deleted_between(
        self, start: int | None, end: int, namespace: str | None = None
    ) -> Sequence[StoredRevision]: ...
    def kinds_seen(self) -> Collection[str]:
        """Every kind the data has ever held, deleted objects included."""
        ...

    def node_events(self, start: int | None, end: int | None) -> Sequence[NodeEvent]:
        """What ran and talked on the nodes in [start, end] (``crumbs agent`` and importers)."""
        ...

    def logs_of(self, namespace: str, pod: str | None, end: int) -> Sequence[StoredLog]:
        """The log chunks kept of a pod (None: of every pod of the namespace), captured up to
        ``end``, oldest first (lines redacted)."""
        ...


GK = tuple[str, str]


class ClusterView:
    def __init__(self, source: Source, at: int, namespace: str | None = None) -> None:
        self.source = source
        self.at = at
        self.namespace = namespace
        self._by_kind: dict[str, list[StoredRevision]] = defaultdict(list)
        self._by_kind_ns: dict[tuple[str, str], list[StoredRevision]] = defaultdict(list)
        self._by_key: dict[tuple[str, str, str, str], StoredRevision] = {}
        self._by_label: dict[tuple[str, str, str, str], list[StoredRevision]] = defaultdict(list)
        for rev in source.objects_at(at, namespace):
            self.add(rev)
        if namespace:  # what acts on a namespace is partly cluster-scoped: Nodes, classes, webhooks
            for rev in source.objects_at(at, ""):
                self.add(rev)
        self._events: dict[ObjectKey, list[StoredEvent]] | None = None
        self._history: dict[ObjectKey, list[StoredRevision]] = {}
        self._releases: list[StoredRelease] | None = None
        self._kinds: Collection[str] | None = None
        self._deleted: list[StoredRevision] | None = None
        self._node_events: list[NodeEvent] | None = None
        self._owned_index: dict[tuple[str, str], dict[Any, list[StoredRevision]]] = {}
        self.memo: dict[object, Any] = {}
        """What analyses of this view compute and share (a change diffed for one finding's
        causes serves the next finding's): valid as long as the view."""

    def add(self, rev: StoredRevision) -> None:
        """Index an object. A manifest (declared) of an object also seen live is left out: what
        ran is what the analyzers judge; a manifest alone is judged as a declaration."""
        k = rev.key
        index = (k.group, k.kind, k.namespace, k.name)
        there = self._by_key.get(index)
        if there is not None:
            if rev.origin == Origin.DECLARED:
                return
            if there.origin == Origin.DECLARED:
                self._forget(there)
        self._by_kind[k.kind].append(rev)
        self._by_kind_ns[(k.kind, k.namespace)].append(rev)
        self._by_key[(k.group, k.kind, k.namespace, k.name)] = rev
        if k.kind == "Pod":
            for label, value in mapping(mapping(rev.doc.get("metadata")).get("labels")).items():
                self._by_label[(k.namespace, k.kind, label, str(value))].append(rev)

    def _forget(self, rev: StoredRevision) -> None:
        k = rev.key
        self._by_kind[k.kind].remove(rev)
        self._by_kind_ns[(k.kind, k.namespace)].remove(rev)
        if k.kind == "Pod":
            for label, value in mapping(mapping(rev.doc.get("metadata")).get("labels")).items():
                pool = self._by_label.get((k.namespace, k.kind, label, str(value)))
                if pool and rev in pool:
                    pool.remove(rev)

    # -- objects ---------------------------------------------------------------

    def live(self, kind: str, namespace: str | None = None) -> list[StoredRevision]:
        """Objects of ``kind`` seen in a cluster (manifests left out): for judging state."""
        return [r for r in self.objects(kind, namespace) if r.origin != Origin.DECLARED]

    def objects(
        self, kind: str, namespace: str | None = None, group: str | None = None
    ) -> list[StoredRevision]:
        if namespace is None:
            found = self._by_kind.get(kind, [])
        else:
            found = self._by_kind_ns.get((kind, namespace), [])
        if group is None:
            return found
        return [r for r in found if r.key.group == group]

    def kinds(self) -> list[str]:
        """The kinds the view holds objects of."""
        return [k for k, revs in self._by_kind.items() if revs]

    def kind_named(self, word: str) -> str | None:
        """The kind the view holds that ``word`` names: ``Pod``, ``pod``, ``pods``."""
        folded = word.lower()
        for kind in self.kinds():
            low = kind.lower()
            if folded in (low, low + "s", low + "es"):
                return kind
        return None

    def get(
        self, kind: str, namespace: str, name: str, group: str | None = None
    ) -> StoredRevision | None:
        if group is not None:
            return self._by_key.get((group, kind, namespace, name))
        for rev in self._by_kind_ns.get((kind, namespace), ()):
            if rev.key.name == name:
                return rev
        return None

    def find(self, kind: str, namespace: str, name: str) -> StoredRevision | None:
        """Like :meth:`get` for the usual group of a kind (fast path)."""
        group = _USUAL_GROUP.get(kind)
        if group is not None:
            return self._by_key.get((group, kind, namespace, name))
        return self.get(kind, namespace, name)

    def select(
        self, kind: str, namespace: str, requirements: list[Requirement]
    ) -> list[StoredRevision]:
        """Objects of a kind in a namespace whose labels satisfy the requirements."""
        if kind == "Pod":
            equal = [(k, next(iter(v))) for k, op, v in requirements if op == "In" and len(v) == 1]
            if equal:
                pools = [self._by_label.get((namespace, kind, k, v), []) for k, v in equal]
                smallest = min(pools, key=len)
                return [
                    r
                    for r in smallest
                    if matches(requirements, mapping(mapping(r.doc.get("metadata")).get("labels")))
                ]
        return [
            r
            for r in self.objects(kind, namespace)
            if matches(requirements, mapping(mapping(r.doc.get("metadata")).get("labels")))
        ]

    def owned_by(self, owner: StoredRevision, kind: str) -> list[StoredRevision]:
        """Objects of ``kind`` that name ``owner`` (by uid) among their owners. The index of a
        kind in a namespace is built on first use (owners are asked about again and again)."""
        index = self._owned_index.get((kind, owner.key.namespace))
        if index is None:
            index = self._owned_index[(kind, owner.key.namespace)] = defaultdict(list)
            for rev in self.objects(kind, owner.key.namespace):
                for uid in {
                    ref.get("uid")
                    for ref in sequence(mapping(rev.doc.get("metadata")).get("ownerReferences"))
                    if isinstance(ref, dict) and isinstance(ref.get("uid"), str)
                }:
                    index[uid].append(rev)
        return list(index.get(owner.uid, ()))

    def owner_of(self, rev: StoredRevision) -> StoredRevision | None:
        for ref in sequence(mapping(rev.doc.get("metadata")).get("ownerReferences")):
            if isinstance(ref, dict) and ref.get("controller") is True:
                found = self.find(str(ref.get("kind")), rev.key.namespace, str(ref.get("name")))
                if found is not None and (not ref.get("uid") or found.uid == ref.get("uid")):
                    return found
        return None

    # -- on demand -------------------------------------------------------------

    def knows(self, kind: str) -> bool:
        """Whether the data covers ``kind`` at all: objects of it exist now or did once.

        Guards "X refers to a missing Y": without any Y in the data (say, a
        namespace-only snapshot), "missing" would be a guess.
        """
        if self._by_kind.get(kind):
            return True
        if self._kinds is None:
            self._kinds = set(self.source.kinds_seen())
        return kind in self._kinds

    def events(self, key: ObjectKey) -> list[StoredEvent]:
        """Recent events of an object (the last hours before the view's time)."""
        if self._events is None:
            self._events = defaultdict(list)
            for ev in self.source.events_between(self.at - EVENT_WINDOW, self.at, self.namespace):
                self._events[ev.key].append(ev)
        return self._events.get(key, [])

    def node_events(self) -> list[NodeEvent]:
        """Node events of the last hours before the view's time, oldest first."""
        if self._node_events is None:
            self._node_events = [
                e
                for e in self.source.node_events(self.at - EVENT_WINDOW, self.at)
                if self.namespace is None or e.namespace in (self.namespace, "")
            ]
        return self._node_events

    def logs(self, namespace: str, pod: str | None) -> list[StoredLog]:
        """The log chunks kept of a pod (None: of every pod of the namespace, those gone
        included) up to the view's time, oldest first."""
        key = ("logs", namespace, pod)
        if key not in self.memo:
            self.memo[key] = list(self.source.logs_of(namespace, pod, self.at))
        found: list[StoredLog] = self.memo[key]
        return found

    def history(self, key: ObjectKey) -> list[StoredRevision]:
        """Every revision of an object up to the view's time, all incarnations, oldest first."""
        if key not in self._history:
            self._history[key] = [r for r in self.source.history_of(key) if r.at <= self.at]
        return self._history[key]

    def history_window(
        self, key: ObjectKey, start: int, end: int
    ) -> tuple[Sequence[StoredRevision], StoredRevision | None]:
        """An object's revisions in [start, min(end, at)] and the one before them: what a
        question about a time window needs, read without the rest of a long history."""
        end = min(end, self.at)
        full = self._history.get(key)
        if full is None:
            return self.source.history_between(key, start, end)
        inside = [r for r in full if start <= r.at <= end]
        before = [r for r in full if r.at < start]
        return inside, before[-1] if before else None

    def releases(self) -> list[StoredRelease]:
        if self._releases is None:
            self._releases = list(self.source.releases_at(self.at))
        return self._releases

    def deleted(self, since: int | None = None) -> list[StoredRevision]:
        """Objects deleted in [since, at] and not re-created since, as they were when deleted."""
        if self._deleted is None:
            self._deleted = [
                d
                for d in self.source.deleted_between(None, self.at, self.namespace)
                if self.get(d.key.kind, d.key.namespace, d.key.name, d.key.group) is None
            ]
        if since is None:
            return self._deleted
        return [d for d in self._deleted if d.at >= since]

    def deleted_object(self, kind: str, namespace: str, name: str) -> StoredRevision | None:
        """A deleted (and not re-created) object of that kind and name, as it was when deleted."""
        return next(
            (
                d
                for d in self.deleted()
                if d.key.kind == kind and d.key.namespace == namespace and d.key.name == name
            ),
            None,
        )

    @property
    def cluster_version(self) -> str | None:
        """The cluster's Kubernetes version as far as the data says (:meth:`version_evidence`)."""
        return self.version_evidence()[0]

    def version_evidence(self) -> tuple[str | None, str]:
        """The version and how it is known: the highest kubelet version among the Nodes (the API
        server is at least as new); without Nodes, the tag of the control plane's or kube-proxy's
        image in kube-system (kubeadm and most distributions tag them with the release)."""
        versions = [
            str(mapping(mapping(n.doc.get("status")).get("nodeInfo")).get("kubeletVersion") or "")
            for n in self.objects("Node")
        ]
        parsed = [v for v in (parse_version(v) for v in versions) if v]
        if parsed:
            return _shown(max(parsed)), "the Nodes' kubelet versions"
        tags: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for kind in ("Pod", "DaemonSet", "Deployment"):
            for rev in self.objects(kind, "kube-system"):
                for image in _images(rev.doc):
                    repo, _, tag = image.split("@", 1)[0].rpartition(":")
                    name = repo.rsplit("/", 1)[-1]
                    version = parse_version(tag) if name in CONTROL_PLANE_IMAGES else None
                    if version:
                        tags[name].append(version)
        for name in CONTROL_PLANE_IMAGES:
            if tags[name]:
                return _shown(max(tags[name])), f"the {name} image"
        return None, ""


_USUAL_GROUP = {
    "Pod": "", "Service": "", "ConfigMap": "", "Secret": "", "ServiceAccount": "", "PersistentVolumeClaim": "",
    "PersistentVolume": "", "Node": "", "Namespace": "", "Endpoints": "", "Deployment": "apps", "ReplicaSet": "apps",
    "StatefulSet": "apps", "DaemonSet": "apps", "Job": "batch", "CronJob": "batch", "EndpointSlice": "discovery.k8s.io",
    "StorageClass": "storage.k8s.io", "IngressClass": "networking.k8s.io", "PriorityClass": "scheduling.k8s.io",
}  # fmt: skip


CONTROL_PLANE_IMAGES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
"""Images tagged with the cluster's release, in the order they are believed (the API server's first)."""


def _shown(v: tuple[int, int, int]) -> str:
    return f"v{v[0]}.{v[1]}.{v[2]}"


def _images(doc: Obj) -> list[str]:
    spec = mapping(doc.get("spec"))
    if doc.get("kind") != "Pod":
        spec = mapping(mapping(mapping(spec.get("template")).get("spec")))
    return [str(c.get("image") or "") for c in spec.get("containers") or [] if isinstance(c, dict)]


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``v1.29.3-eks-abc`` → (1, 29, 3)."""
    import re

    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def labels_of(doc: Obj) -> dict[str, Any]:
    return mapping(mapping(doc.get("metadata")).get("labels"))


def by_uid(revisions: Iterable[StoredRevision]) -> dict[str, StoredRevision]:
    return {r.uid: r for r in revisions if r.uid}
