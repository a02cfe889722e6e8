"""The state behind the fake API server: resources, objects, the change log, faults.

Every change gets the next resourceVersion, as etcd numbers them; the log per
resource is what watches replay (compaction empties it: older watches get a
410), and ``history`` keeps every change for the tests' ground truth.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

TOKEN = "crumbs-test-token"


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    verbs: tuple[str, ...] = ("create", "delete", "get", "list", "patch", "update", "watch")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gr(self) -> tuple[str, str]:
        return (self.group, self.plural)


CORE = [
    Resource("", "v1", "Namespace", "namespaces", namespaced=False),
    Resource("", "v1", "Pod", "pods"),
    Resource("", "v1", "Service", "services"),
    Resource("", "v1", "ConfigMap", "configmaps"),
    Resource("", "v1", "Secret", "secrets"),
    Resource("", "v1", "Event", "events"),
    Resource("", "v1", "Node", "nodes", namespaced=False),
    Resource("", "v1", "Binding", "bindings", verbs=("create",)),
    Resource("apps", "v1", "Deployment", "deployments"),
    Resource("apps", "v1", "ReplicaSet", "replicasets"),
    Resource("batch", "v1", "CronJob", "cronjobs"),
    Resource("batch", "v1", "Job", "jobs"),
    Resource("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced=False, verbs=("create",)),
]  # fmt: skip


def status(code: int, reason: str, message: str, **details: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": message, "reason": reason, "code": code}  # fmt: skip
    if details:
        out["details"] = details
    return out


@dataclass
class Faults:
    drop_every: int = 0
    """Close each watch connection abruptly after this many events (0: never)."""
    gone_after: int = 0
    """Send a 410 ERROR event after this many events on a watch, once (0: never)."""
    slow: float = 0.0
    """Seconds to wait before answering any request."""
    bookmark_every: float = 0.2
    """Seconds of quiet on a watch before a BOOKMARK."""
    expire_continue: int = 0
    """Answer this many continue tokens with 410 Expired, as after a compaction mid-list."""
    endless: set[str] = field(default_factory=set)
    """Plurals whose lists (and watches) never end: a body that streams forever (hostile)."""


@dataclass
class Change:
    rv: int
    resource: Resource
    type: str
    obj: dict[str, Any]


class FakeCluster:
    """The state behind the server: objects, the change log, compaction, RBAC."""

    def __init__(self, resources: list[Resource] | None = None) -> None:
        self.resources = list(resources or CORE)
        self.by_path = {r.gr: r for r in self.resources}
        self.cond = threading.Condition()
        self.rv = 1000
        self.objects: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {
            r.gr: {} for r in self.resources
        }
        self.log: dict[tuple[str, str], list[Change]] = {r.gr: [] for r in self.resources}
        self.history: list[Change] = []
        """Every change ever made, never compacted: the ground truth of the tests."""
        self.compacted = 0
        self.forbidden: set[tuple[str, str]] = set()
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []
        self.gone_sent = False
        self.container_logs: dict[tuple[str, str, str, bool], list[tuple[str, str]]] = {}
        self.served_logs: list[bytes] = []
        """Every log body GET pods/log answered, in order (tests compare them with what was stored)."""
        """(namespace, pod, container, previous) → (RFC 3339 time, line): what pods/log serves."""

    def set_log(self, namespace: str, pod: str, container: str, lines: list[tuple[str, str]], previous: bool = False) -> None:  # fmt: skip
        """The log a container (its current run, or with ``previous`` the run before) wrote."""
        with self.cond:
            self.container_logs[(namespace, pod, container, previous)] = list(lines)

    # -- changes -----------------------------------------------------------

    def resource(self, kind: str) -> Resource:
        return next(r for r in self.resources if r.kind == kind)

    def add_resource(self, res: Resource) -> None:
        """A CRD being established: discovery serves it from now on."""
        with self.cond:
            self.resources.append(res)
            self.by_path[res.gr] = res
            self.objects[res.gr] = {}
            self.log[res.gr] = []

    def _commit(self, res: Resource, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if type_ == "DELETED":
            self.objects[res.gr].pop(key, None)
        else:
            self.objects[res.gr][key] = obj
        self.log[res.gr].append(Change(self.rv, res, type_, obj))
        self.history.append(self.log[res.gr][-1])
        self.cond.notify_all()
        return copy.deepcopy(obj)

    def create(
        self, kind: str, name: str, namespace: str = "default", **fields: Any
    ) -> dict[str, Any]:
        res = self.resource(kind)
        md: dict[str, Any] = {
            "name": name,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "generation": 1,
        }
        if res.namespaced:
            md["namespace"] = namespace
        obj = {"apiVersion": res.api_version, "kind": kind, "metadata": md, **fields}
        with self.cond:
            if (md.get("namespace", ""), name) in self.objects[res.gr]:
                raise ValueError(f"{kind} {name} already exists")
            return self._commit(res, "ADDED", obj)

    def _existing(self, res: Resource, obj: dict[str, Any]) -> None:
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if key not in self.objects[res.gr]:
            raise KeyError(f"{obj['kind']} {key[1]} not found")

    def update(self, obj: dict[str, Any], **fields: Any) -> dict[str, Any]:
        res = self.resource(obj["kind"])
        new = copy.deepcopy(obj)
        new.update(fields)
        with self.cond:
            self._existing(res, obj)
            return self._commit(res, "MODIFIED", new)

    def delete(self, obj: dict[str, Any]) -> dict[str, Any]:
        res = self.resource(obj["kind"])
        with self.cond:
            self._existing(res, obj)
            return self._commit(res, "DELETED", copy.deepcopy(obj))

    def compact(self) -> None:
        """etcd compaction: watches from before now get 410 Gone (and the history is forgotten)."""
        with self.cond:
            self.compacted = self.rv
            for gr in self.log:
                self.log[gr] = []

    def current(self) -> dict[tuple[str, str, str, str], str]:
        """(group, kind, namespace, name) → resourceVersion of every object now."""
        with self.cond:
            return {
                (gr[0], self.by_path[gr].kind, ns, name): obj["metadata"]["resourceVersion"]
                for gr, objs in self.objects.items()
                for (ns, name), obj in objs.items()
            }

    # -- reading -----------------------------------------------------------

    def snapshot(self, res: Resource, namespace: str | None) -> tuple[int, list[dict[str, Any]]]:
        with self.cond:
            items = [
                copy.deepcopy(o)
                for (ns, _), o in sorted(self.objects[res.gr].items())
                if namespace is None or ns == namespace
            ]
            return self.rv, items

    def changes_after(self, res: Resource, namespace: str | None, rv: int) -> list[Change]:
        """Changes of ``res`` after resourceVersion ``rv`` (call with the lock held)."""
        log = self.log[res.gr]
        start = bisect.bisect_right(log, rv, key=lambda c: c.rv)
        return [
            c
            for c in log[start:]
            if namespace is None or c.obj["metadata"].get("namespace") == namespace
        ]


def pod(name: str, image: str = "nginx:1.25", **extra: Any) -> dict[str, Any]:
    return {
        "spec": {"containers": [{"name": "main", "image": image}]},
        "status": {"phase": "Running"},
        **extra,
    }


def script(
    cluster: FakeCluster,
    steps: int,
    seed: int = 1,
    kinds: tuple[str, ...] = ("Pod", "ConfigMap", "Deployment"),
) -> Iterator[None]:
    """A random but reproducible story of creates, updates and deletes, one change per step."""
    import random

    rng = random.Random(seed)
    alive: list[dict[str, Any]] = []
    for i in range(steps):
        r = rng.random()
        if not alive or r < 0.35:
            kind = rng.choice(kinds)
            alive.append(
                cluster.create(
                    kind,
                    f"{kind.lower()}-{cluster.rv + 1}",
                    rng.choice(["default", "shop"]),
                    spec={"n": i},
                )
            )
        elif r < 0.85:
            j = rng.randrange(len(alive))
            try:
                alive[j] = cluster.update(alive[j], spec={"n": i})
            except KeyError:  # deleted behind the script's back (a test did)
                alive.pop(j)
        else:
            with contextlib.suppress(KeyError):
                cluster.delete(alive.pop(rng.randrange(len(alive))))
        yield
