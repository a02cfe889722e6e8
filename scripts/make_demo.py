#!/usr/bin/env python3
"""Writes src/crumbs/demo/incident.jsonl, the bundled incident recording.

The story (namespace ``shop``):

- 2026-11-20 09:00  Helm installs release ``billing`` (chart billing-1.4.2):
  ConfigMap, Secret, Deployment, Service and the CronJob ``billing-invoices``
  (every 30 minutes, same image ghcr.io/acme/billing:1.4.2).
- 2026-11-10        ``checkout`` was applied with kubectl; its Service selects app=checkout.
- 2026-11-27 13:30, 14:00  the invoice CronJob runs and succeeds.
- 2026-11-27 14:05  someone runs ``kubectl patch deploy billing`` to 2.0.0: a new
  ReplicaSet rolls out; 2.0.0 migrates the database schema to version 7.
  Nobody touched the Helm release, the CronJob still runs 1.4.2.
- 2026-11-27 14:20  someone runs ``kubectl edit svc checkout`` and changes the
  selector to app=checkout-api: the EndpointSlice empties, checkout returns 503.
- 2026-11-27 14:30, 15:00  the CronJob fires with the old image and fails:
  "schema version 7 is newer than supported (5)", BackoffLimitExceeded.

Every line is a watch event as ``kubectl get -w --output-watch-events -o json``
prints it (compacted to one line), with the time it was observed.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

NS = "shop"
OUT = Path(__file__).resolve().parent.parent / "src" / "crumbs" / "demo" / "incident.jsonl"
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


# ---------------------------------------------------------------- checkout (applied 2026-11-10)
T_CHECKOUT = "2026-11-10T11:02:00Z"
checkout_template = {
    "metadata": {"labels": {"app": "checkout"}},
    "spec": pod_spec(
        [
            container(
                "checkout",
                "ghcr.io/acme/checkout:3.2.0",
                ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            )
        ]
    ),
}
checkout_deploy = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta(
        "checkout",
        T_CHECKOUT,
        {"app": "checkout"},
        {"deployment.kubernetes.io/revision": "1"},
        generation=1,
    ),
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "checkout"}},
        "template": checkout_template,
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
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
                "lastUpdateTime": "2026-11-10T11:02:30Z",
                "lastTransitionTime": "2026-11-10T11:02:30Z",
            }
        ],
    },
}
checkout_applied = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "checkout", "namespace": NS, "labels": {"app": "checkout"}},
    "spec": {k: checkout_deploy["spec"][k] for k in ("replicas", "selector", "template")},
}
checkout_deploy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
    json.dumps(checkout_applied, separators=(",", ":")) + "\n"
)
checkout_deploy["metadata"]["managedFields"] = [
    entry(
        "kubectl-client-side-apply",
        "Update",
        T_CHECKOUT,
        owner_fields(
            checkout_deploy, ["spec.replicas", "spec.selector", "spec.template", "metadata.labels"]
        )
        | {
            "f:metadata": {
                "f:annotations": {
                    ".": {},
                    "f:kubectl.kubernetes.io/last-applied-configuration": {},
                },
                "f:labels": fields({"app": "checkout"}),
            }
        },
        api="apps/v1",
    ),
    entry(
        "kube-controller-manager",
        "Update",
        "2026-11-10T11:02:30Z",
        owner_fields(checkout_deploy, ["status"]),
        "status",
        api="apps/v1",
    ),
]
checkout_svc = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": meta("checkout", T_CHECKOUT, {"app": "checkout"}),
    "spec": {
        "selector": {"app": "checkout"},
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
        "type": "ClusterIP",
        "clusterIP": "10.96.14.21",
        "clusterIPs": ["10.96.14.21"],
        "sessionAffinity": "None",
    },
}
checkout_svc["metadata"]["managedFields"] = [
    entry(
        "kubectl-client-side-apply",
        "Update",
        T_CHECKOUT,
        owner_fields(checkout_svc, ["spec.selector", "spec.ports", "metadata.labels"]),
    )
]
checkout_pods = []
for i, (suffix, ip) in enumerate((("7d9f8-k2xqv", "10.244.1.17"), ("7d9f8-r8mnd", "10.244.2.9"))):
    name = f"checkout-{suffix}"
    checkout_pods.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta(
                name,
                "2026-11-10T11:02:01Z",
                {"app": "checkout", "pod-template-hash": "7d9f8"},
                ownerReferences=owner("ReplicaSet", "checkout-7d9f8"),
            ),
            "spec": {**checkout_template["spec"], "nodeName": f"node-{i + 1}"},
            "status": {
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "hostIP": f"192.168.0.1{i + 1}",
                "startTime": "2026-11-10T11:02:01Z",
                "conditions": [
                    {
                        "type": t,
                        "status": "True",
                        "lastProbeTime": None,
                        "lastTransitionTime": "2026-11-10T11:02:25Z",
                    }
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "containerStatuses": [
                    {
                        "name": "checkout",
                        "image": "ghcr.io/acme/checkout:3.2.0",
                        "imageID": "ghcr.io/acme/checkout@sha256:" + "5e" * 32,
                        "containerID": f"containerd://{'ab' * 31}{i:02d}",
                        "ready": True,
                        "started": True,
                        "restartCount": 0,
                        "state": {"running": {"startedAt": "2026-11-10T11:02:20Z"}},
                    }
                ],
            },
        }
    )
checkout_slice = {
    "apiVersion": "discovery.k8s.io/v1",
    "kind": "EndpointSlice",
    "addressType": "IPv4",
    "metadata": meta(
        "checkout-x7h2k",
        T_CHECKOUT,
        {
            "kubernetes.io/service-name": "checkout",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
        ownerReferences=owner("Service", "checkout", "v1"),
    ),
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    "endpoints": [
        {
            "addresses": [p["status"]["podIP"]],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "nodeName": p["spec"]["nodeName"],
            "targetRef": {
                "kind": "Pod",
                "name": p["metadata"]["name"],
                "namespace": NS,
                "uid": p["metadata"]["uid"],
            },
        }
        for p in checkout_pods
    ],
}
checkout_slice["metadata"]["managedFields"] = [
    entry(
        "endpointslice-controller.k8s.io",
        "Update",
        "2026-11-10T11:02:26Z",
        owner_fields(checkout_slice, ["endpoints", "ports", "addressType"]),
        api="discovery.k8s.io/v1",
    )
]

# ---------------------------------------------------------------- billing (helm install 2026-11-20 09:00)
T_INSTALL = "2026-11-20T09:00:04Z"
config = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": meta("billing-config", T_INSTALL, helm_labels(), dict(HELM_ANNOTATIONS)),
    "data": {
        "DB_HOST": "postgres.shop.svc.cluster.local",
        "DB_PORT": "5432",
        "INVOICE_API": "http://billing.shop.svc.cluster.local:8080",
        "SCHEMA_VERSION": "5",
    },
}
config["metadata"]["managedFields"] = [
    entry(
        "helm",
        "Update",
        T_INSTALL,
        owner_fields(config, ["data", "metadata.labels", "metadata.annotations"]),
    )
]
secret = {
    "apiVersion": "v1",
    "kind": "Secret",
    "type": "Opaque",
    "metadata": meta("billing-db", T_INSTALL, helm_labels(), dict(HELM_ANNOTATIONS)),
    "data": {"password": base64.b64encode(b"hunter2-not-a-real-password").decode()},
}
secret["metadata"]["managedFields"] = [
    entry(
        "helm",
        "Update",
        T_INSTALL,
        owner_fields(secret, ["data", "type", "metadata.labels", "metadata.annotations"]),
    )
]

billing_env = [
    {
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "billing-db", "key": "password"}},
    }
]
billing_template = {
    "metadata": {
        "labels": {"app.kubernetes.io/name": "billing", "app.kubernetes.io/instance": "billing"}
    },
    "spec": pod_spec(
        [
            container(
                "billing",
                "ghcr.io/acme/billing:1.4.2",
                ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                envFrom=[{"configMapRef": {"name": "billing-config"}}],
                env=billing_env,
                readinessProbe={
                    "httpGet": {"path": "/healthz", "port": "http"},
                    "periodSeconds": 10,
                },
            )
        ]
    ),
}
deploy = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta(
        "billing",
        T_INSTALL,
        helm_labels("api"),
        {**HELM_ANNOTATIONS, "deployment.kubernetes.io/revision": "1"},
        generation=1,
    ),
    "spec": {
        "replicas": 2,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "billing",
                "app.kubernetes.io/instance": "billing",
            }
        },
        "template": billing_template,
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
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
                "lastUpdateTime": "2026-11-20T09:00:31Z",
                "lastTransitionTime": "2026-11-20T09:00:31Z",
            },
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": 'ReplicaSet "billing-6d4c8b7f9" has successfully progressed.',
                "lastUpdateTime": "2026-11-20T09:00:31Z",
                "lastTransitionTime": "2026-11-20T09:00:04Z",
            },
        ],
    },
}
helm_deploy_fields = owner_fields(
    deploy, ["spec.replicas", "spec.selector", "spec.template", "spec.strategy", "metadata.labels"]
)
helm_deploy_fields["f:metadata"]["f:annotations"] = {
    ".": {},
    "f:meta.helm.sh/release-name": {},
    "f:meta.helm.sh/release-namespace": {},
}
deploy["metadata"]["managedFields"] = [
    entry("helm", "Update", T_INSTALL, helm_deploy_fields, api="apps/v1"),
    entry(
        "kube-controller-manager",
        "Update",
        "2026-11-20T09:00:31Z",
        {"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}}
        | owner_fields(deploy, ["status"]),
        "status",
        api="apps/v1",
    ),
]
svc = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": meta("billing", T_INSTALL, helm_labels("api"), dict(HELM_ANNOTATIONS)),
    "spec": {
        "selector": {"app.kubernetes.io/name": "billing", "app.kubernetes.io/instance": "billing"},
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"}],
        "type": "ClusterIP",
        "clusterIP": "10.96.88.140",
        "clusterIPs": ["10.96.88.140"],
        "sessionAffinity": "None",
    },
}
svc["metadata"]["managedFields"] = [
    entry(
        "helm",
        "Update",
        T_INSTALL,
        owner_fields(
            svc,
            ["spec.selector", "spec.ports", "spec.type", "metadata.labels", "metadata.annotations"],
        ),
    )
]
job_template = {
    "metadata": {
        "labels": {"app.kubernetes.io/name": "billing", "app.kubernetes.io/component": "invoices"}
    },
    "spec": pod_spec(
        [
            container(
                "invoices",
                "ghcr.io/acme/billing:1.4.2",
                args=["invoice", "--api", "http://billing.shop.svc.cluster.local:8080"],
                envFrom=[{"configMapRef": {"name": "billing-config"}}],
                env=billing_env,
            )
        ],
        restart="Never",
    ),
}
cron = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": meta(
        "billing-invoices", T_INSTALL, helm_labels("invoices"), dict(HELM_ANNOTATIONS), generation=1
    ),
    "spec": {
        "schedule": "*/30 * * * *",
        "concurrencyPolicy": "Forbid",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "jobTemplate": {"spec": {"backoffLimit": 2, "template": job_template}},
    },
    "status": {},
}
cron["metadata"]["managedFields"] = [
    entry(
        "helm",
        "Update",
        T_INSTALL,
        owner_fields(
            cron,
            [
                "spec.schedule",
                "spec.concurrencyPolicy",
                "spec.suspend",
                "spec.jobTemplate",
                "metadata.labels",
                "metadata.annotations",
            ],
        ),
        api="batch/v1",
    )
]

values = {
    "image": {"repository": "ghcr.io/acme/billing", "tag": "1.4.2"},
    "replicaCount": 2,
    "invoices": {"schedule": "*/30 * * * *"},
    "db": {
        "host": "postgres.shop.svc.cluster.local",
        "port": 5432,
        "password": "hunter2-not-a-real-password",
    },
}
manifest = "\n".join(
    f"---\n# Source: billing/templates/{o['kind'].lower()}.yaml\n"
    + json.dumps(
        {k: v for k, v in o.items() if k != "status"}
        | {"metadata": {"name": o["metadata"]["name"], "labels": o["metadata"].get("labels", {})}}
    )
    for o in (config, secret, svc, deploy, cron)
)
release = {
    "name": "billing",
    "namespace": NS,
    "version": 1,
    "info": {
        "first_deployed": T_INSTALL,
        "last_deployed": T_INSTALL,
        "deleted": "",
        "description": "Install complete",
        "status": "deployed",
    },
    "chart": {
        "metadata": {
            "name": "billing",
            "version": "1.4.2",
            "appVersion": "1.4.2",
            "apiVersion": "v2",
            "description": "Billing API and invoice runs",
        },
        "values": {
            "image": {"repository": "ghcr.io/acme/billing", "tag": "latest"},
            "replicaCount": 1,
        },
    },
    "config": values,
    "manifest": manifest,
}
payload = base64.b64encode(gzip.compress(json.dumps(release).encode(), mtime=0)).decode()
helm_secret = {
    "apiVersion": "v1",
    "kind": "Secret",
    "type": "helm.sh/release.v1",
    "metadata": meta(
        "sh.helm.release.v1.billing.v1",
        T_INSTALL,
        {"name": "billing", "owner": "helm", "status": "deployed", "version": "1"},
    ),
    "data": {"release": base64.b64encode(payload.encode()).decode()},
}
helm_secret["metadata"]["managedFields"] = [
    entry(
        "helm", "Update", T_INSTALL, owner_fields(helm_secret, ["data", "type", "metadata.labels"])
    )
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


# ---------------------------------------------------------------- the recording
namespace = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {
        "name": NS,
        "uid": uid("ns-shop"),
        "creationTimestamp": "2026-11-02T08:00:00Z",
        "labels": {"kubernetes.io/metadata.name": NS},
        "managedFields": [
            entry(
                "kubectl-create",
                "Update",
                "2026-11-02T08:00:00Z",
                {"f:metadata": {"f:labels": {".": {}, "f:kubernetes.io/metadata.name": {}}}},
            )
        ],
    },
    "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Active"},
}
emit("ADDED", "2026-11-02T08:00:00.120Z", namespace)
emit("ADDED", "2026-11-10T11:02:00.200Z", checkout_deploy)
emit("ADDED", "2026-11-10T11:02:00.350Z", checkout_svc)
for p in checkout_pods:
    emit("ADDED", "2026-11-10T11:02:25.500Z", p)
emit("ADDED", "2026-11-10T11:02:26.100Z", checkout_slice)

emit("ADDED", "2026-11-20T09:00:04.010Z", helm_secret)
emit("ADDED", "2026-11-20T09:00:04.100Z", config)
emit("ADDED", "2026-11-20T09:00:04.150Z", secret)
emit("ADDED", "2026-11-20T09:00:04.200Z", svc)
emit("ADDED", "2026-11-20T09:00:04.300Z", cron)
fresh = copy.deepcopy(deploy)
fresh["status"] = {}
fresh["metadata"]["managedFields"] = fresh["metadata"]["managedFields"][:1]
del fresh["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
emit("ADDED", "2026-11-20T09:00:04.250Z", fresh)
rs1 = rs_for(deploy, "billing-6d4c8b7f9", "1", "2026-11-20T09:00:04Z", 2, billing_template)
emit("ADDED", "2026-11-20T09:00:04.400Z", rs1)
old_pods = [
    pod_for(rs1, s, "2026-11-20T09:00:05Z", ip, "node-2", "ghcr.io/acme/billing:1.4.2")
    for s, ip in (("4xk7p", "10.244.2.31"), ("9wq2z", "10.244.1.44"))
]
for p in old_pods:
    emit("ADDED", "2026-11-20T09:00:25.000Z", p)
emit("MODIFIED", "2026-11-20T09:00:31.500Z", deploy)
event(
    "2026-11-20T09:00:04Z",
    deploy,
    "Normal",
    "ScalingReplicaSet",
    "Scaled up replica set billing-6d4c8b7f9 to 2",
    "deployment-controller",
)


def cron_run(scheduled: str, job_name: str, ok: bool, finished: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(
            job_name,
            scheduled,
            {
                "app.kubernetes.io/name": "billing",
                "app.kubernetes.io/component": "invoices",
                "batch.kubernetes.io/job-name": job_name,
            },
            {"batch.kubernetes.io/cronjob-scheduled-timestamp": scheduled},
            ownerReferences=owner("CronJob", "billing-invoices", "batch/v1"),
            generation=1,
        ),
        "spec": {
            "backoffLimit": 2,
            "completions": 1,
            "parallelism": 1,
            "template": copy.deepcopy(job_template),
        },
        "status": {"active": 1, "startTime": scheduled, "ready": 0},
    }
    job["metadata"]["managedFields"] = [
        entry(
            "kube-controller-manager",
            "Update",
            scheduled,
            owner_fields(job, ["spec", "metadata.labels", "metadata.ownerReferences"]),
            api="batch/v1",
        )
    ]
    emit("ADDED", scheduled[:-1] + ".050Z", job)
    event(
        scheduled,
        cron,
        "Normal",
        "SuccessfulCreate",
        f"Created job {job_name}",
        "cronjob-controller",
    )
    attempts = 1 if ok else 3
    for n in range(attempts):
        pname = f"{job_name}-{'abcdefghjk'[n]}{'x7k2p'[:4]}"
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta(
                pname,
                scheduled,
                {
                    "batch.kubernetes.io/job-name": job_name,
                    "app.kubernetes.io/name": "billing",
                    "app.kubernetes.io/component": "invoices",
                },
                ownerReferences=owner("Job", job_name, "batch/v1"),
            ),
            "spec": {**copy.deepcopy(job_template["spec"]), "nodeName": "node-1"},
            "status": {
                "phase": "Succeeded" if ok else "Failed",
                "startTime": scheduled,
                "containerStatuses": [
                    {
                        "name": "invoices",
                        "image": "ghcr.io/acme/billing:1.4.2",
                        "imageID": "ghcr.io/acme/billing@sha256:" + "c3" * 32,
                        "containerID": f"containerd://{uuid.uuid5(uuid.NAMESPACE_DNS, pname).hex * 2}",
                        "ready": False,
                        "started": False,
                        "restartCount": 0,
                        "state": {
                            "terminated": (
                                {
                                    "exitCode": 0,
                                    "reason": "Completed",
                                    "startedAt": scheduled,
                                    "finishedAt": finished,
                                }
                                if ok
                                else {
                                    "exitCode": 1,
                                    "reason": "Error",
                                    "message": "invoice run aborted: database schema version 7 is newer than supported (5); run billing >= 2.0",
                                    "startedAt": scheduled,
                                    "finishedAt": finished,
                                }
                            )
                        },
                    }
                ],
            },
        }
        created = scheduled[:-3] + f"{2 + 25 * n:02d}Z"
        pod["metadata"]["creationTimestamp"] = created
        ended = finished if n == attempts - 1 else scheduled[:-3] + f"{14 + 25 * n:02d}Z"
        final = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        final["startedAt"], final["finishedAt"] = created, ended
        running = copy.deepcopy(pod)
        running["status"]["phase"] = "Running"
        running["status"]["containerStatuses"][0].update(
            ready=True, started=True, state={"running": {"startedAt": created}}
        )
        emit("ADDED", created[:-1] + ".300Z", running)
        event(created, job, "Normal", "SuccessfulCreate", f"Created pod: {pname}", "job-controller")
        emit("MODIFIED", ended[:-1] + ".100Z", pod)
    done = dict(job)
    if ok:
        done["status"] = {
            "startTime": scheduled,
            "completionTime": finished,
            "succeeded": 1,
            "ready": 0,
            "conditions": [
                {
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": finished,
                    "lastTransitionTime": finished,
                }
            ],
        }
        event(finished, job, "Normal", "Completed", "Job completed", "job-controller")
    else:
        done["status"] = {
            "startTime": scheduled,
            "failed": 3,
            "ready": 0,
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastProbeTime": finished,
                    "lastTransitionTime": finished,
                }
            ],
        }
        event(
            finished,
            job,
            "Warning",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
            "job-controller",
        )
    emit("MODIFIED", finished[:-1] + ".500Z", done)
    status = {"lastScheduleTime": scheduled}
    if ok:
        status["lastSuccessfulTime"] = finished
        cron_status["lastSuccessfulTime"] = finished
    cron["status"] = {**cron_status, "lastScheduleTime": scheduled}
    emit("MODIFIED", finished[:-1] + ".600Z", cron)


cron_status: dict[str, str] = {}
cron_run("2026-11-27T13:30:00Z", "billing-invoices-29405370", True, "2026-11-27T13:31:12Z")
cron_run("2026-11-27T14:00:00Z", "billing-invoices-29405400", True, "2026-11-27T14:01:09Z")

# 14:05 kubectl patch deploy billing --image 2.0.0 (nobody told Helm)
T_PATCH = "2026-11-27T14:05:12Z"
patched = copy.deepcopy(deploy)
patched["metadata"]["generation"] = 2
patched["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/acme/billing:2.0.0"
helm_entry = patched["metadata"]["managedFields"][0]
del helm_entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"][
    'k:{"name":"billing"}'
]["f:image"]
patched["metadata"]["managedFields"].append(
    entry(
        "kubectl-patch",
        "Update",
        T_PATCH,
        {
            "f:spec": {
                "f:template": {
                    "f:spec": {"f:containers": {'k:{"name":"billing"}': {"f:image": {}}}}
                }
            }
        },
        api="apps/v1",
    )
)
emit("MODIFIED", T_PATCH[:-1] + ".031Z", patched)
new_template = patched["spec"]["template"]
rs2 = rs_for(patched, "billing-7f5d9c6b8", "2", T_PATCH, 1, new_template)
emit("ADDED", T_PATCH[:-1] + ".090Z", rs2)
event(
    T_PATCH,
    patched,
    "Normal",
    "ScalingReplicaSet",
    "Scaled up replica set billing-7f5d9c6b8 to 1",
    "deployment-controller",
)
new_pods = [
    pod_for(rs2, s, t, ip, "node-1", "ghcr.io/acme/billing:2.0.0")
    for s, t, ip in (
        ("h5s8d", T_PATCH, "10.244.1.52"),
        ("q2m4t", "2026-11-27T14:05:40Z", "10.244.2.48"),
    )
]
emit("ADDED", "2026-11-27T14:05:33.000Z", new_pods[0])
rs1_half = copy.deepcopy(rs1)
rs1_half["spec"]["replicas"] = 1
rs1_half["status"] = {
    **rs1["status"],
    "replicas": 1,
    "readyReplicas": 1,
    "availableReplicas": 1,
    "fullyLabeledReplicas": 1,
}
rs1_half["metadata"]["managedFields"][0]["time"] = "2026-11-27T14:05:33Z"
emit("MODIFIED", "2026-11-27T14:05:33.200Z", rs1_half)
emit("DELETED", "2026-11-27T14:06:05.000Z", old_pods[0])
event(
    "2026-11-27T14:05:33Z",
    patched,
    "Normal",
    "ScalingReplicaSet",
    "Scaled down replica set billing-6d4c8b7f9 to 1 from 2",
    "deployment-controller",
)
emit("ADDED", "2026-11-27T14:06:01.000Z", new_pods[1])
rs1_zero = copy.deepcopy(rs1_half)
rs1_zero["spec"]["replicas"] = 0
rs1_zero["status"] = {"replicas": 0, "observedGeneration": 3}
rs1_zero["metadata"]["managedFields"][0]["time"] = "2026-11-27T14:06:01Z"
emit("MODIFIED", "2026-11-27T14:06:01.200Z", rs1_zero)
emit("DELETED", "2026-11-27T14:06:32.000Z", old_pods[1])
event(
    "2026-11-27T14:06:01Z",
    patched,
    "Normal",
    "ScalingReplicaSet",
    "Scaled down replica set billing-6d4c8b7f9 to 0 from 1",
    "deployment-controller",
)
rolled = copy.deepcopy(patched)
rolled["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
rolled["status"] = {**deploy["status"], "observedGeneration": 2}
rolled["status"]["conditions"] = [
    deploy["status"]["conditions"][0],
    {
        **deploy["status"]["conditions"][1],
        "message": 'ReplicaSet "billing-7f5d9c6b8" has successfully progressed.',
        "lastUpdateTime": "2026-11-27T14:06:02Z",
    },
]
rolled["metadata"]["managedFields"][1]["time"] = "2026-11-27T14:06:02Z"
emit("MODIFIED", "2026-11-27T14:06:02.100Z", rolled)

# 14:20 kubectl edit svc checkout: selector app=checkout → app=checkout-api
T_EDIT = "2026-11-27T14:20:40Z"
edited = copy.deepcopy(checkout_svc)
edited["spec"]["selector"] = {"app": "checkout-api"}
del edited["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:selector"]
edited["metadata"]["managedFields"].append(
    entry("kubectl-edit", "Update", T_EDIT, {"f:spec": {"f:selector": {"f:app": {}}}})
)
emit("MODIFIED", T_EDIT[:-1] + ".402Z", edited)
empty_slice = copy.deepcopy(checkout_slice)
empty_slice["endpoints"] = []
empty_slice["metadata"]["managedFields"][0]["time"] = "2026-11-27T14:20:41Z"
emit("MODIFIED", "2026-11-27T14:20:41.050Z", empty_slice)

# 14:30 and 15:00: the CronJob keeps firing with 1.4.2 and fails
cron_run("2026-11-27T14:30:00Z", "billing-invoices-29405430", False, "2026-11-27T14:31:40Z")
cron_run("2026-11-27T15:00:00Z", "billing-invoices-29405460", False, "2026-11-27T15:01:38Z")

with open(OUT if len(sys.argv) < 2 else sys.argv[1], "w") as f:
    for line in lines:
        f.write(json.dumps(line, separators=(",", ":"), sort_keys=False) + "\n")
print(f"wrote {len(lines)} watch events to {OUT}")
