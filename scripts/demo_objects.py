"""The objects of the demo incident as they were first applied: checkout (kubectl) and billing (Helm)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from demo_kit import (
    HELM_ANNOTATIONS,
    NS,
    container,
    deployment_obj,
    entry,
    fields,
    helm_labels,
    meta,
    owner,
    owner_fields,
    pod_spec,
    service_obj,
)

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
checkout_deploy = deployment_obj(
    meta(
        "checkout",
        T_CHECKOUT,
        {"app": "checkout"},
        {"deployment.kubernetes.io/revision": "1"},
        generation=1,
    ),
    {"app": "checkout"},
    checkout_template,
    "2026-11-10T11:02:30Z",
)
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
checkout_svc = service_obj(
    meta("checkout", T_CHECKOUT, {"app": "checkout"}), {"app": "checkout"}, 80, "10.96.14.21"
)
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
for p in checkout_pods:
    p["metadata"]["managedFields"] = [
        entry(
            "kube-controller-manager",
            "Update",
            "2026-11-10T11:02:01Z",
            owner_fields(p, ["spec.containers", "metadata.labels"]),
        ),
        entry("kubelet", "Update", "2026-11-10T11:02:25Z", owner_fields(p, ["status"]), "status"),
    ]
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
deploy = deployment_obj(
    meta(
        "billing",
        T_INSTALL,
        helm_labels("api"),
        {**HELM_ANNOTATIONS, "deployment.kubernetes.io/revision": "1"},
        generation=1,
    ),
    {"app.kubernetes.io/name": "billing", "app.kubernetes.io/instance": "billing"},
    billing_template,
    "2026-11-20T09:00:31Z",
    {
        "type": "Progressing",
        "status": "True",
        "reason": "NewReplicaSetAvailable",
        "message": 'ReplicaSet "billing-6d4c8b7f9" has successfully progressed.',
        "lastUpdateTime": "2026-11-20T09:00:31Z",
        "lastTransitionTime": "2026-11-20T09:00:04Z",
    },
)
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
svc = service_obj(
    meta("billing", T_INSTALL, helm_labels("api"), dict(HELM_ANNOTATIONS)),
    {"app.kubernetes.io/name": "billing", "app.kubernetes.io/instance": "billing"},
    8080,
    "10.96.88.140",
)
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


def at_version(obj: dict[str, Any], version: str) -> dict[str, Any]:
    """The same object as an older chart version rendered it (1.4.2 → ``version``)."""
    return json.loads(json.dumps(obj).replace("1.4.2", version))


def release_secret(
    revision: int, version: str, status: str, deployed: str, description: str
) -> dict[str, Any]:
    """Helm's storage Secret for one revision of the billing release (as Helm 3 writes it)."""
    values = {
        "image": {"repository": "ghcr.io/acme/billing", "tag": version},
        "replicaCount": 2,
        "invoices": {"schedule": "*/30 * * * *"},
        "db": {
            "host": "postgres.shop.svc.cluster.local",
            "port": 5432,
            "password": "hunter2-not-a-real-password",
        },
    }
    rendered = [at_version(o, version) for o in (config, secret, svc, deploy, cron)]
    manifest = "\n".join(
        f"---\n# Source: billing/templates/{o['kind'].lower()}.yaml\n"
        + json.dumps(
            {k: v for k, v in o.items() if k != "status"}
            | {
                "metadata": {
                    "name": o["metadata"]["name"],
                    "labels": o["metadata"].get("labels", {}),
                }
            }
        )
        for o in rendered
    )
    release = {
        "name": "billing",
        "namespace": NS,
        "version": revision,
        "info": {
            "first_deployed": T_INSTALL,
            "last_deployed": deployed,
            "deleted": "",
            "description": description,
            "status": status,
        },
        "chart": {
            "metadata": {
                "name": "billing",
                "version": version,
                "appVersion": version,
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
    name = f"sh.helm.release.v1.billing.v{revision}"
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": meta(
            name,
            deployed,
            {"name": "billing", "owner": "helm", "status": status, "version": str(revision)},
        ),
        "data": {"release": base64.b64encode(payload.encode()).decode()},
    }
    obj["metadata"]["managedFields"] = [
        entry("helm", "Update", deployed, owner_fields(obj, ["data", "type", "metadata.labels"]))
    ]
    return obj
