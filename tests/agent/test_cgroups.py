"""cgroup paths to pods, for each runtime and cgroup driver; the inode index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crumbs.agent.cgroups import CgroupIndex, cgroup2_mount, parse_path, v1_path

UID = "3f2b9c1e-7a4d-4e8b-9c0d-1a2b3c4d5e6f"
CID = "a" * 64


@pytest.mark.parametrize(
    ("path", "runtime"),
    [
        # systemd driver (cgroup v2 and v1 alike), one per runtime
        (
            f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID.replace('-', '_')}.slice/cri-containerd-{CID}.scope",
            "containerd",
        ),
        (f"/kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice/crio-{CID}.scope", "cri-o"),
        (
            f"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID.replace('-', '_')}.slice/docker-{CID}.scope",
            "docker",
        ),
        # cgroupfs driver
        (f"/kubepods/burstable/pod{UID}/{CID}", ""),
        (f"/kubepods/pod{UID}/crio-{CID}", "cri-o"),
        # kind / nested under the runtime's own slice
        (
            f"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID.replace('-', '_')}.slice/cri-containerd-{CID}.scope",
            "containerd",
        ),
    ],
)
def test_every_layout_names_the_pod_and_container(path: str, runtime: str) -> None:
    info = parse_path(path)
    assert (info.pod_uid, info.container_id, info.runtime) == (UID, CID, runtime)


def test_pod_level_host_and_conmon_cgroups() -> None:
    pod_only = parse_path(f"/kubepods/burstable/pod{UID}")
    assert pod_only.pod_uid == UID and pod_only.container_id == ""
    assert not parse_path("/system.slice/kubelet.service").kubepods
    assert not parse_path("/").kubepods
    conmon = parse_path(
        f"/kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice/crio-conmon-{CID}.scope"
    )
    assert conmon.pod_uid == UID and conmon.container_id == ""


def test_v1_proc_cgroup_lines() -> None:
    text = f"12:memory:/kubepods/burstable/pod{UID}/{CID}\n1:name=systemd:/kubepods/burstable/pod{UID}/{CID}\n0::/\n"
    assert parse_path(v1_path(text)).pod_uid == UID
    assert v1_path("0::/system.slice/cron.service\n") == "/system.slice/cron.service"


def test_the_cgroup2_mount_is_found_on_pure_and_hybrid_hosts() -> None:
    assert cgroup2_mount("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n") == "/sys/fs/cgroup"
    hybrid = "tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
    assert cgroup2_mount(hybrid) == "/sys/fs/cgroup/unified"
    assert cgroup2_mount("proc /proc proc rw 0 0\n") is None


def test_the_index_maps_inodes_to_paths_and_rewalks_on_a_miss(tmp_path: Path) -> None:
    leaf = tmp_path / "kubepods" / f"pod{UID}" / CID
    leaf.mkdir(parents=True)
    index = CgroupIndex(str(tmp_path), min_interval=0)
    assert index.path(os.stat(leaf).st_ino) == f"/kubepods/pod{UID}/{CID}"
    assert index.path(os.stat(tmp_path).st_ino) == "/"
    later = tmp_path / "kubepods" / f"pod{UID}" / ("b" * 64)
    later.mkdir()
    assert index.path(os.stat(later).st_ino) == f"/kubepods/pod{UID}/{'b' * 64}"
    assert index.walks == 2
    assert index.path(123456789) is None
