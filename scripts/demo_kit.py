"""Builders for the demo recording: objects with realistic metadata and managedFields, and the emitter."""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

NS = "shop"
_rv = [41000]
lines: list[dict[str, Any]] = []


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"crumbs-demo/{name}"))


def next_rv() -> str:
    _rv[0] += 7
    return str(_rv[0])


def fields(value: Any) -> Any:
    """managedFields fieldsV1 for a subtree: every leaf, list items keyed by name."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out[f"f:{k}"] = fields(v)
        if value:
            out["."] = {}
        return out
    if (
        isinstance(value, list)
        and value
        and all(isinstance(i, dict) and "name" in i for i in value)
    ):
        return {f'k:{{"name":"{i["name"]}"}}': {**fields(i), ".": {}} for i in value}
    return {}


def owner_fields(obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for p in paths:
        node: Any = obj
        for part in p.split("."):
            node = node[part]
        cur = tree
        parts = p.split(".")
        for part in parts[:-1]:
            cur = cur.setdefault(f"f:{part}", {})
        cur[f"f:{parts[-1]}"] = fields(node)
    return tree


def entry(
    manager: str,
    operation: str,
    time: str,
    fields_v1: dict[str, Any],
    subresource: str | None = None,
    api: str = "v1",
) -> dict[str, Any]:
    e = {
        "apiVersion": api,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields_v1,
        "manager": manager,
        "operation": operation,
        "time": time,
    }
    if subresource:
        e["subresource"] = subresource
    return e


def emit(etype: str, time: str, obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"]["resourceVersion"] = next_rv()
    lines.append({"type": etype, "object": obj, "time": time})
    return obj


def helm_labels(component: str | None = None) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": "billing",
        "app.kubernetes.io/instance": "billing",
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "billing-1.4.2",
    }
    if component:
        labels["app.kubernetes.io/component"] = component
    return labels


HELM_ANNOTATIONS = {"meta.helm.sh/release-name": "billing", "meta.helm.sh/release-namespace": NS}


def meta(
    name: str,
    created: str,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    md: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "uid": uid(name),
        "creationTimestamp": created,
    }
    if labels:
        md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    md.update(extra)
    return md


def container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    c = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    c.update(extra)
    return c


def pod_spec(containers: list[dict[str, Any]], restart: str = "Always") -> dict[str, Any]:
    return {
        "containers": containers,
        "restartPolicy": restart,
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "serviceAccountName": "default",
    }


def deployment_obj(
    metadata: dict[str, Any],
    selector: dict[str, str],
    template: dict[str, Any],
    ready_at: str,
    *conditions: dict[str, Any],
) -> dict[str, Any]:
    """A Deployment of 2 replicas, rolled out and available since ``ready_at``."""
    available = {
        "type": "Available",
        "status": "True",
        "reason": "MinimumReplicasAvailable",
        "message": "Deployment has minimum availability.",
        "lastUpdateTime": ready_at,
        "lastTransitionTime": ready_at,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": selector},
            "template": template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "conditions": [available, *conditions],
        },
    }


def service_obj(
    metadata: dict[str, Any], selector: dict[str, str], port: int, ip: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "selector": selector,
            "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": "http"}],
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "sessionAffinity": "None",
        },
    }


def owner(kind: str, name: str, api: str = "apps/v1") -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": api,
            "kind": kind,
            "name": name,
            "uid": uid(name),
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def rs_for(
    deploy_obj: dict[str, Any],
    name: str,
    revision: str,
    created: str,
    replicas: int,
    template: dict[str, Any],
) -> dict[str, Any]:
    h = name.rsplit("-", 1)[1]
    tpl = copy.deepcopy(template)
    tpl["metadata"]["labels"]["pod-template-hash"] = h
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            name,
            created,
            {**template["metadata"]["labels"], "pod-template-hash": h},
            {
                "deployment.kubernetes.io/desired-replicas": "2",
                "deployment.kubernetes.io/max-replicas": "3",
                "deployment.kubernetes.io/revision": revision,
                **HELM_ANNOTATIONS,
            },
            generation=1,
            ownerReferences=owner("Deployment", deploy_obj["metadata"]["name"]),
        ),
        "spec": {
            "replicas": replicas,
            "selector": {
                "matchLabels": {
                    **deploy_obj["spec"]["selector"]["matchLabels"],
                    "pod-template-hash": h,
                }
            },
            "template": tpl,
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "fullyLabeledReplicas": replicas,
            "observedGeneration": 1,
        },
    }
    rs["metadata"]["managedFields"] = [
        entry(
            "kube-controller-manager",
            "Update",
            created,
            owner_fields(rs, ["spec", "metadata.labels", "metadata.ownerReferences"]),
            api="apps/v1",
        )
    ]
    return rs


def pod_for(
    rs: dict[str, Any], suffix: str, created: str, ip: str, node: str, image: str
) -> dict[str, Any]:
    name = f"{rs['metadata']['name']}-{suffix}"
    spec = copy.deepcopy(rs["spec"]["template"]["spec"])
    spec["nodeName"] = node
    started = created[:-3] + "20Z"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(
            name,
            created,
            dict(rs["spec"]["template"]["metadata"]["labels"]),
            ownerReferences=owner("ReplicaSet", rs["metadata"]["name"]),
        ),
        "spec": spec,
        "status": {
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "hostIP": "192.168.0.12",
            "startTime": created,
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": started}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": "billing",
                    "image": image,
                    "imageID": f"{image.split(':')[0]}@sha256:{'c3' * 32}",
                    "containerID": f"containerd://{uuid.uuid5(uuid.NAMESPACE_DNS, name).hex}{uuid.uuid5(uuid.NAMESPACE_URL, name).hex}",
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": started}},
                }
            ],
        },
    }
    pod["metadata"]["managedFields"] = [
        entry(
            "kube-controller-manager",
            "Update",
            created,
            owner_fields(pod, ["spec.containers", "metadata.labels", "metadata.ownerReferences"]),
        ),
        entry("kubelet", "Update", started, owner_fields(pod, ["status"]), "status"),
    ]
    return pod


def event(
    time: str,
    obj: dict[str, Any],
    etype: str,
    reason: str,
    message: str,
    component: str,
    count: int = 1,
    first: str | None = None,
) -> None:
    md = obj["metadata"]
    name = f"{md['name']}.{hashlib.sha256(f'{time}{reason}{message}'.encode()).hexdigest()[:16]}"
    ev = {
        "apiVersion": "v1",
        "kind": "Event",
        "type": etype,
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": first or time,
        "lastTimestamp": time,
        "source": {"component": component},
        "involvedObject": {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "name": md["name"],
            "namespace": NS,
            "uid": md["uid"],
        },
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": uid(name),
            "creationTimestamp": first or time,
        },
        "reportingComponent": component,
    }
    emit("ADDED", time, ev)
