"""Tie a node event to its pod: cgroup id → cgroup path → container ID and pod UID → the Pod object.

Pods come from the store (``crumbs watch`` or ``crumbs ingest`` wrote them) and
are matched by ``status.containerStatuses[].containerID`` and
``metadata.uid``. A pod that disappears stays known for ``ttl`` seconds, so
the late events of a pod that was just deleted are still attributed. A
process outside ``kubepods`` is the host's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from crumbs.activity import NodeEvent
from crumbs.agent.cgroups import CgroupIndex, CgroupInfo, parse_path, v1_path
from crumbs.model import Obj, mapping, sequence


@dataclass(frozen=True, slots=True)
class PodRef:
    namespace: str
    name: str
    uid: str
    node: str = ""


@dataclass(frozen=True, slots=True)
class ContainerRef:
    pod: PodRef
    name: str
    id: str
    """As the Pod status writes it: ``containerd://<64 hex>``."""


class PodDirectory:
    """Pods by UID and containers by bare ID; what vanished is kept for ``ttl`` seconds."""

    def __init__(self, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._pods: dict[str, PodRef] = {}
        self._containers: dict[str, ContainerRef] = {}
        self._gone: dict[str, float] = {}
        """uid → when it was last seen, for pods no longer listed."""

    def update(self, pods: Iterable[Obj]) -> None:
        """Replace the directory with these Pod objects (the previous ones linger ``ttl``)."""
        now = self.clock()
        pods_by_uid: dict[str, PodRef] = {}
        containers: dict[str, ContainerRef] = {}
        for doc in pods:
            meta = mapping(doc.get("metadata"))
            uid = meta.get("uid")
            if not isinstance(uid, str) or not uid:
                continue
            ref = PodRef(
                str(meta.get("namespace") or ""),
                str(meta.get("name") or ""),
                uid,
                str(mapping(doc.get("spec")).get("nodeName") or ""),
            )
            pods_by_uid[uid] = ref
            st = mapping(doc.get("status"))
            for field in (
                "initContainerStatuses",
                "containerStatuses",
                "ephemeralContainerStatuses",
            ):
                for cs in sequence(st.get(field)):
                    cid = mapping(cs).get("containerID")
                    if isinstance(cid, str) and "://" in cid:
                        containers[cid.split("://", 1)[1]] = ContainerRef(
                            ref, str(mapping(cs).get("name") or ""), cid
                        )
        for uid, ref in self._pods.items():
            if uid not in pods_by_uid:
                since = self._gone.get(uid, now)
                if now - since < self.ttl:
                    pods_by_uid[uid] = ref
                    self._gone[uid] = since
        for cid, cref in self._containers.items():
            if cid not in containers and cref.pod.uid in pods_by_uid:
                containers[cid] = cref  # its pod lingers
        self._gone = {u: t for u, t in self._gone.items() if u in pods_by_uid}
        self._pods = pods_by_uid
        self._containers = containers

    def pod(self, uid: str) -> PodRef | None:
        return self._pods.get(uid)

    def container(self, bare_id: str) -> ContainerRef | None:
        return self._containers.get(bare_id)

    def __len__(self) -> int:
        return len(self._pods)


_SCHEME = {"containerd": "containerd://", "cri-o": "cri-o://", "docker": "docker://"}


class Attributor:
    """Fills ``NodeEvent``'s node, cgroup, container and pod fields; cached per cgroup id."""

    def __init__(
        self,
        node: str,
        index: CgroupIndex,
        pods: PodDirectory,
        proc: str = "/proc",
    ) -> None:
        self.node = node
        self.index = index
        self.pods = pods
        self.proc = proc
        self._cache: dict[int, tuple[str, str, str, str, str, str, bool]] = {}
        """By cgroup id, or by -pid where only the process could tell."""
        self.unattributed = 0

    def forget(self) -> None:
        """Drop the per-cgroup cache (after the pod directory changed)."""
        self._cache.clear()

    def _info(self, path: str | None, pid: int) -> CgroupInfo:
        if path is None or (path == "/" and pid):
            # cgroup v1 only (or the v2 root on a hybrid host): ask the process itself.
            try:
                with open(f"{self.proc}/{pid}/cgroup") as f:
                    path = v1_path(f.read()) or path
            except OSError:
                pass
        return parse_path(path) if path else CgroupInfo("")

    def resolve(
        self, cgroup_id: int, pid: int, fresh: bool = False
    ) -> tuple[str, str, str, str, str, str, bool]:
        """(cgroup path, container ID, pod UID, namespace, pod, container, host).

        Cached by cgroup id; where only the process can tell (cgroup v1, or the
        v2 root of a hybrid host) by pid, re-read on ``fresh`` (an exec: runc's
        init joins the container's cgroups, then execs).
        """
        hit = self._cache.get(cgroup_id)
        if hit is not None:
            return hit
        known = self.index.path(cgroup_id) if cgroup_id else None
        if known and known != "/":
            key = cgroup_id
        else:
            key = -pid
            hit = None if fresh else self._cache.get(key)
            if hit is not None:
                return hit
        info = self._info(known, pid)
        if not info.kubepods:
            out = (info.path, "", "", "", "", "", bool(info.path))
        else:
            cref = self.pods.container(info.container_id) if info.container_id else None
            if cref is not None:
                p = cref.pod
                out = (info.path, cref.id, p.uid, p.namespace, p.name, cref.name, False)
            else:
                pref = self.pods.pod(info.pod_uid)
                cid = _SCHEME.get(info.runtime, "") + info.container_id if info.container_id else ""
                if pref is None:
                    self.unattributed += 1
                    return (info.path, cid, info.pod_uid, "", "", "", False)  # the pod may come
                out = (info.path, cid, pref.uid, pref.namespace, pref.name, "", False)
        if len(self._cache) > 65536:
            self._cache.clear()
        self._cache[key] = out
        return out

    def apply(self, e: NodeEvent) -> NodeEvent:
        (
            e.cgroup_path,
            e.container_id,
            e.pod_uid,
            e.namespace,
            e.pod,
            e.container,
            e.host,
        ) = self.resolve(e.cgroup, e.pid, e.type == "exec")
        e.node = self.node
        return e
