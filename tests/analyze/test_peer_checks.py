"""The checks k8sgpt and popeye make that their test data do not cover, each beside the objects
that must not trigger it; reasons and messages as Kubernetes writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.analyze.kit import cond, meta, rules, scan

EARLIER = "2026-11-27T10:00:00Z"


def _event(name: str, kind: str, obj: str, reason: str, message: str, etype: str = "Warning", count: int = 3) -> dict[str, Any]:  # fmt: skip
    return {"apiVersion": "v1", "kind": "Event", "metadata": meta(f"{obj}.{name}", uid=f"ev-{name}"),
            "involvedObject": {"kind": kind, "namespace": "app", "name": obj, "uid": f"u-{obj}"},
            "reason": reason, "message": message, "type": etype, "count": count,
            "firstTimestamp": EARLIER, "lastTimestamp": "2026-11-27T11:50:00Z",
            "source": {"component": "kubelet", "host": "node-a"}}  # fmt: skip


def _pod(name: str, phase: str = "Running", conditions: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:  # fmt: skip
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, labels={"app": name}),
            "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/app:1"}], **spec},
            "status": {"phase": phase, "conditions": conditions or [], "containerStatuses": statuses or [],
                       **({"startTime": EARLIER} if phase != "Pending" or statuses else {})}}  # fmt: skip


def _found(cli, tmp_path: Path, docs: list[dict[str, Any]], prefix: str) -> set[tuple[str, str, str]]:  # fmt: skip
    return {r for r in rules(scan(cli, tmp_path, docs)) if r[1].startswith(prefix)}


def test_pods_held_by_gates_hooks_and_mounts(cli, tmp_path: Path) -> None:
    gated = _pod("queued", "Pending", [cond("PodScheduled", "False", "SchedulingGated",
                 "Scheduling is blocked due to non-empty scheduling gates", EARLIER)],
                 schedulingGates=[{"name": "kueue.x-k8s.io/admission"}])  # fmt: skip
    running = {
        "name": "app",
        "ready": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": EARLIER}},
    }
    hooked = _pod(
        "hooked", statuses=[running], conditions=[cond("PodScheduled", "True", at=EARLIER)]
    )
    waiting = {"name": "app", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}  # fmt: skip
    mounting = _pod("mounting", "Pending", [cond("PodScheduled", "True", at=EARLIER)], [waiting], nodeName="node-a")  # fmt: skip
    sandbox = _pod("sandbox", "Pending", [cond("PodScheduled", "True", at=EARLIER)], [waiting], nodeName="node-a")  # fmt: skip
    found = _found(cli, tmp_path, [
        gated, hooked, mounting, sandbox,
        _pod("fine", statuses=[running], conditions=[cond("PodScheduled", "True", at=EARLIER), cond("Ready", "True", at=EARLIER)]),
        _event("hook", "Pod", "hooked", "FailedPostStartHook",
               'Exec lifecycle hook ([/bin/sh -c /opt/warm-cache]) for Container "app" in Pod "hooked_app(u-hooked)" failed - error: command \'/bin/sh -c /opt/warm-cache\' exited with 1: , message: ""'),
        _event("mount", "Pod", "mounting", "FailedMount", 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found'),
        _event("sandbox", "Pod", "sandbox", "FailedCreatePodSandBox",
               'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0f3c": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized'),
        _event("pulled", "Pod", "fine", "Pulled", 'Container image "ghcr.io/acme/app:1" already present on machine', "Normal"),
    ], "pods/")  # fmt: skip
    assert found == {
        ("warning", "pods/scheduling-gated", "queued"),
        ("warning", "pods/hook-failed", "hooked"),
        ("error", "pods/stuck-starting", "mounting"),
        ("error", "pods/stuck-starting", "sandbox"),
    }


def test_storage_classes_and_volumes(cli, tmp_path: Path) -> None:
    def sc(name: str, default: bool) -> dict[str, Any]:
        md = meta(name, "")
        md.pop("namespace")
        if default:
            md["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
        return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": md, "provisioner": "ebs.csi.aws.com"}  # fmt: skip

    def pv(name: str, phase: str) -> dict[str, Any]:
        md = meta(name, "")
        md.pop("namespace")
        return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": md,
                "spec": {"persistentVolumeReclaimPolicy": "Retain", "storageClassName": "gp3", "capacity": {"storage": "10Gi"},
                         "claimRef": {"namespace": "app", "name": f"data-{name}"}},
                "status": {"phase": phase}}  # fmt: skip

    def sts(name: str, service: str, klass: str) -> dict[str, Any]:
        return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(name),
                "spec": {"serviceName": service, "replicas": 1, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}},
                         "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"storageClassName": klass,
                                                   "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]},
                "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}  # fmt: skip

    svc = {"apiVersion": "v1", "kind": "Service", "metadata": meta("db"), "spec": {"clusterIP": "None", "selector": {"app": "db"}}}  # fmt: skip
    found = _found(cli, tmp_path, [
        sc("gp3", True), sc("gp2", True), sc("io2", False),
        pv("kept", "Released"), pv("bound", "Bound"),
        sts("db", "db", "gp3"),           # the control
        sts("cache", "cache-headless", "gp3"),
        sts("queue", "db", "fast-ssd"),
        svc,
    ], "storage/")  # fmt: skip
    assert found == {
        (
            "warning",
            "storage/several-default-classes",
            "gp2",
        ),  # each default is told: either may go
        ("warning", "storage/several-default-classes", "gp3"),
        ("info", "storage/volume-released", "kept"),
        ("warning", "storage/governing-service-missing", "cache"),
        ("error", "storage/claim-template-class-missing", "queue"),
    }


def test_autoscaler_targets_without_requests(cli, tmp_path: Path) -> None:
    def dep(name: str, requests: dict[str, str]) -> dict[str, Any]:
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name),
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                             {"name": "app", "image": "ghcr.io/acme/app:1", "resources": {"requests": requests}}]}}},
                "status": {"replicas": 2, "availableReplicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                           "conditions": [cond("Available", "True")]}}  # fmt: skip

    def hpa(name: str) -> dict[str, Any]:
        return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(name),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                         "minReplicas": 2, "maxReplicas": 10,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
                "status": {"currentReplicas": 2, "desiredReplicas": 2}}  # fmt: skip

    found = _found(cli, tmp_path, [dep("bare", {"memory": "128Mi"}), hpa("bare"),
                                   dep("sized", {"cpu": "250m", "memory": "128Mi"}), hpa("sized")], "autoscaling/")  # fmt: skip
    assert found == {("warning", "autoscaling/target-without-requests", "bare")}


def test_ingresses_and_routes(cli, tmp_path: Path) -> None:
    def ing(name: str, klass: str | None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "rules": [
                {
                    "host": f"{name}.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        }
        if klass:
            spec["ingressClassName"] = klass
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(name), "spec": spec}  # fmt: skip

    web = {"apiVersion": "v1", "kind": "Service", "metadata": meta("web"), "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}  # fmt: skip
    nginx = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx", "uid": "u-nginx"},
             "spec": {"controller": "k8s.io/ingress-nginx"}}  # fmt: skip
    gw = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": meta("public"),
          "spec": {"gatewayClassName": "envoy", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP",
                                                              "allowedRoutes": {"namespaces": {"from": "Same"}}}]},
          "status": {"conditions": [cond("Accepted", "True", "Accepted"), cond("Programmed", "True", "Programmed")]}}  # fmt: skip
    gwc = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "envoy", "uid": "u-envoy"},
           "spec": {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"},
           "status": {"conditions": [cond("Accepted", "True", "Accepted")]}}  # fmt: skip

    def route(name: str, accepted: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": meta(name),
                "spec": {"parentRefs": [{"name": "public"}], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]},
                "status": {"parents": [{"parentRef": {"name": "public"}, "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                                        "conditions": [accepted, cond("ResolvedRefs", "True", "ResolvedRefs")]}]}}  # fmt: skip

    refused_class = {**gwc, "metadata": {"name": "cilium", "uid": "u-cilium"},
                     "status": {"conditions": [cond("Accepted", "False", "InvalidParameters", 'parametersRef: CiliumGatewayClassConfig "default" not found')]}}  # fmt: skip
    assert ("error", "conditions/condition", "cilium") in {r for r in rules(scan(cli, tmp_path / "class", [refused_class])) if r[2] == "cilium"}  # fmt: skip
    found = _found(cli, tmp_path, [
        web, nginx, gw, gwc, ing("classless", None), ing("classed", "nginx"),
        route("refused", cond("Accepted", "False", "NotAllowedByListeners", "No listeners included by this parent ref allowed this attachment.")),
        route("attached", cond("Accepted", "True", "Accepted", "Route is accepted")),
    ], "network/")  # fmt: skip
    assert found == {
        ("warning", "network/no-ingress-class", "classless"),
        ("error", "network/route-not-accepted", "refused"),
    }
    nginx["metadata"]["annotations"] = {"ingressclass.kubernetes.io/is-default-class": "true"}
    assert ("warning", "network/no-ingress-class", "classless") not in _found(cli, tmp_path / "again", [nginx], "network/")  # fmt: skip


def test_nodes_and_namespaces(cli, tmp_path: Path) -> None:
    def node(name: str, *conditions: dict[str, Any]) -> dict[str, Any]:
        md = meta(name, "")
        md.pop("namespace")
        return {"apiVersion": "v1", "kind": "Node", "metadata": md, "spec": {},
                "status": {"conditions": list(conditions)}}  # fmt: skip

    ready = cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")
    quiet = [cond(c, "False", f"KubeletHas{'No' if c != 'PIDPressure' else 'Sufficient'}{c.removesuffix('Pressure')}", "")
             for c in ("MemoryPressure", "DiskPressure")]  # fmt: skip
    lost = "Kubelet stopped posting node status."

    def ns(name: str, phase: str, *conditions: dict[str, Any]) -> dict[str, Any]:
        md = meta(name, "")
        md.pop("namespace")
        if phase == "Terminating":
            md["deletionTimestamp"] = "2026-11-27T09:00:00Z"
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": md, "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": phase, "conditions": list(conditions)}}  # fmt: skip

    found = _found(cli, tmp_path, [
        node("node-a", ready, *quiet),
        node("node-b", ready, *quiet, cond("KernelDeadlock", "True", "DockerHung", "task docker:7 blocked for more than 120 seconds.")),
        node("node-c", ready, *quiet, cond("ReadonlyFilesystem", "False", "FilesystemIsNotReadOnly", "Filesystem is not read-only")),
        node("node-d", ready, cond("MemoryPressure", "Unknown", "NodeStatusUnknown", lost), cond("DiskPressure", "Unknown", "NodeStatusUnknown", lost)),
        ns("app", "Active"),
        ns("old-team", "Terminating",
           cond("NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: persistentvolumeclaims. has 1 resource instances"),
           cond("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 1 resource instances")),
    ], "")  # fmt: skip
    got = {r for r in found if r[1].split("/")[0] in ("nodes", "namespaces")}
    assert got == {
        ("warning", "nodes/problem-reported", "node-b"),
        ("warning", "nodes/condition-unknown", "node-d"),
        ("error", "namespaces/stuck-terminating", "old-team"),
    }
