"""Objects without apiVersion/kind get their identity from selfLink or the archive path
(must-gather and `oc adm inspect` layouts, Insights archives), never a guess."""

from __future__ import annotations

from pathlib import Path

import yaml

from crumbs.formats.reader import read_paths
from crumbs.model import NotKubernetes, Revision


def _write(root: Path, rel: str, value: object) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(value))


def _meta(name: str, ns: str | None = None) -> dict:
    md = {
        "name": name,
        "uid": f"u-{name}",
        "resourceVersion": "1",
        "creationTimestamp": "2026-11-01T00:00:00Z",
    }
    return {**md, "namespace": ns} if ns else md


def _identities(root: Path) -> set[tuple[str, str, str, str]]:
    return {
        (r.key.group, r.key.kind, r.key.namespace, r.key.name)
        for r in read_paths([str(root)])
        if isinstance(r, Revision)
    }


def test_must_gather_layouts(tmp_path: Path) -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": _meta("widgets.example.com"),
           "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"}}}  # fmt: skip
    _write(
        tmp_path,
        "cluster-scoped-resources/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com.yaml",
        crd,
    )
    _write(
        tmp_path,
        "cluster-scoped-resources/storage.k8s.io/storageclasses/gp3.yaml",
        {"metadata": _meta("gp3"), "provisioner": "ebs.csi.aws.com"},
    )
    _write(
        tmp_path,
        "cluster-scoped-resources/core/nodes/node-1.yaml",
        {"metadata": _meta("node-1"), "status": {}},
    )
    # lists: the plural is the file's name, the group the directory's (core: the empty group)
    _write(
        tmp_path,
        "namespaces/shop/apps/deployments.yaml",
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [{"metadata": _meta("api", "shop"), "spec": {}}],
        },
    )
    _write(
        tmp_path,
        "namespaces/shop/batch/cronjobs.yaml",
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [{"metadata": _meta("nightly", "shop"), "spec": {}}],
        },
    )
    _write(
        tmp_path,
        "namespaces/shop/core/services.yaml",
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [{"metadata": _meta("web", "shop"), "spec": {}}],
        },
    )
    # one object per file; a pod named like a plural stays a pod
    _write(
        tmp_path,
        "namespaces/shop/core/pods/services.yaml",
        {"metadata": _meta("services", "shop"), "status": {"phase": "Running"}},
    )
    _write(
        tmp_path,
        "namespaces/shop/example.com/widgets/w1.yaml",
        {"metadata": _meta("w1", "shop"), "spec": {}},
    )
    # the namespace itself, as oc adm inspect writes it
    _write(
        tmp_path,
        "namespaces/shop/shop.yaml",
        {"metadata": _meta("shop"), "status": {"phase": "Active"}},
    )
    assert _identities(tmp_path) == {
        ("apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com"),
        ("storage.k8s.io", "StorageClass", "", "gp3"),
        ("", "Node", "", "node-1"),
        ("apps", "Deployment", "shop", "api"),
        ("batch", "CronJob", "shop", "nightly"),
        ("", "Service", "shop", "web"),
        ("", "Pod", "shop", "services"),
        ("example.com", "Widget", "shop", "w1"),
        ("", "Namespace", "", "shop"),
    }


def test_selflink_and_what_cannot_be_told(tmp_path: Path) -> None:
    md = {**_meta("api", "shop"), "selfLink": "/apis/apps/v1/namespaces/shop/deployments/api"}
    _write(tmp_path, "anywhere/api.yaml", {"metadata": md, "spec": {}})
    _write(tmp_path, "anywhere/mystery.yaml", {"metadata": _meta("m", "shop"), "spec": {}})
    records = list(
        read_paths(
            [str(tmp_path / "anywhere" / "api.yaml"), str(tmp_path / "anywhere" / "mystery.yaml")]
        )
    )
    (rev,) = [r for r in records if isinstance(r, Revision)]
    assert (rev.key.group, rev.key.kind, rev.doc["apiVersion"]) == ("apps", "Deployment", "apps/v1")
    (unknown,) = [r for r in records if isinstance(r, NotKubernetes)]
    assert "mystery.yaml" in unknown.where and "do not tell its kind" in unknown.message
