"""The cluster's version from what the data holds: the Nodes' kubelets, else the control plane's
or kube-proxy's image tag in kube-system (issue 21, item 4) — and ``info`` says which."""

from __future__ import annotations

import json
from pathlib import Path


def _daemonset(name: str, image: str, ns: str = "kube-system") -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": ns, "uid": f"u-{name}-{ns}",
            "resourceVersion": "1", "creationTimestamp": "2020-06-03T10:00:00Z"},
            "spec": {"template": {"spec": {"containers": [{"name": name, "image": image}]}}}}  # fmt: skip


def _pod(name: str, image: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "kube-system", "uid": f"u-{name}",
            "resourceVersion": "2", "creationTimestamp": "2020-06-03T10:00:00Z"},
            "spec": {"containers": [{"name": "c", "image": image}]}, "status": {"phase": "Running"}}  # fmt: skip


def _info(cli, tmp_path: Path, docs: list[dict]) -> dict:
    (tmp_path / "objects.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    )
    assert cli("ingest", str(tmp_path / "objects.json")).code == 0
    return cli("info", "-o", "json").json()["clusters"][0]


def test_without_nodes_kube_proxys_image_says_the_version(cli, tmp_path: Path) -> None:
    facts = _info(cli, tmp_path, [_daemonset("kube-proxy", "k8s.gcr.io/kube-proxy:v1.16.7"),
                                  _daemonset("kube-proxy", "example.com/kube-proxy:v1.99.0", ns="other")])  # fmt: skip
    assert (facts["version"], facts["versionFrom"]) == (
        "v1.16.7",
        "the kube-proxy image",
    )  # kube-system's only
    assert "Kubernetes v1.16.7 (from the kube-proxy image)" in cli("info").out


def test_the_api_servers_image_comes_before_kube_proxys(cli, tmp_path: Path) -> None:
    facts = _info(cli, tmp_path, [_daemonset("kube-proxy", "registry.k8s.io/kube-proxy:v1.28.4"),
                                  _pod("kube-apiserver-cp-1", "registry.k8s.io/kube-apiserver:v1.29.1@sha256:" + "a" * 64)])  # fmt: skip
    assert (facts["version"], facts["versionFrom"]) == ("v1.29.1", "the kube-apiserver image")


def test_nodes_say_it_first_and_nothing_says_unknown(cli, tmp_path: Path) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "n1", "resourceVersion": "3"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.30.2"}}}  # fmt: skip
    facts = _info(
        cli, tmp_path, [node, _daemonset("kube-proxy", "registry.k8s.io/kube-proxy:v1.28.4")]
    )
    assert (facts["version"], facts["versionFrom"]) == ("v1.30.2", "the Nodes' kubelet versions")
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.json").write_text(json.dumps(_daemonset("cilium", "quay.io/cilium/cilium:v1.14.0")))
    assert cli("ingest", str(other / "x.json"), db=str(tmp_path / "b.db")).code == 0
    alone = cli("info", "-o", "json", db=str(tmp_path / "b.db")).json()["clusters"][0]
    assert (alone["version"], alone["versionFrom"]) == (None, None)
