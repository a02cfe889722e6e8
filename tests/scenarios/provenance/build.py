#!/usr/bin/env python3
"""Writes the provenance scenario recordings (watch-event JSON lines) beside this file.

Each scenario is a short history of one object, with managedFields as the API
server writes them; ``expected.yaml`` says who each change must be attributed to.
Run it again after changing a scenario; the files are committed.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))

from watchlog import WatchLog, mf  # noqa: E402

HERE = Path(__file__).parent


def entry(
    manager: str, time: str, fields: dict[str, Any], op: str = "Update", sub: str = ""
) -> dict[str, Any]:
    return mf(manager, time, fields, op, sub, api="apps/v1")


def deployment(
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    image: str,
    replicas: int,
    created: str,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "apps", "uid": f"uid-{name}", "creationTimestamp": created, "resourceVersion": "1",
                     "labels": labels, "annotations": annotations, "managedFields": []},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": name, "image": image}]}}},
    }  # fmt: skip


SPEC = {
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}}
            },
        },
    }
}
REPLICAS = {"f:spec": {"f:replicas": {}}}
IMAGE = {
    "f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}}}
}


def without(fields: dict[str, Any], path: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(fields)
    node = out
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return out


def recorder() -> WatchLog:
    return WatchLog(HERE, rv=100, step=1, in_time_order=False)


def argocd_then_kubectl_edit() -> None:
    r = recorder()
    d = deployment(
        "web",
        {"app.kubernetes.io/instance": "web", "argocd.argoproj.io/instance": "web"},
        {},
        "nginx:1.25",
        2,
        "2026-11-01T10:00:00Z",
    )
    d["metadata"]["managedFields"] = [entry("argocd-controller", "2026-11-01T10:00:00Z", SPEC)]
    r.emit("ADDED", "2026-11-01T10:00:00Z", d)
    d["spec"]["replicas"] = 5  # kubectl edit: replicas moves to kubectl-edit
    d["metadata"]["managedFields"] = [
        entry("argocd-controller", "2026-11-01T10:00:00Z", without(SPEC, ["f:spec", "f:replicas"])),
        entry("kubectl-edit", "2026-11-10T09:30:00Z", REPLICAS),
    ]
    r.emit("MODIFIED", "2026-11-10T09:30:00Z", d)
    d["spec"]["replicas"] = 2  # Argo CD self-heals: it owns replicas again
    d["metadata"]["managedFields"] = [entry("argocd-controller", "2026-11-10T09:33:00Z", SPEC)]
    r.emit("MODIFIED", "2026-11-10T09:33:00Z", d)
    r.write("argocd-then-kubectl-edit")


def kubectl_scale() -> None:
    r = recorder()
    d = deployment(
        "web",
        {"app": "web"},
        {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        "nginx:1.25",
        2,
        "2026-11-01T10:00:00Z",
    )
    d["metadata"]["managedFields"] = [
        entry("kubectl-client-side-apply", "2026-11-01T10:00:00Z", SPEC)
    ]
    r.emit("ADDED", "2026-11-01T10:00:00Z", d)
    d["spec"]["replicas"] = 0
    d["metadata"]["managedFields"] = [
        entry(
            "kubectl-client-side-apply",
            "2026-11-01T10:00:00Z",
            without(SPEC, ["f:spec", "f:replicas"]),
        ),
        entry("kubectl", "2026-11-05T22:00:00Z", REPLICAS, sub="scale"),
    ]
    r.emit("MODIFIED", "2026-11-05T22:00:00Z", d)
    r.write("kubectl-scale")


def shared_server_side_apply() -> None:
    r = recorder()
    d = deployment("web", {"app": "web"}, {}, "nginx:1.25", 2, "2026-11-01T10:00:00Z")
    d["metadata"]["managedFields"] = [
        entry("kubectl", "2026-11-01T10:00:00Z", SPEC, op="Apply"),
        entry("ci-deployer", "2026-11-01T10:00:00Z", REPLICAS, op="Apply"),
    ]
    r.emit("ADDED", "2026-11-01T10:00:00Z", d)
    d["spec"]["replicas"] = 4  # both appliers share replicas: either may have changed it
    d["metadata"]["managedFields"] = [
        entry("kubectl", "2026-11-08T12:00:00Z", SPEC, op="Apply"),
        entry("ci-deployer", "2026-11-08T12:00:00Z", REPLICAS, op="Apply"),
    ]
    r.emit("MODIFIED", "2026-11-08T12:00:01Z", d)
    r.write("shared-server-side-apply")


def flux_then_kubectl_set_image() -> None:
    r = recorder()
    labels = {
        "app": "web",
        "helm.toolkit.fluxcd.io/name": "web",
        "helm.toolkit.fluxcd.io/namespace": "apps",
        "app.kubernetes.io/managed-by": "Helm",
    }
    d = deployment(
        "web",
        labels,
        {"meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "apps"},
        "nginx:1.25",
        2,
        "2026-11-01T10:00:00Z",
    )
    d["metadata"]["managedFields"] = [entry("helm-controller", "2026-11-01T10:00:00Z", SPEC)]
    r.emit("ADDED", "2026-11-01T10:00:00Z", d)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27-debug"
    spec = without(
        SPEC, ["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}', "f:image"]
    )
    d["metadata"]["managedFields"] = [
        entry("helm-controller", "2026-11-01T10:00:00Z", spec),
        entry("kubectl-set", "2026-11-12T03:12:00Z", IMAGE),
    ]
    r.emit("MODIFIED", "2026-11-12T03:12:00Z", d)
    r.write("flux-then-kubectl-set-image")


if __name__ == "__main__":
    for scenario in (
        argocd_then_kubectl_edit,
        kubectl_scale,
        shared_server_side_apply,
        flux_then_kubectl_set_image,
    ):
        scenario()
    print("written")
