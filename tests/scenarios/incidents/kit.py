"""Builders for incident recordings: realistic objects with managedFields and status, as watch events."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))

from watchlog import WatchLog, mf  # noqa: E402

HERE = Path(__file__).parent
NS = "shop"
T0 = "2026-11-20T10:00:00Z"


def uid(*parts: str) -> str:
    h = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-9{h[17:20]}-{h[20:32]}"


def meta(
    name: str,
    created: str = T0,
    ns: str | None = NS,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    owner: dict[str, Any] | None = None,
    managers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    md: dict[str, Any] = {
        "name": name,
        "uid": uid(ns or "", name, created),
        "creationTimestamp": created,
    }
    if ns is not None:
        md["namespace"] = ns
    if labels:
        md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    if owner:
        md["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    md["managedFields"] = managers or []
    return md


SPEC_FIELDS = {
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {"f:metadata": {"f:labels": {}}, "f:spec": {"f:containers": {}}},
    }
}


def container(
    name: str, image: str, ports: tuple[int, ...] = (8080,), **extra: Any
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "512Mi"},
        },
    }
    if ports:
        c["ports"] = [
            {"containerPort": p, "name": "http" if i == 0 else f"p{p}", "protocol": "TCP"}
            for i, p in enumerate(ports)
        ]
    c.update(extra)
    return c


def deployment(
    name: str,
    image: str,
    replicas: int = 2,
    created: str = T0,
    manager: str = "helm",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    **pod: Any,
) -> dict[str, Any]:
    app = labels or {"app": name}
    containers = pod.pop("containers", None) or [container(name, image, **pod.pop("container", {}))]
    d = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": meta(name, created, labels=dict(app), annotations={"deployment.kubernetes.io/revision": "1", **(annotations or {})}, managers=[mf(manager, created, SPEC_FIELDS, api="apps/v1")]),
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(app)}, "progressDeadlineSeconds": 600,
                 "template": {"metadata": {"labels": dict(app)}, "spec": {"containers": containers, **pod}}},
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas,
                   "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "lastUpdateTime": created, "lastTransitionTime": created},
                                  {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "lastUpdateTime": created, "lastTransitionTime": created}]},
    }  # fmt: skip
    d["metadata"]["managedFields"].append(
        mf("kube-controller-manager", created, {"f:status": {}}, sub="status", api="apps/v1")
    )
    return d


def replica_set(dep: dict[str, Any], hash_: str, created: str, revision: int = 1) -> dict[str, Any]:
    tpl = copy.deepcopy(dep["spec"]["template"])
    tpl["metadata"]["labels"]["pod-template-hash"] = hash_
    labels = dict(tpl["metadata"]["labels"])
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": meta(f"{dep['metadata']['name']}-{hash_}", created, labels=labels, annotations={"deployment.kubernetes.io/revision": str(revision)}, owner=dep,
                         managers=[mf("kube-controller-manager", created, {"f:spec": {}}, api="apps/v1")]),
        "spec": {"replicas": dep["spec"]["replicas"], "selector": {"matchLabels": labels}, "template": tpl},
        "status": {"replicas": dep["spec"]["replicas"], "readyReplicas": dep["spec"]["replicas"], "availableReplicas": dep["spec"]["replicas"]},
    }  # fmt: skip


def pod(
    rs: dict[str, Any],
    suffix: str,
    created: str,
    ip: str,
    state: str = "running",
    node: str = "node-1",
    **detail: Any,
) -> dict[str, Any]:
    """A pod of a ReplicaSet (or Job) in one of the states analyzers know."""
    name = f"{rs['metadata']['name']}-{suffix}"
    spec = copy.deepcopy(rs["spec"]["template"]["spec"])
    spec["nodeName"] = node
    c = spec["containers"][0]
    ready = state in ("running", "succeeded")
    cs: dict[str, Any] = {
        "name": c["name"],
        "image": c["image"],
        "ready": ready,
        "started": ready,
        "restartCount": detail.get("restarts", 0),
    }
    phase = "Running"
    conditions = [
        {
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": created,
        }
    ]
    if state == "running":
        cs["state"] = {"running": {"startedAt": created}}
    elif state == "crashloop":
        cs["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={c['name']}",
            }
        }
        cs["lastState"] = {
            "terminated": {
                "exitCode": detail.get("exit", 1),
                "reason": detail.get("reason", "Error"),
                "message": detail.get("message", ""),
                "startedAt": created,
                "finishedAt": detail.get("finished", created),
            }
        }
    elif state == "pull":
        cs["state"] = {
            "waiting": {
                "reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "{c["image"]}"',
            }
        }
    elif state == "config":
        cs["state"] = {
            "waiting": {
                "reason": "CreateContainerConfigError",
                "message": detail.get("message", ""),
            }
        }
    elif state == "notready":
        cs["state"] = {"running": {"startedAt": created}}
        cs["started"] = True
    elif state == "pending":
        phase = "Pending"
        conditions = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": detail.get("message", ""),
                "lastProbeTime": None,
                "lastTransitionTime": created,
            }
        ]
        cs = {}
    elif state in ("succeeded", "failed"):
        phase = state.capitalize()
        cs["ready"] = False
        cs["state"] = {
            "terminated": {
                "exitCode": 0 if state == "succeeded" else detail.get("exit", 1),
                "reason": "Completed" if state == "succeeded" else "Error",
                "message": detail.get("message", ""),
                "startedAt": created,
                "finishedAt": detail.get("finished", created),
            }
        }
    if phase != "Pending":
        conditions.append(
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastProbeTime": None,
                "lastTransitionTime": detail.get("since", created),
            }
        )
    status: dict[str, Any] = {"phase": phase, "conditions": conditions, "startTime": created}
    if cs:
        status["containerStatuses"] = [cs]
        status["podIP"] = ip
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": meta(name, created, labels=dict(rs["spec"]["template"]["metadata"]["labels"]), owner=rs,
                         managers=[mf("kube-controller-manager", created, {"f:spec": {}}), mf("kubelet", detail.get("since", created), {"f:status": {}}, sub="status")]),
        "spec": spec, "status": status,
    }  # fmt: skip


def service(
    name: str,
    selector: dict[str, str],
    port: int = 80,
    target: int | str = "http",
    created: str = T0,
    manager: str = "helm",
) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, created, labels={"app": name}, managers=[mf(manager, created, {"f:spec": {"f:selector": {}, "f:ports": {}}})]),
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": selector, "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}]}}  # fmt: skip


def endpoint_slice(
    svc: dict[str, Any], pods: list[dict[str, Any]], created: str = T0
) -> dict[str, Any]:
    name = svc["metadata"]["name"]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": meta(f"{name}-abcde", created, labels={"kubernetes.io/service-name": name}, owner=svc, managers=[mf("endpointslice-controller.k8s.io", created, {"f:endpoints": {}}, api="discovery.k8s.io/v1")]),
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [p["status"]["podIP"]], "conditions": {"ready": p["status"]["containerStatuses"][0]["ready"]}, "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": NS}} for p in pods if "podIP" in p["status"]]}  # fmt: skip


def configmap(
    name: str, data: dict[str, str], created: str = T0, manager: str = "helm"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(
            name, created, managers=[mf(manager, created, {"f:data": {f"f:{k}": {} for k in data}})]
        ),
        "data": data,
    }


def secret(name: str, keys: list[str], created: str = T0) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": meta(name, created, managers=[mf("kubectl-create", created, {"f:data": {}})]),
        "data": {k: "c2VjcmV0" for k in keys},
    }


def event(
    obj: dict[str, Any],
    time: str,
    reason: str,
    message: str,
    type_: str = "Warning",
    count: int = 1,
    component: str = "kubelet",
) -> dict[str, Any]:
    md = obj["metadata"]
    name = f"{md['name']}.{hashlib.sha256((time + reason + message).encode()).hexdigest()[:12]}"
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": md.get("namespace") or "default", "uid": uid("ev", name), "creationTimestamp": time},
            "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"], "namespace": md.get("namespace", ""), "uid": md["uid"]},
            "reason": reason, "message": message, "type": type_, "count": count, "firstTimestamp": time, "lastTimestamp": time, "source": {"component": component}}  # fmt: skip


def node(
    name: str = "node-1", ready: bool = True, since: str = T0, version: str = "v1.29.4"
) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, "2026-10-01T00:00:00Z", ns=None, labels={"kubernetes.io/hostname": name}, managers=[mf("kubelet", since, {"f:status": {}}, sub="status")]),
            "spec": {}, "status": {"nodeInfo": {"kubeletVersion": version}, "conditions": [
                {"type": "Ready", "status": "True" if ready else "Unknown", "reason": "KubeletReady" if ready else "NodeStatusUnknown", "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.", "lastHeartbeatTime": since, "lastTransitionTime": since},
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "lastHeartbeatTime": since, "lastTransitionTime": "2026-10-01T00:00:00Z"}]}}  # fmt: skip


def changed(
    obj: dict[str, Any],
    manager: str,
    time: str,
    fields: dict[str, Any] | None = None,
    op: str = "Update",
    sub: str = "",
) -> dict[str, Any]:
    """A copy of ``obj`` as written by ``manager`` at ``time`` (its managedFields entry moves)."""
    out = copy.deepcopy(obj)
    entries = [
        e
        for e in out["metadata"]["managedFields"]
        if not (e["manager"] == manager and e.get("subresource", "") == sub)
    ]
    entries.append(mf(manager, time, fields, op, sub, api=obj["apiVersion"]))
    out["metadata"]["managedFields"] = entries
    return out


class Recording(WatchLog):
    def __init__(self, name: str) -> None:
        super().__init__(HERE)
        self.name = name
        self.logs: dict[str, list[str]] = {}

    def add(self, time: str, obj: dict[str, Any], etype: str = "ADDED") -> dict[str, Any]:
        return self.emit(etype, time, obj)

    def log(self, pod: dict[str, Any], lines: list[str], previous: bool = False) -> None:
        """``kubectl logs --timestamps [-p]`` output of the pod's first container, as a file
        ``NAME.logs/POD__CONTAINER[__previous].log`` beside the recording."""
        c = pod["spec"]["containers"][0]["name"]
        self.logs[f"{pod['metadata']['name']}__{c}{'__previous' if previous else ''}.log"] = lines

    def write(self, name: str = "") -> None:
        super().write(name or self.name)
        if self.logs:
            where = HERE / f"{name or self.name}.logs"
            where.mkdir(exist_ok=True)
            for file, lines in self.logs.items():
                (where / file).write_text("".join(line + "\n" for line in lines))


def cronjob(
    name: str,
    image: str,
    schedule: str = "*/30 * * * *",
    created: str = T0,
    manager: str = "helm",
    labels: dict[str, str] | None = None,
    env: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    c = container(name, image, ports=())
    if env:
        c["env"] = env
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": meta(name, created, labels=labels or {"app": name}, managers=[mf(manager, created, {"f:spec": {"f:schedule": {}, "f:jobTemplate": {}}}, api="batch/v1")]),
            "spec": {"schedule": schedule, "concurrencyPolicy": "Forbid", "suspend": False, "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1, **spec,
                     "jobTemplate": {"spec": {"backoffLimit": 1, "template": {"metadata": {"labels": dict(labels or {"app": name})}, "spec": {"restartPolicy": "Never", "containers": [c]}}}}},
            "status": {"lastScheduleTime": created}}  # fmt: skip


def job(
    cj: dict[str, Any], scheduled: str, outcome: str = "succeeded", message: str = ""
) -> dict[str, Any]:
    """A run of CronJob ``cj`` scheduled at ``scheduled``: succeeded, failed or running."""
    from crumbs.timeutil import format_time, parse_time

    stamp = parse_time(scheduled) // 60_000_000_000
    tpl = copy.deepcopy(cj["spec"]["jobTemplate"])
    name = f"{cj['metadata']['name']}-{stamp}"
    done = format_time(parse_time(scheduled) + 45_000_000_000)
    status: dict[str, Any] = {"startTime": scheduled}
    if outcome == "succeeded":
        status.update(
            succeeded=1,
            completionTime=done,
            conditions=[
                {
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": done,
                    "lastTransitionTime": done,
                }
            ],
        )
    elif outcome == "failed":
        status.update(
            failed=2,
            conditions=[
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": message or "Job has reached the specified backoff limit",
                    "lastProbeTime": done,
                    "lastTransitionTime": done,
                }
            ],
        )
    else:
        status["active"] = 1
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": meta(name, scheduled, labels=dict(tpl["spec"]["template"]["metadata"]["labels"]), annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": scheduled}, owner=cj,
                             managers=[mf("kube-controller-manager", scheduled, {"f:spec": {}}, api="batch/v1"), mf("kube-controller-manager", done, {"f:status": {}}, sub="status", api="batch/v1")]),
            "spec": tpl["spec"], "status": status}  # fmt: skip


def ingress(
    name: str,
    backend: str,
    port: int = 80,
    host: str = "shop.example.com",
    created: str = T0,
    manager: str = "helm",
) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(name, created, managers=[mf(manager, created, {"f:spec": {"f:rules": {}}}, api="networking.k8s.io/v1")]),
            "spec": {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": backend, "port": {"number": port}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}}  # fmt: skip


def hpa(
    name: str,
    target: str,
    current: int = 2,
    min_: int = 2,
    max_: int = 10,
    created: str = T0,
    manager: str = "helm",
) -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(name, created, managers=[mf(manager, created, {"f:spec": {}}, api="autoscaling/v2")]),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "minReplicas": min_, "maxReplicas": max_,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": current, "desiredReplicas": current, "conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "lastTransitionTime": created},
                {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "lastTransitionTime": created}]}}  # fmt: skip


def storage_class(name: str, created: str = T0) -> dict[str, Any]:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta(name, created, ns=None, managers=[mf("helm", created, {"f:provisioner": {}}, api="storage.k8s.io/v1")]),
            "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}  # fmt: skip


def pvc(
    name: str,
    storage_class_name: str,
    phase: str = "Bound",
    created: str = T0,
    manager: str = "kube-controller-manager",
) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(name, created, labels={"app": "db"}, managers=[mf(manager, created, {"f:spec": {}})]),
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class_name, "resources": {"requests": {"storage": "10Gi"}}, "volumeMode": "Filesystem"},
            "status": {"phase": phase}}  # fmt: skip


def helm_release(
    name: str,
    revision: int,
    chart_version: str,
    status: str,
    time: str,
    objects: list[dict[str, Any]],
) -> dict[str, Any]:
    """Helm 3's storage Secret for one release revision: base64(base64(gzip(JSON)))."""
    import base64
    import gzip

    release = {"name": name, "namespace": NS, "version": revision,
               "info": {"first_deployed": T0, "last_deployed": time, "deleted": "", "description": "Upgrade complete" if revision > 1 else "Install complete", "status": status},
               "chart": {"metadata": {"name": name, "version": chart_version, "appVersion": chart_version, "apiVersion": "v2"}, "values": {}},
               "config": {"resources": {"limits": {"memory": "64Mi" if revision > 1 else "512Mi"}}},
               "manifest": "\n".join(f"---\n# Source: {name}/templates/{o['kind'].lower()}.yaml\n" + json.dumps({k: v for k, v in o.items() if k != "status"}) for o in objects)}  # fmt: skip
    payload = base64.b64encode(gzip.compress(json.dumps(release).encode(), mtime=0)).decode()
    labels = {"name": name, "owner": "helm", "status": status, "version": str(revision)}
    return {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": meta(f"sh.helm.release.v1.{name}.v{revision}", time, labels=labels, managers=[mf("helm", time, {"f:data": {}, "f:metadata": {"f:labels": {}}})]),
            "data": {"release": base64.b64encode(payload.encode()).decode()}}  # fmt: skip
