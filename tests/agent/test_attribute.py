"""Pods from cgroups: the directory (with its TTL) and the attributor, on a cgroup tree on disk."""

from __future__ import annotations

import os
from pathlib import Path

from crumbs.activity import NodeEvent
from crumbs.agent.attribute import Attributor, PodDirectory
from crumbs.agent.cgroups import CgroupIndex

UID = "3f2b9c1e-7a4d-4e8b-9c0d-1a2b3c4d5e6f"
CID = "c" * 64


def pod(uid: str = UID, name: str = "web-1", cid: str = CID, scheme: str = "containerd") -> dict:
    return {
        "kind": "Pod",
        "metadata": {"namespace": "shop", "name": name, "uid": uid},
        "spec": {"nodeName": "node-1"},
        "status": {"containerStatuses": [{"name": "web", "containerID": f"{scheme}://{cid}"}]},
    }


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_deleted_pods_linger_for_the_ttl() -> None:
    clock = Clock()
    d = PodDirectory(ttl=60, clock=clock)
    d.update([pod()])
    assert d.container(CID).name == "web"  # type: ignore[union-attr]
    clock.now = 10
    d.update([])
    assert d.pod(UID) is not None and d.container(CID) is not None
    clock.now = 69
    d.update([])
    assert d.pod(UID) is not None
    clock.now = 71
    d.update([])
    assert d.pod(UID) is None and d.container(CID) is None


def test_events_are_attributed_from_the_cgroup_tree(tmp_path: Path) -> None:
    leaf = (
        tmp_path
        / "kubepods.slice"
        / f"kubepods-pod{UID.replace('-', '_')}.slice"
        / f"cri-containerd-{CID}.scope"
    )
    leaf.mkdir(parents=True)
    host = tmp_path / "system.slice" / "cron.service"
    host.mkdir(parents=True)
    other = tmp_path / "kubepods" / "pod11111111-2222-3333-4444-555555555555" / ("d" * 64)
    other.mkdir(parents=True)
    pods = PodDirectory()
    pods.update([pod()])
    a = Attributor(
        "node-1", CgroupIndex(str(tmp_path), min_interval=0), pods, proc=str(tmp_path / "noproc")
    )
    e = a.apply(NodeEvent(at=1, type="exec", cgroup=os.stat(leaf).st_ino, pid=5))
    assert (e.node, e.namespace, e.pod, e.pod_uid, e.container, e.container_id, e.host) == (
        "node-1", "shop", "web-1", UID, "web", f"containerd://{CID}", False,
    )  # fmt: skip
    h = a.apply(NodeEvent(at=1, type="exec", cgroup=os.stat(host).st_ino, pid=6))
    assert h.host and h.pod == "" and h.cgroup_path == "/system.slice/cron.service"
    # a pod the store does not know yet: its UID and container ID, not cached
    u = a.apply(NodeEvent(at=1, type="exec", cgroup=os.stat(other).st_ino, pid=7))
    assert u.pod_uid == "11111111-2222-3333-4444-555555555555" and u.pod == "" and not u.host
    assert u.container_id == "d" * 64 and a.unattributed == 1
    pods.update([pod(), pod("11111111-2222-3333-4444-555555555555", "late-1", "d" * 64, "cri-o")])
    a.forget()
    u2 = a.apply(NodeEvent(at=2, type="exec", cgroup=os.stat(other).st_ino, pid=7))
    assert (u2.pod, u2.container_id) == ("late-1", "cri-o://" + "d" * 64)


def test_v1_hosts_ask_the_process(tmp_path: Path) -> None:
    (tmp_path / "proc" / "42").mkdir(parents=True)
    (tmp_path / "proc" / "42" / "cgroup").write_text(
        f"4:memory:/kubepods/burstable/pod{UID}/{CID}\n0::/\n"
    )
    pods = PodDirectory()
    pods.update([pod()])
    a = Attributor("n", CgroupIndex(None), pods, proc=str(tmp_path / "proc"))
    e = a.apply(NodeEvent(at=1, type="exec", cgroup=1, pid=42))
    assert e.pod == "web-1" and not e.host
    gone = a.apply(NodeEvent(at=1, type="exec", cgroup=1, pid=43))
    assert gone.pod == "" and gone.cgroup_path == ""


def test_a_process_that_moves_into_a_container_is_attributed_to_it(tmp_path: Path) -> None:
    """runc's init (or `sh -c 'echo $$ > cgroup.procs; exec ...'`) runs on the host first, then joins."""
    leaf = tmp_path / "kubepods" / f"pod{UID}" / CID
    leaf.mkdir(parents=True)
    (tmp_path / "proc" / "42").mkdir(parents=True)
    (tmp_path / "proc" / "42" / "cgroup").write_text("0::/\n")
    pods = PodDirectory()
    pods.update([pod()])
    a = Attributor(
        "n", CgroupIndex(str(tmp_path), min_interval=0), pods, proc=str(tmp_path / "proc")
    )
    before = a.apply(NodeEvent(at=1, type="exec", cgroup=os.stat(tmp_path).st_ino, pid=42))
    assert before.host
    after = a.apply(NodeEvent(at=2, type="exec", cgroup=os.stat(leaf).st_ino, pid=42))
    assert after.pod == "web-1" and not after.host
    # on a v1-only host the pid is all there is: an exec re-reads it
    (tmp_path / "proc" / "42" / "cgroup").write_text(f"4:memory:/kubepods/pod{UID}/{CID}\n0::/\n")
    moved = a.apply(NodeEvent(at=3, type="exec", cgroup=os.stat(tmp_path).st_ino, pid=42))
    assert moved.pod == "web-1"
