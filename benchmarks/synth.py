"""Realistic synthetic objects and histories for the benchmarks (~2 KB per object, like a real cluster's)."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from crumbs.model import ObjectKey, Revision, RevisionType

NS = 1_000_000_000
START = 1_795_000_000 * NS  # 2026-11-18


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uid(rng: random.Random) -> str:
    return f"{_hex(rng, 8)}-{_hex(rng, 4)}-4{_hex(rng, 3)}-9{_hex(rng, 3)}-{_hex(rng, 12)}"


def _ts(ns: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ns // NS))


def _mf(
    manager: str, time: str, fields: dict[str, Any], subresource: str | None = None, api: str = "v1"
) -> dict[str, Any]:
    e = {
        "apiVersion": api,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": "Update",
        "time": time,
    }
    if subresource:
        e["subresource"] = subresource
    return e


def pod(rng: random.Random, ns: str, app: str, i: int, t: int) -> dict[str, Any]:
    name = f"{app}-{_hex(rng, 9)}-{_hex(rng, 5)}"
    created = _ts(t)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": _uid(rng),
            "resourceVersion": str(rng.randrange(10**8)),
            "creationTimestamp": created,
            "generateName": f"{app}-{_hex(rng, 9)}-",
            "labels": {"app": app, "pod-template-hash": _hex(rng, 9), "team": f"team-{i % 7}"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-{_hex(rng, 9)}",
                    "uid": _uid(rng),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                _mf(
                    "kube-controller-manager",
                    created,
                    {
                        "f:metadata": {
                            "f:generateName": {},
                            "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                            "f:ownerReferences": {".": {}, f'k:{{"uid":"{_uid(rng)}"}}': {}},
                        },
                        "f:spec": {
                            "f:containers": {
                                f'k:{{"name":"{app}"}}': {
                                    ".": {},
                                    "f:image": {},
                                    "f:imagePullPolicy": {},
                                    "f:name": {},
                                    "f:ports": {},
                                    "f:resources": {},
                                }
                            },
                            "f:dnsPolicy": {},
                            "f:restartPolicy": {},
                        },
                    },
                ),
                _mf(
                    "kubelet",
                    created,
                    {
                        "f:status": {
                            "f:conditions": {},
                            "f:containerStatuses": {},
                            "f:hostIP": {},
                            "f:phase": {},
                            "f:podIP": {},
                            "f:podIPs": {},
                            "f:startTime": {},
                        }
                    },
                    "status",
                ),
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": app,
                    "image": f"ghcr.io/acme/{app}:1.{rng.randrange(30)}.{rng.randrange(10)}",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "env": [
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "DB_HOST", "value": f"postgres.{ns}.svc.cluster.local"},
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"memory": "256Mi"},
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": f"node-{rng.randrange(60)}",
            "schedulerName": "default-scheduler",
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
        },
        "status": {
            "phase": "Running",
            "hostIP": f"10.0.{rng.randrange(4)}.{rng.randrange(255)}",
            "podIP": f"10.244.{rng.randrange(255)}.{rng.randrange(255)}",
            "startTime": created,
            "conditions": [
                {"type": c, "status": "True", "lastProbeTime": None, "lastTransitionTime": created}
                for c in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": app,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "image": f"ghcr.io/acme/{app}:1.0.0",
                    "imageID": f"ghcr.io/acme/{app}@sha256:{_hex(rng, 64)}",
                    "containerID": f"containerd://{_hex(rng, 64)}",
                    "state": {"running": {"startedAt": created}},
                }
            ],
        },
    }


def configmap(rng: random.Random, ns: str, app: str, i: int, t: int) -> dict[str, Any]:
    created = _ts(t)
    data = {f"KEY_{k}": f"value-{_hex(rng, 12)}" for k in range(20)}
    data["application.yaml"] = "\n".join(f"setting{k}: {rng.randrange(1000)}" for k in range(30))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{app}-config-{i}",
            "namespace": ns,
            "uid": _uid(rng),
            "resourceVersion": str(rng.randrange(10**8)),
            "creationTimestamp": created,
            "labels": {"app": app, "app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": app, "meta.helm.sh/release-namespace": ns},
            "managedFields": [
                _mf("helm", created, {"f:data": {f"f:KEY_{k}": {} for k in range(20)}})
            ],
        },
        "data": data,
    }


def deployment(rng: random.Random, ns: str, app: str, i: int, t: int) -> dict[str, Any]:
    created = _ts(t)
    p = pod(rng, ns, app, i, t)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"{app}-{i}",
            "namespace": ns,
            "uid": _uid(rng),
            "resourceVersion": str(rng.randrange(10**8)),
            "generation": 1,
            "creationTimestamp": created,
            "labels": {"app": app},
            "annotations": {
                "deployment.kubernetes.io/revision": "1",
                "meta.helm.sh/release-name": app,
            },
            "managedFields": [
                _mf(
                    "helm",
                    created,
                    {
                        "f:spec": {
                            "f:replicas": {},
                            "f:selector": {},
                            "f:template": {"f:spec": {"f:containers": {}}},
                        }
                    },
                    api="apps/v1",
                ),
                _mf(
                    "kube-controller-manager",
                    created,
                    {"f:status": {"f:availableReplicas": {}, "f:conditions": {}, "f:replicas": {}}},
                    "status",
                    "apps/v1",
                ),
            ],
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": app}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": p["spec"] | {"nodeName": None},
            },
        },
        "status": {
            "observedGeneration": 1,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": created,
                    "lastTransitionTime": created,
                }
            ],
        },
    }


MAKERS = (pod, pod, pod, deployment, configmap)


def mutate(rng: random.Random, obj: dict[str, Any], t: int, n: int) -> dict[str, Any]:
    """The next revision: a few fields change, as in a real cluster."""
    obj = copy.deepcopy(obj)
    md = obj["metadata"]
    md["resourceVersion"] = str(int(md["resourceVersion"]) + rng.randrange(1, 5000))
    md["managedFields"][-1]["time"] = _ts(t)
    kind = obj["kind"]
    r = rng.random()
    if kind == "ConfigMap":
        obj["data"][f"KEY_{rng.randrange(20)}"] = f"value-{_hex(rng, 12)}"
    elif kind == "Deployment":
        if r < 0.5:
            c = obj["spec"]["template"]["spec"]["containers"][0]
            c["image"] = c["image"].rsplit(":", 1)[0] + f":1.{n}.{rng.randrange(10)}"
            md["generation"] += 1
        else:
            obj["spec"]["replicas"] = rng.randrange(1, 6)
        obj["status"]["readyReplicas"] = rng.randrange(0, 6)
    else:
        cs = obj["status"]["containerStatuses"][0]
        if r < 0.4:
            cs["restartCount"] += 1
            cs["state"] = {"running": {"startedAt": _ts(t)}}
        elif r < 0.7:
            obj["status"]["conditions"][1]["status"] = rng.choice(["True", "False"])
            obj["status"]["conditions"][1]["lastTransitionTime"] = _ts(t)
        else:
            md["labels"]["rollout"] = str(n)
    return obj


def history(
    objects: int,
    revisions: int,
    namespaces: int = 100,
    span_ns: int = 30 * 86400 * NS,
    seed: int = 7,
) -> Iterator[Revision]:
    """``objects`` × ``revisions`` revisions over ``span_ns``, in time order like a watch stream.

    Round n touches every object once: objects are created in round 0 and changed
    a few fields at a time after that.
    """
    rng = random.Random(seed)
    step = span_ns // (objects * revisions)
    current: list[tuple[ObjectKey, str, dict[str, Any]]] = []
    for n in range(revisions):
        for i in range(objects):
            t = START + (n * objects + i) * step
            if n == 0:
                ns = f"ns-{i % namespaces:03d}"
                obj = MAKERS[i % len(MAKERS)](rng, ns, f"app{i % 300}", i, t)
                md = obj["metadata"]
                key = ObjectKey(
                    "bench", obj["apiVersion"].rpartition("/")[0], obj["kind"], ns, md["name"]
                )
                current.append((key, md["uid"], obj))
            else:
                key, uid, obj = current[i]
                obj = mutate(rng, obj, t, n)
                current[i] = (key, uid, obj)
            yield Revision(
                key, current[i][1], t, RevisionType.ADDED if n == 0 else RevisionType.MODIFIED, obj
            )
