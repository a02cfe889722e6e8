"""Which container and pod a cgroup belongs to, from its path, for every runtime and driver.

The kernel hands eBPF programs a cgroup id: the inode number of the cgroup's
directory in the cgroup v2 hierarchy. :class:`CgroupIndex` maps ids to paths
by walking that hierarchy (again, at most once a second, when an id is new);
:func:`parse_path` reads the pod UID and container ID out of a path, as the
kubelet lays them out:

==========================  =====================================================================
systemd driver, containerd  ``/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope``
systemd driver, CRI-O       ``…/kubepods-pod<uid_>.slice/crio-<id>.scope``
systemd driver, Docker      ``…/kubepods-besteffort-pod<uid_>.slice/docker-<id>.scope``
cgroupfs driver             ``/kubepods/burstable/pod<uid>/<id>`` (CRI-O: ``crio-<id>``)
==========================  =====================================================================

On cgroup v1 the same paths appear in ``/proc/<pid>/cgroup`` under each
controller (:func:`v1_path`).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

_POD = re.compile(
    r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:/|$)"
)
_CONTAINER = re.compile(
    r"/(cri-containerd-|crio-|docker-|containerd-|libpod-)?([0-9a-f]{64})(?:\.scope)?(?:/.*)?$"
)
_RUNTIME = {
    "cri-containerd-": "containerd",
    "containerd-": "containerd",
    "crio-": "cri-o",
    "docker-": "docker",
    "libpod-": "cri-o",
}


@dataclass(frozen=True, slots=True)
class CgroupInfo:
    path: str
    pod_uid: str = ""
    container_id: str = ""
    """The bare 64-hex id."""
    runtime: str = ""
    """``containerd``, ``cri-o``, ``docker``; empty under the cgroupfs driver (ids say nothing)."""

    @property
    def kubepods(self) -> bool:
        return bool(self.pod_uid)


def parse_path(path: str) -> CgroupInfo:
    """The pod UID and container ID a cgroup path names (empty when it names none)."""
    pod = _POD.search(path)
    if pod is None:
        return CgroupInfo(path)
    uid = pod.group(1).replace("_", "-")
    tail = path[pod.end() - 1 :] if path[pod.end() - 1 : pod.end()] == "/" else ""
    c = _CONTAINER.search(tail) if tail else None
    if c is None:
        return CgroupInfo(path, uid)
    return CgroupInfo(path, uid, c.group(2), _RUNTIME.get(c.group(1) or "", ""))


def v1_path(proc_cgroup: str) -> str:
    """The kubepods path in a ``/proc/<pid>/cgroup`` text (v1 or v2 lines), or the v2 one."""
    fallback = ""
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if "kubepods" in parts[2]:
            return parts[2]
        if parts[0] == "0":
            fallback = parts[2]
    return fallback


def cgroup2_mount(mounts: str | None = None) -> str | None:
    """Where the cgroup v2 hierarchy is mounted (``/sys/fs/cgroup``, or ``…/unified`` on hybrid hosts)."""
    if mounts is None:
        try:
            with open("/proc/self/mounts") as f:
                mounts = f.read()
        except OSError:
            return None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == "cgroup2":
            return fields[1]
    return None


class CgroupIndex:
    """cgroup id (inode) → path relative to the v2 mount; re-walks on a miss, at most once per ``min_interval``."""

    def __init__(self, root: str | None, min_interval: float = 1.0) -> None:
        self.root = root
        self.min_interval = min_interval
        self._paths: dict[int, str] = {}
        self._walked = 0.0
        self.walks = 0
        if root:
            self.refresh()

    def refresh(self) -> None:
        if not self.root:
            return
        paths: dict[int, str] = {}
        root = self.root
        stack = [root]
        while stack:
            d = stack.pop()
            try:
                paths[os.stat(d).st_ino] = d[len(root) :] or "/"
                with os.scandir(d) as it:
                    stack.extend(e.path for e in it if e.is_dir(follow_symlinks=False))
            except OSError:
                continue  # a cgroup removed while walking
        self._paths = paths
        self._walked = time.monotonic()
        self.walks += 1

    def path(self, cgroup_id: int) -> str | None:
        p = self._paths.get(cgroup_id)
        if p is None and self.root and time.monotonic() - self._walked >= self.min_interval:
            self.refresh()
            p = self._paths.get(cgroup_id)
        return p
