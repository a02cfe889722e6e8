"""`kubectl cluster-info dump --output-directory` trees, as kubectl writes them.

Layout (kubectl's cluster-info dump): ``nodes.json`` at the root; per namespace
``events.json``, ``replicationcontrollers.json``, ``services.json``,
``daemonsets.json``, ``deployments.json``, ``replicasets.json``, ``pods.json``
(typed lists: ``PodList`` and friends, items without ``kind``/``apiVersion``),
and ``POD/logs.txt`` with ``==== START logs for container C of pod NS/POD ====``
sections. Event messages are the kubelet's and the controllers' own words.

:func:`probe_rollout_dump` is the shape of a real incident: a rollout that added
a livenessProbe on the wrong port, the new pods crash-looping 12 s later, with
unrelated healthy workloads and an older unrelated rollout around it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from crumbs.timeutil import NS, format_time, parse_time

DUMP_AT = parse_time("2026-11-27T15:00:00Z")
assert DUMP_AT is not None
ROLLOUT_AT = DUMP_AT - 10 * 60 * NS
"""The rollout that broke `api`: 10 minutes before the dump."""


def t(offset_s: float) -> str:
    return format_time(DUMP_AT + int(offset_s * NS), precise=False)


def ago(days: float = 0, minutes: float = 0, seconds: float = 0) -> str:
    return t(-(days * 86400 + minutes * 60 + seconds))


def _mf(
    manager: str, when: str, fields: dict[str, Any] | None = None, op: str = "Update", sub: str = ""
) -> dict[str, Any]:
    e = {"manager": manager, "operation": op, "apiVersion": "apps/v1", "time": when, "fieldsType": "FieldsV1",
         "fieldsV1": fields or {"f:spec": {}}}  # fmt: skip
    if sub:
        e["subresource"] = sub
    return e


def _template(app: str, image: str, probe: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": app, "image": image, "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}  # fmt: skip
    if probe:
        container["livenessProbe"] = probe
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [container]}}


def deployment(ns: str, app: str, image: str, created: str, changed: str, manager: str,
               probe: dict[str, Any] | None = None, revision: int = 1, ready: bool = True, replicas: int = 2) -> dict[str, Any]:  # fmt: skip
    avail = replicas if ready else 0
    return {
        "metadata": {"name": app, "namespace": ns, "uid": f"uid-dep-{app}", "resourceVersion": "9001", "generation": revision,
                     "creationTimestamp": created, "labels": {"app": app},
                     "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                     "managedFields": [_mf(manager, changed, {"f:spec": {"f:template": {}}}),
                                       _mf("kube-controller-manager", changed, {"f:status": {}}, sub="status")]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": _template(app, image, probe),
                 "strategy": {"type": "RollingUpdate"}, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {"observedGeneration": revision, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": avail,
                   "availableReplicas": avail, "unavailableReplicas": replicas - avail,
                   "conditions": [
                       {"type": "Available", "status": "True" if ready else "False",
                        "reason": "MinimumReplicasAvailable" if ready else "MinimumReplicasUnavailable",
                        "message": "Deployment has minimum availability." if ready else "Deployment does not have minimum availability.",
                        "lastUpdateTime": changed, "lastTransitionTime": changed if ready else t(-9 * 60)},
                       {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable" if ready else "ReplicaSetUpdated",
                        "message": f'ReplicaSet "{app}-{revision}" has successfully progressed.' if ready else f'ReplicaSet "{app}-{revision}" is progressing.',
                        "lastUpdateTime": changed, "lastTransitionTime": created}]},
    }  # fmt: skip


def replicaset(
    dep: dict[str, Any], revision: int, created: str, template: dict[str, Any], replicas: int
) -> dict[str, Any]:
    app = dep["metadata"]["name"]
    tpl = copy.deepcopy(template)
    tpl["metadata"]["labels"]["pod-template-hash"] = f"h{revision}"
    return {
        "metadata": {"name": f"{app}-{revision}", "namespace": dep["metadata"]["namespace"], "uid": f"uid-rs-{app}-{revision}",
                     "resourceVersion": str(8000 + revision), "creationTimestamp": created, "labels": {"app": app, "pod-template-hash": f"h{revision}"},
                     "annotations": {"deployment.kubernetes.io/revision": str(revision), "deployment.kubernetes.io/desired-replicas": "2"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": dep["metadata"]["uid"], "controller": True}],
                     "managedFields": [_mf("kube-controller-manager", created)]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": f"h{revision}"}}, "template": tpl},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1},
    }  # fmt: skip


def pod(
    rs: dict[str, Any], suffix: str, node: str, ip: str, created: str, state: dict[str, Any]
) -> dict[str, Any]:
    app = rs["metadata"]["labels"]["app"]
    name = f"{rs['metadata']['name']}-{suffix}"
    spec = copy.deepcopy(rs["spec"]["template"]["spec"])
    spec.update({"nodeName": node, "restartPolicy": "Always", "serviceAccountName": "default"})
    return {
        "metadata": {"name": name, "namespace": rs["metadata"]["namespace"], "uid": f"uid-pod-{name}", "resourceVersion": "9100",
                     "creationTimestamp": created, "labels": dict(rs["spec"]["template"]["metadata"]["labels"]),
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"], "uid": rs["metadata"]["uid"], "controller": True}],
                     "managedFields": [_mf("kube-controller-manager", created), _mf("kubelet", state["when"], {"f:status": {}}, sub="status")]},
        "spec": spec,
        "status": {"phase": "Running", "hostIP": "10.224.0.4", "podIP": ip, "podIPs": [{"ip": ip}], "startTime": created, "qosClass": "Burstable",
                   "conditions": state["conditions"], "containerStatuses": [{"name": app, "image": spec["containers"][0]["image"], "imageID": "",
                                                                              "containerID": f"containerd://{name}", **state["container"]}]},
    }  # fmt: skip


def healthy(started: str) -> dict[str, Any]:
    return {"when": started, "conditions": [{"type": c, "status": "True", "lastProbeTime": None, "lastTransitionTime": started}
                                             for c in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "container": {"ready": True, "started": True, "restartCount": 0, "state": {"running": {"startedAt": started}}}}  # fmt: skip


def crashlooping(
    created: str, first_crash: str, last_start: str, last_end: str, restarts: int
) -> dict[str, Any]:
    return {
        "when": last_end,
        "conditions": [{"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": created},
                       {"type": "Ready", "status": "False", "lastProbeTime": None, "lastTransitionTime": first_crash, "reason": "ContainersNotReady",
                        "message": "containers with unready status: [api]"},
                       {"type": "ContainersReady", "status": "False", "lastProbeTime": None, "lastTransitionTime": first_crash,
                        "reason": "ContainersNotReady", "message": "containers with unready status: [api]"},
                       {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": created}],
        "container": {"ready": False, "started": False, "restartCount": restarts,
                      "state": {"waiting": {"reason": "CrashLoopBackOff",
                                            "message": "back-off 2m40s restarting failed container=api pod=api"}},
                      "lastState": {"terminated": {"exitCode": 137, "reason": "Error", "startedAt": last_start, "finishedAt": last_end}}},
    }  # fmt: skip


def event(ns: str, kind: str, name: str, uid: str, reason: str, message: str, first: str, last: str, count: int,
          component: str, etype: str = "Warning", field_path: str = "") -> dict[str, Any]:  # fmt: skip
    involved = {
        "kind": kind,
        "namespace": ns,
        "name": name,
        "uid": uid,
        "apiVersion": "apps/v1" if kind != "Pod" else "v1",
    }
    if field_path:
        involved["fieldPath"] = field_path
    return {"metadata": {"name": f"{name}.{abs(hash((reason, first))) % 10**12:x}", "namespace": ns, "uid": f"uid-ev-{name}-{reason}-{first}",
                         "resourceVersion": "9200", "creationTimestamp": first},
            "involvedObject": involved, "reason": reason, "message": message, "source": {"component": component},
            "firstTimestamp": first, "lastTimestamp": last, "count": count, "type": etype, "reportingComponent": component}  # fmt: skip


def node(name: str, heartbeat: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "uid": f"uid-node-{name}", "resourceVersion": "9300", "creationTimestamp": ago(days=60),
                         "labels": {"kubernetes.io/hostname": name, "kubernetes.azure.com/cluster": "MC_rg_aks"}},
            "spec": {"providerID": f"azure:///{name}"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.29.9", "containerRuntimeVersion": "containerd://1.7.22"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                                       "lastHeartbeatTime": heartbeat, "lastTransitionTime": ago(days=60)}]}}  # fmt: skip


def service(ns: str, app: str, created: str) -> dict[str, Any]:
    return {"metadata": {"name": app, "namespace": ns, "uid": f"uid-svc-{app}", "resourceVersion": "9400", "creationTimestamp": created,
                         "labels": {"app": app}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.0.41.7", "clusterIPs": ["10.0.41.7"], "selector": {"app": app},
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}], "sessionAffinity": "None"},
            "status": {"loadBalancer": {}}}  # fmt: skip


def loose_manifests(root: Path) -> None:
    """What sits beside a dump in a real incident folder: the repo's manifests (no status,
    no uid), one for a workload the dump holds and one for a workload never applied."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "api.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n"
        "spec:\n  replicas: 2\n  selector:\n    matchLabels: {app: api}\n  template:\n"
        "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n"
        "      - name: api\n        image: registry.example.com/api:3.2.0\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\n"
        "spec:\n  selector: {app: api}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
    )
    (root / "billing.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\n  namespace: shop\n"
        "  creationTimestamp: null\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: billing}\n"
        "  template:\n    metadata:\n      labels: {app: billing}\n    spec:\n      containers:\n"
        "      - name: billing\n        image: registry.example.com/billing:1.0.0\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: billing\n  namespace: shop\n"
        "spec:\n  type: LoadBalancer\n  selector: {app: billing}\n  ports:\n  - port: 80\n"
    )


def write_list(path: Path, kind: str, api: str, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "kind": kind,
                "apiVersion": api,
                "metadata": {"resourceVersion": "9999"},
                "items": items,
            },
            indent=4,
        )
    )


def probe_rollout_dump(root: Path) -> dict[str, Any]:
    """The incident; returns what a reader of the dump would say happened."""
    ns = "shop"
    wrong_probe = {"httpGet": {"path": "/healthz", "port": 8081, "scheme": "HTTP"}, "initialDelaySeconds": 5, "periodSeconds": 5,
                   "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 1}  # fmt: skip
    rollout = format_time(ROLLOUT_AT, precise=False)
    api = deployment(
        ns,
        "api",
        "registry.example.com/api:3.2.0",
        ago(days=40),
        rollout,
        "kubectl-client-side-apply",
        wrong_probe,
        2,
        ready=False,
    )
    api_old = replicaset(
        api, 1, ago(days=40), _template("api", "registry.example.com/api:3.2.0"), 0
    )
    api_new = replicaset(
        api, 2, rollout, _template("api", "registry.example.com/api:3.2.0", wrong_probe), 2
    )
    # an unrelated rollout three days ago (healthy since), and a workload nobody touched
    web = deployment(
        ns,
        "web",
        "registry.example.com/web:1.9.1",
        ago(days=30),
        ago(days=3),
        "kubectl-set",
        revision=2,
    )
    web_old = replicaset(
        web, 1, ago(days=30), _template("web", "registry.example.com/web:1.9.0"), 0
    )
    web_new = replicaset(web, 2, ago(days=3), _template("web", "registry.example.com/web:1.9.1"), 2)
    worker = deployment(
        ns,
        "worker",
        "registry.example.com/worker:0.4.0",
        ago(days=20),
        ago(days=20),
        "helm",
        revision=1,
    )
    worker_rs = replicaset(
        worker, 1, ago(days=20), _template("worker", "registry.example.com/worker:0.4.0"), 2
    )
    crash_created, first_crash = rollout, t(-10 * 60 + 12)
    pods = [
        pod(api_new, "x7k2p", "aks-nodepool1-0", "10.244.1.21", t(-10 * 60 + 1), crashlooping(crash_created, first_crash, t(-70), t(-64), 6)),
        pod(api_new, "m3q9z", "aks-nodepool1-1", "10.244.2.17", t(-10 * 60 + 1), crashlooping(crash_created, first_crash, t(-58), t(-52), 6)),
        pod(web_new, "a1b2c", "aks-nodepool1-0", "10.244.1.9", ago(days=3), healthy(ago(days=3))),
        pod(web_new, "d3e4f", "aks-nodepool1-1", "10.244.2.8", ago(days=3), healthy(ago(days=3))),
        pod(worker_rs, "g5h6i", "aks-nodepool1-0", "10.244.1.3", ago(days=20), healthy(ago(days=20))),
        pod(worker_rs, "j7k8l", "aks-nodepool1-1", "10.244.2.3", ago(days=20), healthy(ago(days=20))),
    ]  # fmt: skip
    events = [
        event(ns, "Deployment", "api", "uid-dep-api", "ScalingReplicaSet", "Scaled up replica set api-2 to 2", rollout, rollout, 1,
              "deployment-controller", "Normal"),
        event(ns, "Deployment", "api", "uid-dep-api", "ScalingReplicaSet", "Scaled down replica set api-1 to 0 from 2", t(-10 * 60 + 30),
              t(-10 * 60 + 30), 1, "deployment-controller", "Normal"),
    ]  # fmt: skip
    for p in pods[:2]:
        name, uid, ip = p["metadata"]["name"], p["metadata"]["uid"], p["status"]["podIP"]
        events += [
            event(ns, "Pod", name, uid, "Unhealthy", f'Liveness probe failed: Get "http://{ip}:8081/healthz": dial tcp {ip}:8081: connect: connection refused',
                  first_crash, t(-55), 18, "kubelet", field_path="spec.containers{api}"),
            event(ns, "Pod", name, uid, "Killing", "Container api failed liveness probe, will be restarted", first_crash, t(-55), 6,
                  "kubelet", "Normal", "spec.containers{api}"),
            event(ns, "Pod", name, uid, "BackOff", f"Back-off restarting failed container api in pod {name}_{ns}({uid})", t(-10 * 60 + 50),
                  t(-20), 31, "kubelet", field_path="spec.containers{api}"),
        ]  # fmt: skip
    write_list(
        root / "nodes.json",
        "NodeList",
        "v1",
        [node("aks-nodepool1-0", t(-15)), node("aks-nodepool1-1", t(-25))],
    )
    write_list(root / ns / "deployments.json", "DeploymentList", "apps/v1", [api, web, worker])
    write_list(
        root / ns / "replicasets.json",
        "ReplicaSetList",
        "apps/v1",
        [api_old, api_new, web_old, web_new, worker_rs],
    )
    write_list(root / ns / "pods.json", "PodList", "v1", pods)
    write_list(root / ns / "events.json", "EventList", "v1", events)
    services = [service(ns, "api", ago(days=40)), service(ns, "web", ago(days=30))]
    write_list(root / ns / "services.json", "ServiceList", "v1", services)
    write_list(root / ns / "daemonsets.json", "DaemonSetList", "apps/v1", [])
    write_list(root / ns / "replicationcontrollers.json", "ReplicationControllerList", "v1", [])
    for p in pods:
        name, app = p["metadata"]["name"], p["metadata"]["labels"]["app"]
        body = (
            "starting api on :8080\nready\nreceived SIGTERM, shutting down\n"
            if app == "api"
            else "listening on :8080\n"
        )
        (root / ns / name).mkdir(parents=True, exist_ok=True)
        (root / ns / name / "logs.txt").write_text(
            f"==== START logs for container {app} of pod {ns}/{name} ====\n{body}==== END logs for container {app} of pod {ns}/{name} ====\n"
        )
    return {
        "dump_at": DUMP_AT,
        "rollout_at": ROLLOUT_AT,
        "onset": parse_time(first_crash),
        "namespace": ns,
    }
