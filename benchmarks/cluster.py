"""A synthetic but coherent cluster for the scan benchmark: 100,000 objects, 10,000 of them pods.

Per namespace (100 of them): 20 apps, each a Deployment with 10 ReplicaSets
(revision history), 5 pods, a Service and its EndpointSlice, a ServiceAccount,
ConfigMaps and Secrets its pods use (and more nobody uses), an HPA, a PDB, a
NetworkPolicy, an Ingress, a PVC; 10 CronJobs with 3 Jobs each. 100 Nodes.
About 2% of the apps had a change an hour before the scan that broke them
(image pulls, crash loops after a ConfigMap edit, a Service selector edited),
so the scan ranks causes as it would in a real incident.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from synth import NS, START, _mf, _ts, _uid

from crumbs.model import ObjectKey, Revision, RevisionType

NAMESPACES = 100
APPS = 20
SCAN_AT = START + 30 * 86400 * NS
BROKEN_EVERY = 50


def _rev(obj: dict[str, Any], at: int, kind: RevisionType = RevisionType.ADDED) -> Revision:
    md = obj["metadata"]
    group = obj["apiVersion"].rpartition("/")[0]
    key = ObjectKey("bench", group, obj["kind"], md.get("namespace", ""), md["name"])
    return Revision(key, md["uid"], at, kind, obj)


def _meta(
    rng: random.Random,
    name: str,
    ns: str | None,
    created: str,
    labels: dict[str, str],
    manager: str = "helm",
    api: str = "v1",
    **extra: Any,
) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "uid": _uid(rng), "resourceVersion": str(rng.randrange(10**8)), "creationTimestamp": created, "labels": dict(labels),
                          "managedFields": [_mf(manager, created, {"f:metadata": {"f:labels": {}}, "f:spec": {}}, api=api)], **extra}  # fmt: skip
    if ns is not None:
        md["namespace"] = ns
    return md


def _pod_spec(app: str, image: str, cm: str, secret: str) -> dict[str, Any]:
    return {
        "serviceAccountName": app,
        "containers": [{
            "name": app, "image": image, "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "envFrom": [{"configMapRef": {"name": cm}}],
            "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
                    {"name": "UPSTREAM", "value": "http://backend.default.svc.cluster.local:8080"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }],
        "volumes": [{"name": "data", "emptyDir": {}},
                    {"name": "settings", "projected": {"sources": [{"configMap": {"name": f"{app}-extra-{k}"}} for k in range(11)]}}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
    }  # fmt: skip


def _owner(obj: dict[str, Any]) -> list[dict[str, Any]]:
    md = obj["metadata"]
    return [{"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}]  # fmt: skip


def _status_pod(created: str, image: str, app: str, state: str) -> dict[str, Any]:
    ready = state == "running"
    cs: dict[str, Any] = {
        "name": app,
        "image": image,
        "ready": ready,
        "started": ready,
        "restartCount": 0 if ready else 14,
    }
    if state == "running":
        cs["state"] = {"running": {"startedAt": created}}
    elif state == "pull":
        cs["state"] = {
            "waiting": {
                "reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "{image}"',
            }
        }
    else:
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}
        cs["lastState"] = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "finishedAt": created,
                "startedAt": created,
            }
        }
    return {"phase": "Running", "startTime": created, "podIP": "10.244.0.1", "hostIP": "10.0.0.1", "qosClass": "Burstable", "containerStatuses": [cs],
            "conditions": [{"type": t, "status": "True" if ready or t == "PodScheduled" else "False", "lastProbeTime": None, "lastTransitionTime": created}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]}  # fmt: skip


def _app(rng: random.Random, ns: str, a: int, t0: int) -> Iterator[Revision]:
    app = f"app{a}"
    created = _ts(t0)
    labels = {"app": app, "app.kubernetes.io/managed-by": "Helm", "team": f"team-{a % 7}"}
    image = f"registry.example.com/{ns}/{app}:1.{a}.0"
    cm, secret = f"{app}-config", f"{app}-db"
    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(rng, app, ns, created, labels),
    }
    yield _rev(sa, t0)
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(rng, cm, ns, created, labels),
              "data": {f"KEY_{k}": f"value-{k}-{a}" for k in range(12)}}  # fmt: skip
    yield _rev(config, t0)
    for extra in range(11):
        other = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(rng, f"{app}-extra-{extra}", ns, created, labels),
            "data": {"a": "b" * 200},
        }
        yield _rev(other, t0)
    for extra in range(12):
        name = secret if extra == 0 else f"{app}-secret-{extra}"
        yield _rev({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": _meta(rng, name, ns, created, labels), "data": {"password": "c2VjcmV0" * 8}}, t0)  # fmt: skip
    spec = _pod_spec(app, image, cm, secret)
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": _meta(rng, app, ns, created, labels, api="apps/v1", generation=10, annotations={"deployment.kubernetes.io/revision": "10"}),
           "spec": {"replicas": 5, "selector": {"matchLabels": {"app": app}}, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
                    "template": {"metadata": {"labels": dict(labels)}, "spec": spec}},
           "status": {"observedGeneration": 10, "replicas": 5, "readyReplicas": 5, "availableReplicas": 5, "updatedReplicas": 5,
                      "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "lastUpdateTime": created, "lastTransitionTime": created},
                                     {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "lastUpdateTime": created, "lastTransitionTime": created}]}}  # fmt: skip
    yield _rev(dep, t0)
    rs = None
    for r in range(10):
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": _meta(rng, f"{app}-{r:09d}", ns, created, labels | {"pod-template-hash": f"{r:09d}"}, manager="kube-controller-manager", api="apps/v1",
                                ownerReferences=_owner(dep), annotations={"deployment.kubernetes.io/revision": str(r + 1)}),
              "spec": {"replicas": 5 if r == 9 else 0, "selector": {"matchLabels": {"app": app, "pod-template-hash": f"{r:09d}"}}, "template": dep["spec"]["template"]},
              "status": {"replicas": 5 if r == 9 else 0, "readyReplicas": 5 if r == 9 else 0}}  # fmt: skip
        yield _rev(rs, t0)
    assert rs is not None
    pods = []
    for p in range(5):
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": _meta(rng, f"{app}-000000009-{p:05d}", ns, created, labels | {"pod-template-hash": "000000009"}, manager="kube-controller-manager", ownerReferences=_owner(rs)),
               "spec": spec | {"nodeName": f"node-{rng.randrange(100)}"}, "status": _status_pod(created, image, app, "running")}  # fmt: skip
        pods.append(pod)
        yield _rev(pod, t0)
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": _meta(rng, app, ns, created, labels),
           "spec": {"type": "ClusterIP", "selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}  # fmt: skip
    yield _rev(svc, t0)
    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
           "metadata": _meta(rng, f"{app}-abcde", ns, created, {"kubernetes.io/service-name": app}, manager="endpointslice-controller.k8s.io", api="discovery.k8s.io/v1", ownerReferences=_owner(svc)),
           "endpoints": [{"addresses": ["10.244.0.1"], "conditions": {"ready": True}, "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns}} for p in pods]}  # fmt: skip
    yield _rev(eps, t0)
    yield _rev({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta(rng, app, ns, created, labels, api="autoscaling/v2"),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app}, "minReplicas": 5, "maxReplicas": 20},
                "status": {"currentReplicas": 5, "desiredReplicas": 5, "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}, {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}]}}, t0)  # fmt: skip
    yield _rev({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(rng, app, ns, created, labels, api="policy/v1"),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": app}}}, "status": {"currentHealthy": 5, "desiredHealthy": 4, "disruptionsAllowed": 1, "expectedPods": 5}}, t0)  # fmt: skip
    yield _rev({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(rng, app, ns, created, labels, api="networking.k8s.io/v1"),
                "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]}}, t0)  # fmt: skip
    yield _rev({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(rng, app, ns, created, labels, api="networking.k8s.io/v1"),
                "spec": {"rules": [{"host": f"{app}.{ns}.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": app, "port": {"number": 80}}}}]}}]}}, t0)  # fmt: skip
    yield _rev({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta(rng, f"data-{app}", ns, created, labels),
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "standard"}, "status": {"phase": "Bound"}}, t0)  # fmt: skip
    if a % BROKEN_EVERY == 7 % BROKEN_EVERY:
        yield from _incident(rng, a, config, dep, rs, pods, svc)


def _incident(
    rng: random.Random,
    a: int,
    config: dict[str, Any],
    dep: dict[str, Any],
    rs: dict[str, Any],
    pods: list[dict[str, Any]],
    svc: dict[str, Any],
) -> Iterator[Revision]:
    """An hour before the scan, one change breaks the app."""
    t = SCAN_AT - 3600 * NS
    when = _ts(t)
    how = rng.choice(("image", "config", "selector"))
    if how == "selector":
        new = copy.deepcopy(svc)
        new["spec"]["selector"] = {"app": f"app{a}-api"}
        new["metadata"]["managedFields"].append(
            _mf("kubectl-edit", when, {"f:spec": {"f:selector": {}}})
        )
        yield _rev(new, t, RevisionType.MODIFIED)
        return
    if how == "config":
        new = copy.deepcopy(config)
        new["data"]["KEY_0"] = "broken"
        new["metadata"]["managedFields"].append(
            _mf("kubectl-edit", when, {"f:data": {"f:KEY_0": {}}})
        )
        yield _rev(new, t, RevisionType.MODIFIED)
    else:
        new = copy.deepcopy(dep)
        c = new["spec"]["template"]["spec"]["containers"][0]
        c["image"] = c["image"] + "-typo"
        new["metadata"]["managedFields"].append(
            _mf("kubectl-set", when, {"f:spec": {"f:template": {}}}, api="apps/v1")
        )
        yield _rev(new, t, RevisionType.MODIFIED)
    for pod in pods[:2]:
        broken = copy.deepcopy(pod)
        image = broken["spec"]["containers"][0]["image"]
        broken["status"] = _status_pod(
            _ts(t + 60 * NS),
            image + ("-typo" if how == "image" else ""),
            broken["spec"]["containers"][0]["name"],
            "pull" if how == "image" else "crash",
        )
        yield _rev(broken, t + 60 * NS, RevisionType.MODIFIED)


def _last_run(minute: int) -> int:
    """The last time before the scan an hourly schedule at ``minute`` fired."""
    hour = SCAN_AT - SCAN_AT % (3600 * NS)
    t = hour + minute * 60 * NS
    return t if t <= SCAN_AT else t - 3600 * NS


def _cron(rng: random.Random, ns: str, c: int, t0: int) -> Iterator[Revision]:
    created = _ts(t0)
    labels = {"app": f"cron{c}"}
    image = f"registry.example.com/{ns}/cron{c}:2.0.{c}"
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(rng, f"cron{c}", ns, created, labels, api="batch/v1"),
          "spec": {"schedule": f"{c * 5 % 60} * * * *", "concurrencyPolicy": "Forbid", "suspend": False, "successfulJobsHistoryLimit": 3,
                   "jobTemplate": {"spec": {"template": {"metadata": {"labels": labels}, "spec": {"restartPolicy": "Never", "containers": [{"name": "run", "image": image}]}}}}},
          "status": {"lastScheduleTime": _ts(_last_run(c * 5 % 60)), "lastSuccessfulTime": _ts(_last_run(c * 5 % 60) + 50 * NS)}}  # fmt: skip
    yield _rev(cj, t0)
    for j in range(3):
        at = SCAN_AT - (3 - j) * 3600 * NS
        done = _ts(at + 60 * NS)
        yield _rev({"apiVersion": "batch/v1", "kind": "Job",
                    "metadata": _meta(rng, f"cron{c}-{at // NS // 60}", ns, _ts(at), labels, manager="kube-controller-manager", api="batch/v1", ownerReferences=_owner(cj),
                                      annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": _ts(at)}),
                    "spec": cj["spec"]["jobTemplate"]["spec"], "status": {"succeeded": 1, "completionTime": done, "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": done}]}}, at)  # fmt: skip


def cluster(seed: int = 11) -> Iterator[Revision]:
    rng = random.Random(seed)
    t0 = START
    for n in range(100):
        node = {"apiVersion": "v1", "kind": "Node", "metadata": _meta(rng, f"node-{n}", None, _ts(t0), {"kubernetes.io/hostname": f"node-{n}"}, manager="kubelet"),
                "spec": {}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.2"}, "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastTransitionTime": _ts(t0)}]}}  # fmt: skip
        yield _rev(node, t0)
    for n in range(NAMESPACES):
        ns = f"ns-{n:03d}"
        for a in range(APPS):
            yield from _app(rng, ns, n * APPS + a, t0)
        for c in range(10):
            yield from _cron(rng, ns, c, t0)


def objects(revisions: list[Revision]) -> int:
    return len({r.key for r in revisions})
