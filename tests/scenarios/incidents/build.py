"""Write the incident recordings (``python tests/scenarios/incidents/build.py``).

Each scenario is a short cluster history in the watch-event format: a healthy
app as of 2026-11-20, then one change on 2026-11-27 around 14:00 and what the
cluster did about it. ``expected.yaml`` names the top finding and top cause a
scan must report for each. The generated files are committed; rerun this after
changing the builders and review the diff.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from kit import (  # noqa: E402
    NS,
    T0,
    Recording,
    changed,
    configmap,
    cronjob,
    deployment,
    endpoint_slice,
    event,
    helm_release,
    hpa,
    ingress,
    job,
    meta,
    mf,
    node,
    pod,
    pvc,
    replica_set,
    secret,
    service,
    storage_class,
)

SCENARIOS: dict[str, Callable[[Recording], None]] = {}
IPS = iter(f"10.244.1.{i}" for i in range(10, 250))


def scenario(fn: Callable[[Recording], None]) -> Callable[[Recording], None]:
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


def container_fields(name: str, *path: str) -> dict[str, Any]:
    """The managedFields set of one field of container ``name`` in a pod template."""
    leaf: dict[str, Any] = {}
    for p in reversed(path):
        leaf = {p: leaf}
    return {
        "f:spec": {"f:template": {"f:spec": {"f:containers": {f'k:{{"name":"{name}"}}': leaf}}}}
    }


def image_fields(name: str) -> dict[str, Any]:
    return container_fields(name, "f:image")


def app(
    rec: Recording, name: str, image: str, replicas: int = 2, expose: bool = True, **pod_spec: Any
) -> dict[str, Any]:
    """A healthy app as of T0: Deployment, ReplicaSet, pods, and a Service with its EndpointSlice."""
    rec.add(T0, node("node-1"))
    dep = rec.add(T0, deployment(name, image, replicas, **pod_spec))
    rs = rec.add(T0, replica_set(dep, "5d8f7c9b4", T0))
    pods = [rec.add(T0, pod(rs, f"x{i}q{i}z", T0, next(IPS))) for i in range(replicas)]
    objs: dict[str, Any] = {"dep": dep, "rs": rs, "pods": pods}
    if expose:
        svc = rec.add(T0, service(name, {"app": name}, target="http"))
        objs["svc"] = svc
        objs["eps"] = rec.add(T0, endpoint_slice(svc, pods))
    return objs


def rollout(
    rec: Recording,
    objs: dict[str, Any],
    new: dict[str, Any],
    time: str,
    state: str,
    hash_: str = "7b9c6d5f8",
    stuck: bool = False,
    **detail: Any,
) -> list[dict[str, Any]]:
    """Roll ``new`` (the Deployment as changed) out; its pods end in ``state``. Returns the new pods."""
    old_rev = int(objs["dep"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    new = copy.deepcopy(new)
    new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(old_rev + 1)
    new["metadata"]["generation"] = old_rev + 1
    dep = rec.change(time, new)
    rs = rec.add(time, replica_set(dep, hash_, time, old_rev + 1))
    later = time[:-3] + "45Z"
    pods = [
        rec.add(later, pod(rs, f"n{i}w{i}k", time, next(IPS), state, since=time, **detail))
        for i in range(1 if state != "running" else dep["spec"]["replicas"])
    ]
    healthy = state == "running"
    st = dep["status"]
    st.update(observedGeneration=old_rev + 1, updatedReplicas=len(pods), readyReplicas=dep["spec"]["replicas"] if healthy else dep["spec"]["replicas"] - 1,
              availableReplicas=dep["spec"]["replicas"] if healthy else dep["spec"]["replicas"] - 1, replicas=dep["spec"]["replicas"] + (0 if healthy else 1))  # fmt: skip
    if not healthy:
        st["unavailableReplicas"] = 1
        st["conditions"][1].update(
            reason="ReplicaSetUpdated",
            message=f'ReplicaSet "{rs["metadata"]["name"]}" is progressing.',
            lastUpdateTime=later,
        )
        if stuck:
            st["conditions"][1].update(
                status="False",
                reason="ProgressDeadlineExceeded",
                message=f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
                lastTransitionTime=detail.get("deadline", later),
                lastUpdateTime=detail.get("deadline", later),
            )
    noted = detail.get("deadline", later) if stuck else later
    dep = rec.change(
        noted, changed(dep, "kube-controller-manager", noted, {"f:status": {}}, sub="status")
    )
    if healthy:
        old = copy.deepcopy(objs["rs"])
        old["spec"]["replicas"] = 0
        old["status"] = {"replicas": 0}
        rec.change(
            later, changed(old, "kube-controller-manager", later, {"f:spec": {"f:replicas": {}}})
        )
        for p in objs["pods"]:
            rec.delete(later, p)
    objs.update(dep=dep, new_rs=rs, new_pods=pods)
    if "eps" in objs:
        objs["eps"] = rec.change(
            later,
            {
                **objs["eps"],
                "endpoints": endpoint_slice(
                    objs["svc"], (objs["pods"] if not healthy else []) + pods
                )["endpoints"],
            },
        )
    return pods


@scenario
def crashloop_after_configmap_edit(rec: Recording) -> None:
    """A hand edit of a ConfigMap, picked up by a `kubectl rollout restart`: the new pods crash."""
    cm = rec.add(T0, configmap("api-config", {"DB_HOST": "db.shop.svc", "LOG_LEVEL": "info"}))
    objs = app(
        rec,
        "api",
        "registry.example.com/api:3.2.0",
        container={"envFrom": [{"configMapRef": {"name": "api-config"}}]},
    )
    edited = changed(cm, "kubectl-edit", "2026-11-27T14:00:05Z", {"f:data": {"f:DB_HOST": {}}})
    edited["data"]["DB_HOST"] = "db-new.shop.svc"
    rec.change("2026-11-27T14:00:05Z", edited)
    restart = changed(
        objs["dep"],
        "kubectl-rollout",
        "2026-11-27T14:01:10Z",
        {
            "f:spec": {
                "f:template": {
                    "f:metadata": {"f:annotations": {"f:kubectl.kubernetes.io/restartedAt": {}}}
                }
            }
        },
    )
    restart["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-27T14:01:10Z"
    }
    pods = rollout(
        rec,
        objs,
        restart,
        "2026-11-27T14:01:10Z",
        "crashloop",
        restarts=5,
        exit=1,
        message="dial tcp: lookup db-new.shop.svc: no such host",
        finished="2026-11-27T14:06:00Z",
    )
    rec.add(
        "2026-11-27T14:06:00Z",
        event(
            pods[0],
            "2026-11-27T14:06:00Z",
            "BackOff",
            "Back-off restarting failed container api in pod " + pods[0]["metadata"]["name"],
            count=12,
        ),
    )


@scenario
def image_pull_after_set_image(rec: Recording) -> None:
    objs = app(rec, "web", "registry.example.com/web:2.4.0")
    new = changed(objs["dep"], "kubectl-set", "2026-11-27T14:00:00Z", image_fields("web"))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/web:2.4.1-rc"
    pods = rollout(rec, objs, new, "2026-11-27T14:00:00Z", "pull")
    rec.add(
        "2026-11-27T14:00:40Z",
        event(
            pods[0],
            "2026-11-27T14:00:40Z",
            "Failed",
            'Failed to pull image "registry.example.com/web:2.4.1-rc": manifest unknown',
            count=6,
        ),
    )


@scenario
def oom_after_helm_upgrade(rec: Recording) -> None:
    """`helm upgrade worker` lowers the memory limit: its release Secret is a cause too."""
    helm = {"meta.helm.sh/release-name": "worker", "meta.helm.sh/release-namespace": NS}
    objs = app(rec, "worker", "registry.example.com/worker:1.9.0", expose=False, annotations=helm)
    first = rec.add(T0, helm_release("worker", 1, "1.9.0", "deployed", T0, [objs["dep"]]))
    superseded = changed(
        first, "helm", "2026-11-27T14:00:00Z", {"f:metadata": {"f:labels": {"f:status": {}}}}
    )
    superseded["metadata"]["labels"]["status"] = "superseded"
    rec.change("2026-11-27T14:00:00Z", superseded)
    new = changed(
        objs["dep"],
        "helm",
        "2026-11-27T14:00:00Z",
        container_fields("worker", "f:resources", "f:limits", "f:memory"),
    )
    new["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "64Mi"
    new["metadata"]["labels"]["helm.sh/chart"] = "worker-1.9.1"
    rollout(
        rec,
        objs,
        new,
        "2026-11-27T14:00:00Z",
        "crashloop",
        restarts=7,
        exit=137,
        reason="OOMKilled",
        finished="2026-11-27T14:09:00Z",
    )
    rec.add(
        "2026-11-27T14:00:00Z",
        helm_release("worker", 2, "1.9.1", "deployed", "2026-11-27T14:00:00Z", [new]),
    )


@scenario
def unschedulable_after_requests(rec: Recording) -> None:
    objs = app(rec, "search", "registry.example.com/search:5.0.2")
    new = changed(
        objs["dep"],
        "kubectl-patch",
        "2026-11-27T14:00:00Z",
        container_fields("search", "f:resources", "f:requests", "f:cpu"),
    )
    new["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "64"
    message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    pods = rollout(rec, objs, new, "2026-11-27T14:00:00Z", "pending", message=message)
    rec.add(
        "2026-11-27T14:05:00Z",
        event(
            pods[0],
            "2026-11-27T14:05:00Z",
            "FailedScheduling",
            message,
            count=9,
            component="default-scheduler",
        ),
    )


@scenario
def service_selector_edit(rec: Recording) -> None:
    objs = app(rec, "checkout", "registry.example.com/checkout:4.1.0")
    svc = changed(
        objs["svc"],
        "kubectl-edit",
        "2026-11-27T14:20:40Z",
        {"f:spec": {"f:selector": {"f:app": {}}}},
    )
    svc["spec"]["selector"] = {"app": "checkout-api"}
    rec.change("2026-11-27T14:20:40Z", svc)
    rec.change("2026-11-27T14:20:41Z", {**objs["eps"], "endpoints": []})
    rec.add(
        "2026-11-27T14:25:00Z",
        event(
            objs["pods"][0],
            "2026-11-27T14:25:00Z",
            "Started",
            "Started container checkout",
            type_="Normal",
        ),
    )


@scenario
def service_target_port_after_helm_upgrade(rec: Recording) -> None:
    objs = app(rec, "payments", "registry.example.com/payments:7.3.0")
    svc = changed(
        objs["svc"],
        "helm",
        "2026-11-27T14:00:00Z",
        {"f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {"f:targetPort": {}}}}},
    )
    svc["spec"]["ports"][0]["targetPort"] = 9090
    svc["metadata"]["labels"]["helm.sh/chart"] = "payments-7.3.1"
    rec.change("2026-11-27T14:00:00Z", svc)


@scenario
def ingress_to_deleted_service(rec: Recording) -> None:
    objs = app(rec, "storefront", "registry.example.com/storefront:12.0.0")
    rec.add(T0, ingress("storefront", "storefront"))
    rec.delete("2026-11-27T14:00:00Z", objs["svc"])
    rec.delete("2026-11-27T14:00:01Z", objs["eps"])


@scenario
def rollout_stuck_after_gitops_sync(rec: Recording) -> None:
    """Someone points the Argo CD application at 8.1.0 in the UI; Argo CD syncs; the rollout hangs."""
    tracking = {"argocd.argoproj.io/tracking-id": "orders:apps/Deployment:shop/orders"}
    objs = app(rec, "orders", "registry.example.com/orders:8.0.0", manager="argocd-controller", annotations=tracking,
               container={"readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}})  # fmt: skip
    application = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                   "metadata": meta("orders", ns="argocd", managers=[mf("argocd-server", T0, {"f:spec": {}}, api="argoproj.io/v1alpha1")]),
                   "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc", "namespace": NS},
                            "source": {"repoURL": "https://git.example.com/shop/orders.git", "path": "deploy", "targetRevision": "v8.0.0"},
                            "syncPolicy": {"automated": {"prune": True}}},
                   "status": {"sync": {"status": "Synced", "revision": "4f1c2e9"}, "health": {"status": "Healthy"}}}  # fmt: skip
    application = rec.add(T0, application)
    bumped = changed(
        application,
        "argocd-server",
        "2026-11-27T13:59:30Z",
        {"f:spec": {"f:source": {"f:targetRevision": {}}}},
    )
    bumped["spec"]["source"]["targetRevision"] = "v8.1.0"
    rec.change("2026-11-27T13:59:30Z", bumped)
    new = changed(
        objs["dep"], "argocd-controller", "2026-11-27T14:00:00Z", image_fields("orders"), op="Apply"
    )
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/orders:8.1.0"
    pods = rollout(
        rec,
        objs,
        new,
        "2026-11-27T14:00:00Z",
        "notready",
        stuck=True,
        deadline="2026-11-27T14:10:00Z",
    )
    rec.add(
        "2026-11-27T14:09:00Z",
        event(
            pods[0],
            "2026-11-27T14:09:00Z",
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            count=54,
        ),
    )


@scenario
def missing_secret_reference(rec: Recording) -> None:
    objs = app(rec, "mailer", "registry.example.com/mailer:2.2.0", expose=False)
    rec.add(T0, secret("mailer-dkim", ["private.key"]))
    new = changed(
        objs["dep"],
        "kubectl-client-side-apply",
        "2026-11-27T14:00:00Z",
        container_fields("mailer", "f:env"),
    )
    new["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {
            "name": "SMTP_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "smtp-credentials", "key": "password"}},
        }
    ]
    rollout(
        rec,
        objs,
        new,
        "2026-11-27T14:00:00Z",
        "config",
        message='secret "smtp-credentials" not found',
    )


@scenario
def cron_old_image(rec: Recording) -> None:
    """The demo's story: the app moved to 2.0 by hand; its CronJob still runs 1.4 and fails."""
    objs = app(rec, "billing", "registry.example.com/billing:1.4.2")
    cj = rec.add(
        T0,
        cronjob(
            "billing-invoices", "registry.example.com/billing:1.4.2", labels={"app": "billing"}
        ),
    )
    new = changed(objs["dep"], "kubectl-patch", "2026-11-27T14:05:12Z", image_fields("billing"))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/billing:2.0.0"
    rollout(rec, objs, new, "2026-11-27T14:05:12Z", "running")
    for t in ("2026-11-27T13:30:00Z", "2026-11-27T14:00:00Z"):
        rec.add(t, job(cj, t, "succeeded"))
    for t in ("2026-11-27T14:30:00Z", "2026-11-27T15:00:00Z"):
        rec.add(t, job(cj, t, "failed", "Job has reached the specified backoff limit"))
    cj["status"] = {
        "lastScheduleTime": "2026-11-27T15:00:00Z",
        "lastSuccessfulTime": "2026-11-27T14:00:45Z",
    }
    rec.change(
        "2026-11-27T15:00:50Z",
        changed(
            cj, "kube-controller-manager", "2026-11-27T15:00:50Z", {"f:status": {}}, sub="status"
        ),
    )


@scenario
def cron_calls_deleted_service(rec: Recording) -> None:
    ledger = app(rec, "ledger", "registry.example.com/ledger:3.0.0")
    env = [{"name": "LEDGER_URL", "value": "http://ledger.shop.svc.cluster.local:80/api"}]
    cj = rec.add(
        T0,
        cronjob(
            "ledger-sync", "registry.example.com/ledger-sync:1.0.0", schedule="0 * * * *", env=env
        ),
    )
    rec.delete("2026-11-27T13:20:00Z", ledger["svc"])
    rec.add("2026-11-27T13:00:00Z", job(cj, "2026-11-27T13:00:00Z", "succeeded"))
    rec.add(
        "2026-11-27T14:00:00Z",
        job(cj, "2026-11-27T14:00:00Z", "failed", "Job has reached the specified backoff limit"),
    )
    cj["status"] = {
        "lastScheduleTime": "2026-11-27T14:00:00Z",
        "lastSuccessfulTime": "2026-11-27T13:00:45Z",
    }
    rec.change(
        "2026-11-27T14:01:00Z",
        changed(
            cj, "kube-controller-manager", "2026-11-27T14:01:00Z", {"f:status": {}}, sub="status"
        ),
    )


@scenario
def cron_too_many_missed(rec: Recording) -> None:
    """Suspended for a month by hand; resumed without startingDeadlineSeconds: the controller starts nothing."""
    rec.add(T0, node("node-1"))
    cj = rec.add(
        "2026-10-01T00:00:00Z",
        cronjob(
            "export",
            "registry.example.com/export:1.1.0",
            schedule="*/5 * * * *",
            created="2026-10-01T00:00:00Z",
        ),
    )
    cj["status"] = {
        "lastScheduleTime": "2026-10-20T09:55:00Z",
        "lastSuccessfulTime": "2026-10-20T09:55:40Z",
    }
    cj = rec.change(
        "2026-10-20T09:55:41Z",
        changed(
            cj, "kube-controller-manager", "2026-10-20T09:55:41Z", {"f:status": {}}, sub="status"
        ),
    )
    off = changed(cj, "kubectl-patch", "2026-10-20T10:00:00Z", {"f:spec": {"f:suspend": {}}})
    off["spec"]["suspend"] = True
    rec.change("2026-10-20T10:00:00Z", off)
    on = changed(off, "kubectl-patch", "2026-11-27T14:00:00Z", {"f:spec": {"f:suspend": {}}})
    on["spec"]["suspend"] = False
    on = rec.change("2026-11-27T14:00:00Z", on)
    rec.add(
        "2026-11-27T14:00:10Z",
        event(
            on,
            "2026-11-27T14:00:10Z",
            "TooManyMissedTimes",
            "too many missed start times: 10942. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
            component="cronjob-controller",
        ),
    )


@scenario
def cron_suspended_with_active_job(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    cj = rec.add(T0, cronjob("reindex", "registry.example.com/reindex:4.0.0", schedule="0 3 * * *"))
    run = rec.add("2026-11-27T03:00:00Z", job(cj, "2026-11-27T03:00:00Z", "running"))
    cj["status"] = {
        "lastScheduleTime": "2026-11-27T03:00:00Z",
        "active": [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": run["metadata"]["name"],
                "namespace": NS,
                "uid": run["metadata"]["uid"],
            }
        ],
    }
    cj = rec.change(
        "2026-11-27T03:00:01Z",
        changed(
            cj, "kube-controller-manager", "2026-11-27T03:00:01Z", {"f:status": {}}, sub="status"
        ),
    )
    off = changed(cj, "kubectl-patch", "2026-11-27T14:00:00Z", {"f:spec": {"f:suspend": {}}})
    off["spec"]["suspend"] = True
    rec.change("2026-11-27T14:00:00Z", off)


@scenario
def orphaned_jobs_after_recreate(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    old = rec.add(
        T0, cronjob("cleanup", "registry.example.com/cleanup:1.0.0", schedule="0 */6 * * *")
    )
    for t in ("2026-11-27T06:00:00Z", "2026-11-27T12:00:00Z"):
        rec.add(t, job(old, t, "running"))
    rec.delete("2026-11-27T14:00:00Z", old)
    rec.add(
        "2026-11-27T14:00:02Z",
        cronjob(
            "cleanup",
            "registry.example.com/cleanup:1.1.0",
            schedule="0 */6 * * *",
            created="2026-11-27T14:00:02Z",
            manager="kubectl-client-side-apply",
        ),
    )


@scenario
def hpa_target_deleted(rec: Recording) -> None:
    objs = app(rec, "api-v2", "registry.example.com/api:4.0.0", expose=False)
    rec.add(T0, hpa("api", "api-v2"))
    rec.delete("2026-11-27T14:00:00Z", objs["dep"])
    rec.delete("2026-11-27T14:00:01Z", objs["rs"])
    for p in objs["pods"]:
        rec.delete("2026-11-27T14:00:30Z", p)


@scenario
def pvc_storage_class_deleted(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    sc = rec.add(T0, storage_class("fast-ssd"))
    rec.delete("2026-11-27T14:00:00Z", sc)
    claim = rec.add(
        "2026-11-27T14:01:00Z",
        pvc(
            "data-db-0",
            "fast-ssd",
            phase="Pending",
            created="2026-11-27T14:01:00Z",
            manager="kube-controller-manager",
        ),
    )
    rec.add(
        "2026-11-27T14:10:05Z",
        event(
            claim,
            "2026-11-27T14:10:05Z",
            "ProvisioningFailed",
            'storageclass.storage.k8s.io "fast-ssd" not found',
            count=14,
            component="persistentvolume-controller",
        ),
    )


@scenario
def webhook_service_deleted(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    svc = service("gatekeeper-webhook-service", {"app": "gatekeeper"}, port=443, target=8443)
    svc["metadata"] = meta(
        "gatekeeper-webhook-service",
        ns="gatekeeper-system",
        managers=[mf("helm", T0, {"f:spec": {}})],
    )
    svc = rec.add(T0, svc)
    webhook = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
               "metadata": meta("gatekeeper-validating-webhook-configuration", ns=None, managers=[mf("helm", T0, {"f:webhooks": {}}, api="admissionregistration.k8s.io/v1")]),
               "webhooks": [{"name": "validation.gatekeeper.sh", "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                             "clientConfig": {"service": {"name": "gatekeeper-webhook-service", "namespace": "gatekeeper-system", "path": "/v1/admit", "port": 443}},
                             "rules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": ["*"]}]}]}  # fmt: skip
    rec.add(T0, webhook)
    rec.delete("2026-11-27T14:00:00Z", svc)


@scenario
def node_not_ready(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    rec.add(T0, node("node-2"))
    rec.change("2026-11-27T14:00:00Z", node("node-2", ready=False, since="2026-11-27T14:00:00Z"))


@scenario
def deprecated_api_in_managed_fields(rec: Recording) -> None:
    """An HPA first written through autoscaling/v2beta2 (gone since 1.26), in a 1.29 cluster."""
    app(rec, "catalog", "registry.example.com/catalog:6.0.0", expose=False)
    h = hpa("catalog", "catalog", manager="kubectl-client-side-apply")
    h["metadata"]["managedFields"][0]["apiVersion"] = "autoscaling/v2beta2"
    h["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"autoscaling/v2beta2","kind":"HorizontalPodAutoscaler","metadata":{"name":"catalog","namespace":"shop"}}'
    }
    rec.add(T0, h)


@scenario
def healthy(rec: Recording) -> None:
    """A busy but healthy namespace: scaled to zero on purpose, completed Jobs, an HPA at its minimum."""
    objs = app(rec, "frontend", "registry.example.com/frontend:9.1.0", replicas=3)
    rec.add(T0, hpa("frontend", "frontend", current=3, min_=3))
    idle = deployment("batch-ui", "registry.example.com/batch-ui:1.0.0", replicas=0)
    idle["status"] = {"observedGeneration": 1, "conditions": idle["status"]["conditions"]}
    rec.add(T0, idle)
    cj = rec.add(T0, cronjob("report", "registry.example.com/report:2.0.0", schedule="0 * * * *"))
    for t in ("2026-11-27T12:00:00Z", "2026-11-27T13:00:00Z", "2026-11-27T14:00:00Z"):
        rec.add(t, job(cj, t, "succeeded"))
    cj["status"] = {
        "lastScheduleTime": "2026-11-27T14:00:00Z",
        "lastSuccessfulTime": "2026-11-27T14:00:45Z",
    }
    rec.change(
        "2026-11-27T14:00:50Z",
        changed(
            cj, "kube-controller-manager", "2026-11-27T14:00:50Z", {"f:status": {}}, sub="status"
        ),
    )
    rec.add(T0, secret("frontend-tls", ["tls.crt", "tls.key"]))
    new = changed(objs["dep"], "helm", "2026-11-27T14:00:00Z", image_fields("frontend"))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com/frontend:9.2.0"
    )
    rollout(rec, objs, new, "2026-11-27T14:00:00Z", "running")


# -- causes in other objects (issue 14) -------------------------------------------------------


def refused_rollout(
    rec: Recording, objs: dict[str, Any], time: str, message: str
) -> dict[str, Any]:
    """``kubectl rollout restart`` at ``time``, whose new ReplicaSet cannot create pods
    (ReplicaFailure FailedCreate with the admission's message, as the controller writes it)."""
    old_rev = int(objs["dep"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    new = changed(
        objs["dep"],
        "kubectl-rollout",
        time,
        {"f:spec": {"f:template": {"f:metadata": {"f:annotations": {}}}}},
    )
    new["spec"]["template"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": time}
    new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(old_rev + 1)
    dep = rec.change(time, new)
    rs = replica_set(dep, "7b9c6d5f8", time, old_rev + 1)
    failed_at = time[:-3] + "05Z"
    pod_name = f"{rs['metadata']['name']}-x2x4k"
    refusal = f'pods "{pod_name}" is forbidden: {message}'
    rs["status"] = {"replicas": 0, "observedGeneration": 1, "conditions": [
        {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": refusal, "lastTransitionTime": failed_at}]}  # fmt: skip
    rs = rec.add(time, rs)
    rec.add(
        failed_at,
        event(
            rs,
            failed_at,
            "FailedCreate",
            f"Error creating: {refusal}",
            count=17,
            component="replicaset-controller",
        ),
    )
    return rs


def disruption_budget(app_name: str, min_available: int, pods: int) -> dict[str, Any]:
    """A PodDisruptionBudget of ``pods`` healthy pods, with the disruption controller's status."""
    allowed = max(pods - min_available, 0)
    cond = {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
            "reason": "SufficientPods" if allowed else "InsufficientPods", "message": "", "lastTransitionTime": T0}  # fmt: skip
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta(app_name, managers=[mf("helm", T0, {"f:spec": {"f:minAvailable": {}, "f:selector": {}}}, api="policy/v1")]),
            "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": app_name}}},
            "status": {"currentHealthy": pods, "desiredHealthy": min_available, "disruptionsAllowed": allowed,
                       "expectedPods": pods, "observedGeneration": 1, "conditions": [cond]}}  # fmt: skip


def cordon(obj: dict[str, Any], time: str) -> dict[str, Any]:
    """The Node as ``kubectl cordon`` leaves it."""
    out = changed(obj, "kubectl-cordon", time, {"f:spec": {"f:unschedulable": {}}})
    out["spec"]["unschedulable"] = True
    return out


def flag_flipped(rec: Recording, time: str) -> None:
    """Later, elsewhere, work goes on: a feature flag flipped by hand (the clock moves on)."""
    flags = rec.add(T0, configmap("feature-flags", {"NEW_CHECKOUT": "false"}))
    flipped = changed(flags, "kubectl-edit", time, {"f:data": {"f:NEW_CHECKOUT": {}}})
    flipped["data"]["NEW_CHECKOUT"] = "true"
    rec.change(time, flipped)


def unrelated_change(rec: Recording, time: str) -> None:
    """Something else that happened that hour, nowhere near the incident."""
    other = rec.add(T0, configmap("reports-config", {"FORMAT": "pdf"}))
    rec.change(
        time,
        changed(
            {**other, "data": {"FORMAT": "csv"}}, "kubectl-edit", time, {"f:data": {"f:FORMAT": {}}}
        ),
    )


@scenario
def evicted_under_disk_pressure(rec: Recording) -> None:
    objs = app(rec, "api", "registry.example.com/api:3.1.0")
    unrelated_change(rec, "2026-11-27T13:40:00Z")
    pressured = node("node-1")
    pressured["status"]["conditions"].append({"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure",
                                              "lastHeartbeatTime": "2026-11-27T14:00:00Z", "lastTransitionTime": "2026-11-27T14:00:00Z"})  # fmt: skip
    rec.change(
        "2026-11-27T14:00:00Z",
        changed(pressured, "kubelet", "2026-11-27T14:00:00Z", {"f:status": {}}, sub="status"),
    )
    message = ("The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9617312Ki. "
               "Container api was using 2354Mi, request is 0, has larger consumption of ephemeral-storage. ")  # fmt: skip
    for p in objs["pods"]:
        gone = changed(p, "kubelet", "2026-11-27T14:01:10Z", {"f:status": {}}, sub="status")
        gone["status"] = {"phase": "Failed", "reason": "Evicted", "message": message, "startTime": T0,
                          "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed", "lastProbeTime": None, "lastTransitionTime": "2026-11-27T14:01:10Z"}]}  # fmt: skip
        rec.change("2026-11-27T14:01:10Z", gone)
        rec.add("2026-11-27T14:01:10Z", event(gone, "2026-11-27T14:01:10Z", "Evicted", message))


@scenario
def quota_lowered_refuses_pods(rec: Recording) -> None:
    objs = app(rec, "orders", "registry.example.com/orders:5.2.0")
    unrelated_change(rec, "2026-11-27T13:55:00Z")
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("compute", managers=[mf("helm", T0, {"f:spec": {"f:hard": {}}})]),
             "spec": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"}},
             "status": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"}, "used": {"requests.cpu": "200m", "requests.memory": "256Mi"}}}  # fmt: skip
    quota = rec.add(T0, quota)
    lowered = changed(
        quota,
        "kubectl-edit",
        "2026-11-27T14:00:00Z",
        {"f:spec": {"f:hard": {"f:requests.cpu": {}}}},
    )
    lowered["spec"]["hard"]["requests.cpu"] = "200m"
    lowered = rec.change("2026-11-27T14:00:00Z", lowered)
    lowered["status"]["hard"]["requests.cpu"] = "200m"
    rec.change(
        "2026-11-27T14:00:01Z",
        changed(
            lowered,
            "kube-controller-manager",
            "2026-11-27T14:00:01Z",
            {"f:status": {}},
            sub="status",
        ),
    )
    refused_rollout(rec, objs, "2026-11-27T14:20:00Z",
                    "exceeded quota: compute, requested: requests.cpu=100m, used: requests.cpu=200m, limited: requests.cpu=200m")  # fmt: skip


@scenario
def webhook_denies_pods(rec: Recording) -> None:
    objs = app(rec, "cart", "registry.example.com/cart:2.0.1")
    unrelated_change(rec, "2026-11-27T13:30:00Z")
    hook = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": meta("policy-webhooks", ns=None, managers=[mf("helm", T0, {"f:webhooks": {}}, api="admissionregistration.k8s.io/v1")]),
            "webhooks": [{"name": "pods.policy.example.com", "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                          "clientConfig": {"service": {"name": "policy", "namespace": "policy-system", "path": "/validate"}},
                          "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]}]}  # fmt: skip
    hook = rec.add(T0, hook)
    backend = service("policy", {"app": "policy"}, port=443, target=8443)
    backend["metadata"] = meta(
        "policy", ns="policy-system", managers=[mf("helm", T0, {"f:spec": {}})]
    )
    backend["spec"].pop("selector")  # endpoints managed by the policy engine itself
    rec.add(T0, backend)
    wider = changed(hook, "helm", "2026-11-27T14:00:00Z", {"f:webhooks": {}})
    wider["webhooks"][0]["rules"][0]["resources"] = ["configmaps", "pods"]
    rec.change("2026-11-27T14:00:00Z", wider)
    refused_rollout(rec, objs, "2026-11-27T14:10:00Z",
                    'admission webhook "pods.policy.example.com" denied the request: pods must carry the label team')  # fmt: skip


@scenario
def limit_range_lowered(rec: Recording) -> None:
    objs = app(rec, "search", "registry.example.com/search:7.4.0")
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("mem-limits", managers=[mf("kubectl-client-side-apply", T0, {"f:spec": {}})]),
              "spec": {"limits": [{"type": "Container", "max": {"memory": "1Gi"}, "default": {"memory": "512Mi"}}]}}  # fmt: skip
    limits = rec.add(T0, limits)
    lower = changed(
        limits, "kubectl-client-side-apply", "2026-11-27T14:00:00Z", {"f:spec": {"f:limits": {}}}
    )
    lower["spec"]["limits"][0]["max"]["memory"] = "256Mi"
    rec.change("2026-11-27T14:00:00Z", lower)
    refused_rollout(
        rec,
        objs,
        "2026-11-27T14:30:00Z",
        "maximum memory usage per Container is 256Mi, but limit is 512Mi",
    )


@scenario
def untolerated_taint(rec: Recording) -> None:
    objs = app(rec, "reports", "registry.example.com/reports:1.9.0")
    unrelated_change(rec, "2026-11-27T13:45:00Z")
    tainted = changed(
        node("node-1"), "kubectl-taint", "2026-11-27T14:00:00Z", {"f:spec": {"f:taints": {}}}
    )
    tainted["spec"]["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    rec.change("2026-11-27T14:00:00Z", tainted)
    message = ("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. "
               "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")  # fmt: skip
    new = changed(
        objs["dep"],
        "kubectl-rollout",
        "2026-11-27T14:20:00Z",
        {"f:spec": {"f:template": {"f:metadata": {"f:annotations": {}}}}},
    )
    new["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-27T14:20:00Z"
    }
    pods = rollout(rec, objs, new, "2026-11-27T14:20:00Z", "pending", message=message)
    rec.add(
        "2026-11-27T14:20:45Z",
        event(
            pods[0],
            "2026-11-27T14:20:45Z",
            "FailedScheduling",
            message,
            component="default-scheduler",
        ),
    )


@scenario
def default_deny_network_policy(rec: Recording) -> None:
    env = [{"name": "PAYMENTS_URL", "value": "http://payments.shop.svc.cluster.local:8080"}]
    objs = app(rec, "checkout", "registry.example.com/checkout:4.4.0", container={"env": env})
    app(rec, "payments", "registry.example.com/payments:2.2.0")
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta("default-deny", "2026-11-27T14:00:00Z", managers=[mf("kubectl-client-side-apply", "2026-11-27T14:00:00Z", {"f:spec": {}}, api="networking.k8s.io/v1")]),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}  # fmt: skip
    rec.add("2026-11-27T14:00:00Z", deny)
    message = "dial tcp 10.96.14.7:8080: i/o timeout: payments unreachable"
    for p in objs["pods"]:
        crashing = pod(objs["rs"], p["metadata"]["name"].rsplit("-", 1)[1], T0, p["status"]["podIP"], "crashloop", restarts=4,
                       message=message, finished="2026-11-27T14:04:30Z", since="2026-11-27T14:01:20Z")  # fmt: skip
        crashing["metadata"]["uid"] = p["metadata"]["uid"]
        rec.change("2026-11-27T14:05:00Z", crashing)
        rec.add(
            "2026-11-27T14:05:00Z",
            event(
                crashing,
                "2026-11-27T14:05:00Z",
                "BackOff",
                "Back-off restarting failed container checkout in pod " + p["metadata"]["name"],
                count=4,
            ),
        )


@scenario
def statefulset_claim_storage_class_deleted(rec: Recording) -> None:
    rec.add(T0, node("node-1"))
    unrelated_change(rec, "2026-11-27T13:30:00Z")
    sc = rec.add(T0, storage_class("fast-ssd"))
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": meta("db", labels={"app": "db"}, managers=[mf("helm", T0, {"f:spec": {}}, api="apps/v1")]),
           "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                    "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:16.4",
                                 "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                                                                                     "resources": {"requests": {"storage": "10Gi"}}}}]},
           "status": {"replicas": 2, "readyReplicas": 2, "currentReplicas": 2, "updatedReplicas": 2}}  # fmt: skip
    sts = rec.add(T0, sts)
    rec.delete("2026-11-27T14:00:00Z", sc)
    scaled = changed(
        sts, "kubectl-scale", "2026-11-27T14:10:00Z", {"f:spec": {"f:replicas": {}}}, sub="scale"
    )
    scaled["spec"]["replicas"] = 3
    scaled["status"]["replicas"] = 3
    rec.change("2026-11-27T14:10:00Z", scaled)
    claim = rec.add(
        "2026-11-27T14:10:01Z",
        pvc("data-db-2", "fast-ssd", phase="Pending", created="2026-11-27T14:10:01Z"),
    )
    rec.add("2026-11-27T14:10:05Z", event(claim, "2026-11-27T14:10:05Z", "ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found',
                                         count=9, component="persistentvolume-controller"))  # fmt: skip
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": meta("db-2", "2026-11-27T14:10:01Z", labels={"app": "db"}, owner=sts, managers=[mf("kube-controller-manager", "2026-11-27T14:10:01Z", {"f:spec": {}})]),
         "spec": {**sts["spec"]["template"]["spec"], "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-2"}}]},
         "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "lastProbeTime": None,
                                                        "lastTransitionTime": "2026-11-27T14:10:02Z",
                                                        "message": "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."}]}}  # fmt: skip
    rec.add("2026-11-27T14:10:02Z", p)


@scenario
def taint_elsewhere(rec: Recording) -> None:
    """Negative control: a taint on another node; the restart schedules; nothing is wrong."""
    objs = app(rec, "reports", "registry.example.com/reports:1.9.0")
    rec.add(T0, node("node-2"))
    tainted = changed(
        node("node-2"), "kubectl-taint", "2026-11-27T14:00:00Z", {"f:spec": {"f:taints": {}}}
    )
    tainted["spec"]["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    rec.change("2026-11-27T14:00:00Z", tainted)
    new = changed(
        objs["dep"],
        "kubectl-rollout",
        "2026-11-27T14:20:00Z",
        {"f:spec": {"f:template": {"f:metadata": {"f:annotations": {}}}}},
    )
    new["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-27T14:20:00Z"
    }
    rollout(rec, objs, new, "2026-11-27T14:20:00Z", "running")


@scenario
def quota_untouched_rollout_refused(rec: Recording) -> None:
    """Control: the quota was always this tight; the rollout that asks more is the cause."""
    objs = app(rec, "orders", "registry.example.com/orders:5.2.0")
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("compute", managers=[mf("helm", T0, {"f:spec": {"f:hard": {}}})]),
             "spec": {"hard": {"requests.cpu": "200m"}}, "status": {"hard": {"requests.cpu": "200m"}, "used": {"requests.cpu": "200m"}}}  # fmt: skip
    rec.add(T0, quota)
    refused_rollout(rec, objs, "2026-11-27T14:20:00Z",
                    "exceeded quota: compute, requested: requests.cpu=100m, used: requests.cpu=200m, limited: requests.cpu=200m")  # fmt: skip


@scenario
def cron_suspended_and_forgotten(rec: Recording) -> None:
    """A nightly backup suspended for a migration three weeks ago, never resumed."""
    rec.add("2026-10-01T00:00:00Z", node("node-1"))
    backup = rec.add(
        "2026-10-01T00:00:00Z",
        cronjob(
            "db-backup",
            "registry.example.com/pg-backup:16.2",
            schedule="0 2 * * *",
            created="2026-10-01T00:00:00Z",
        ),
    )
    stopped = changed(
        backup, "kubectl-patch", "2026-11-06T21:15:00Z", {"f:spec": {"f:suspend": {}}}
    )
    stopped["spec"]["suspend"] = True
    rec.change("2026-11-06T21:15:00Z", stopped)
    app(rec, "api", "registry.example.com/api:3.1.0", expose=False)
    unrelated_change(rec, "2026-11-27T13:40:00Z")
    # the chart's own suspended CronJob: meant, declared: info
    report = cronjob(
        "quarterly-report",
        "registry.example.com/report:2.0.0",
        schedule="0 6 * * 1",
        created="2026-10-01T00:00:00Z",
        suspend=True,
    )
    report["metadata"]["managedFields"][0]["fieldsV1"] = {
        "f:spec": {"f:suspend": {}, "f:schedule": {}}
    }
    rec.add("2026-10-01T00:00:00Z", report)


@scenario
def configmap_key_removed(rec: Recording) -> None:
    """A key removed from a ConfigMap by hand; pods started later cannot be created."""
    env = [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "LOG_LEVEL"}}},
           {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "DB_HOST"}}}]  # fmt: skip
    config = rec.add(T0, configmap("api-config", {"LOG_LEVEL": "info", "DB_HOST": "db.shop.svc"}))
    objs = app(rec, "inventory", "registry.example.com/inventory:5.2.0", container={"env": env})
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    edited = changed(config, "kubectl-edit", "2026-11-27T14:00:00Z", {"f:data": {}})
    del edited["data"]["LOG_LEVEL"]
    rec.change("2026-11-27T14:00:00Z", edited)
    new = changed(objs["dep"], "kubectl-rollout", "2026-11-27T14:30:00Z",
                  {"f:spec": {"f:template": {"f:metadata": {"f:annotations": {}}}}})  # fmt: skip
    new["spec"]["template"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": "2026-11-27T14:30:00Z"}  # fmt: skip
    message = "couldn't find key LOG_LEVEL in ConfigMap shop/api-config"
    pods = rollout(rec, objs, new, "2026-11-27T14:30:00Z", "config", message=message)
    rec.add(
        "2026-11-27T14:30:50Z",
        event(pods[0], "2026-11-27T14:30:50Z", "Failed", f"Error: {message}", count=12),
    )


@scenario
def hpa_at_max_after_image_change(rec: Recording) -> None:
    """A release that needs twice the CPU: the autoscaler climbs to its maximum and stays there."""
    objs = app(rec, "search-api", "registry.example.com/search-api:3.1.0")
    auto = rec.add(T0, hpa("search-api", "search-api"))
    unrelated_change(rec, "2026-11-27T13:45:00Z")
    new = changed(objs["dep"], "helm", "2026-11-27T14:00:00Z", image_fields("search-api"))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com/search-api:3.2.0"
    )
    rollout(rec, objs, new, "2026-11-27T14:00:00Z", "running")
    scaled = changed(
        auto, "kube-controller-manager", "2026-11-27T14:20:00Z", {"f:status": {}}, sub="status"
    )
    scaled["status"].update(currentReplicas=10, desiredReplicas=10, lastScaleTime="2026-11-27T14:20:00Z",
                            currentMetrics=[{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 164, "averageValue": "164m"}}}])  # fmt: skip
    scaled["status"]["conditions"].append({"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                                           "message": "the desired replica count is more than the maximum replica count",
                                           "lastTransitionTime": "2026-11-27T14:20:00Z"})  # fmt: skip
    rec.change("2026-11-27T14:20:00Z", scaled)
    rec.add("2026-11-27T14:20:00Z", event(scaled, "2026-11-27T14:20:00Z", "SuccessfulRescale",
                                          "New size: 10; reason: cpu resource utilization (percentage of request) above target",
                                          "Normal", component="horizontal-pod-autoscaler"))  # fmt: skip


@scenario
def pdb_blocks_drain(rec: Recording) -> None:
    """A budget tightened to the replica count last week; today's node drain hangs on it."""
    app(rec, "ledger", "registry.example.com/ledger:2.0.0", replicas=2)
    rec.add(T0, node("node-2"))
    budget = rec.add(T0, disruption_budget("ledger", 1, 2))
    tightened = changed(
        budget, "kubectl-edit", "2026-11-24T09:30:00Z", {"f:spec": {"f:minAvailable": {}}}
    )
    tightened["spec"]["minAvailable"] = 2
    tightened["status"].update(desiredHealthy=2, disruptionsAllowed=0)
    tightened["status"]["conditions"] = [{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods", "message": "",
                                          "lastTransitionTime": "2026-11-24T09:30:00Z"}]  # fmt: skip
    rec.change("2026-11-24T09:30:00Z", tightened)
    unrelated_change(rec, "2026-11-27T13:55:00Z")
    cordoned = cordon(node("node-1"), "2026-11-27T14:00:00Z")
    cordoned["spec"]["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": "2026-11-27T14:00:00Z"}]  # fmt: skip
    rec.change("2026-11-27T14:00:00Z", cordoned)
    rec.add("2026-11-27T14:00:00Z", event(cordoned, "2026-11-27T14:00:00Z", "NodeNotSchedulable",
                                          "Node node-1 status is now: NodeNotSchedulable", "Normal", component="kubelet"))  # fmt: skip
    # an hour later both ledger pods still run on node-1 (evictions refused); elsewhere, work goes on
    flag_flipped(rec, "2026-11-27T15:00:00Z")


@scenario
def pdb_allows_drain(rec: Recording) -> None:
    """Control: the same drain, with a budget that lets one pod go: it proceeds, no finding."""
    app(rec, "ledger", "registry.example.com/ledger:2.0.0", replicas=3)
    rec.add(T0, disruption_budget("ledger", 2, 3))
    unrelated_change(rec, "2026-11-27T13:55:00Z")
    cordoned = cordon(node("node-2"), "2026-11-27T14:00:00Z")
    rec.add(T0, node("node-2"))
    rec.change("2026-11-27T14:00:00Z", cordoned)


@scenario
def pull_secret_rotated(rec: Recording) -> None:
    """The registry credentials replaced by a token for another registry. Nothing breaks until
    the app scales onto a fresh node that has not cached the image: that pod cannot pull."""
    pull = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": meta("registry-creds", managers=[mf("kubectl-create", T0, {"f:data": {}, "f:type": {}})]),
            "data": {".dockerconfigjson": "eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJhdXRoIjoiWVRwaSJ9fX0="}}  # fmt: skip
    pull = rec.add(T0, pull)
    objs = app(
        rec,
        "billing",
        "registry.example.com/billing:7.0.0",
        imagePullSecrets=[{"name": "registry-creds"}],
    )
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    rotated = changed(
        pull, "kubectl-apply", "2026-11-27T14:00:00Z", {"f:data": {"f:.dockerconfigjson": {}}}
    )
    rotated["data"][".dockerconfigjson"] = "eyJhdXRocyI6eyJnaGNyLmlvIjp7ImF1dGgiOiJZanBqIn19fQ=="
    rec.change("2026-11-27T14:00:00Z", rotated)
    rec.add("2026-11-27T14:25:00Z", node("node-2", since="2026-11-27T14:25:00Z"))
    scaled = changed(
        objs["dep"],
        "kubectl-scale",
        "2026-11-27T14:30:00Z",
        {"f:spec": {"f:replicas": {}}},
        sub="scale",
    )
    scaled["spec"]["replicas"] = 3
    scaled["status"].update(replicas=3, unavailableReplicas=1)
    rec.change("2026-11-27T14:30:00Z", scaled)
    rs = changed(
        objs["rs"],
        "kube-controller-manager",
        "2026-11-27T14:30:00Z",
        {"f:spec": {"f:replicas": {}}},
    )
    rs["spec"]["replicas"] = 3
    rec.change("2026-11-27T14:30:00Z", rs)
    new = rec.add(
        "2026-11-27T14:30:45Z",
        pod(rs, "p3k9m", "2026-11-27T14:30:00Z", next(IPS), "pull", node="node-2"),
    )
    message = ('Failed to pull image "registry.example.com/billing:7.0.0": failed to pull and unpack image "registry.example.com/billing:7.0.0": '
               'failed to resolve reference "registry.example.com/billing:7.0.0": pull access denied, repository does not exist or may require authorization: '
               'authorization failed: no basic auth credentials')  # fmt: skip
    rec.add("2026-11-27T14:30:30Z", event(new, "2026-11-27T14:30:30Z", "Failed", message, count=4))


def _cluster_object(api: str, kind: str, name: str, manager: str, fields: dict[str, Any], **body: Any) -> dict[str, Any]:  # fmt: skip
    return {"apiVersion": api, "kind": kind, "metadata": meta(name, ns=None, managers=[mf(manager, T0, fields, api=api)]), **body}  # fmt: skip


def _deleted_then_refused(rec: Recording, gone: dict[str, Any], name: str, image: str, message: str, **pod_spec: Any) -> None:  # fmt: skip
    """An app whose pods name ``gone``; it is deleted at 14:00; the 14:20 rollout is refused."""
    objs = app(rec, name, image, **pod_spec)
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    rec.delete("2026-11-27T14:00:00Z", gone)
    refused_rollout(rec, objs, "2026-11-27T14:20:00Z", message)


@scenario
def priority_class_deleted(rec: Recording) -> None:
    """A PriorityClass cleaned up as unused; the next rollout of the app naming it is refused."""
    pc = rec.add(T0, _cluster_object("scheduling.k8s.io/v1", "PriorityClass", "business-critical", "helm", {"f:value": {}},
                                     value=100000, globalDefault=False, description="revenue paths"))  # fmt: skip
    _deleted_then_refused(rec, pc, "payments", "registry.example.com/payments:3.0.0",
                          "no PriorityClass with name business-critical was found", priorityClassName="business-critical")  # fmt: skip


@scenario
def runtime_class_deleted(rec: Recording) -> None:
    """The gVisor RuntimeClass removed with its node pool; the sandboxed app cannot make pods."""
    rc = rec.add(T0, _cluster_object("node.k8s.io/v1", "RuntimeClass", "gvisor", "kubectl-client-side-apply", {"f:handler": {}}, handler="runsc"))  # fmt: skip
    _deleted_then_refused(rec, rc, "renderer", "registry.example.com/renderer:1.4.0",
                          'pod rejected: RuntimeClass "gvisor" not found', runtimeClassName="gvisor")  # fmt: skip


@scenario
def service_account_deleted(rec: Recording) -> None:
    """The app's ServiceAccount deleted by a cleanup; the next pods are refused by admission."""
    sa = rec.add(T0, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("exporter", managers=[mf("helm", T0, {"f:metadata": {}})])})  # fmt: skip
    _deleted_then_refused(rec, sa, "exporter", "registry.example.com/exporter:0.9.0",
                          'error looking up service account shop/exporter: serviceaccount "exporter" not found', serviceAccountName="exporter")  # fmt: skip


@scenario
def upstream_scaled_to_zero(rec: Recording) -> None:
    """Someone scales the payments service to zero; checkout, which calls it, starts crashing."""
    env = [{"name": "PAYMENTS_URL", "value": "http://payments.shop.svc.cluster.local:8080"}]
    objs = app(rec, "checkout", "registry.example.com/checkout:4.4.0", container={"env": env})
    payments = app(rec, "payments", "registry.example.com/payments:2.2.0")
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    zero = changed(
        payments["dep"],
        "kubectl-scale",
        "2026-11-27T14:00:00Z",
        {"f:spec": {"f:replicas": {}}},
        sub="scale",
    )
    zero["spec"]["replicas"] = 0
    zero["status"] = {"observedGeneration": 1, "conditions": zero["status"]["conditions"]}
    rec.change("2026-11-27T14:00:00Z", zero)
    for p in payments["pods"]:
        rec.delete("2026-11-27T14:00:30Z", p)
    emptied = changed(
        payments["eps"],
        "endpointslice-controller.k8s.io",
        "2026-11-27T14:00:31Z",
        {"f:endpoints": {}},
    )
    emptied["endpoints"] = []
    rec.change("2026-11-27T14:00:31Z", emptied)
    for i, p in enumerate(objs["pods"]):
        crashed = copy.deepcopy(p)
        crashed["metadata"]["managedFields"][-1]["time"] = "2026-11-27T14:06:00Z"
        cs = crashed["status"]["containerStatuses"][0]
        cs.update(ready=False, started=False, restartCount=4)
        cs["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": "back-off 1m20s restarting failed container=checkout",
            }
        }
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-11-27T14:05:20Z", "finishedAt": "2026-11-27T14:05:50Z",
                                          "message": "dial tcp 10.96.0.10:8080: connect: connection refused"}}  # fmt: skip
        crashed["status"]["conditions"][-1].update(
            status="False", lastTransitionTime="2026-11-27T14:02:00Z"
        )
        rec.change("2026-11-27T14:06:00Z", crashed)
        rec.add("2026-11-27T14:06:00Z", event(crashed, "2026-11-27T14:02:00Z" if i == 0 else "2026-11-27T14:06:00Z", "BackOff",
                                              "Back-off restarting failed container checkout in pod " + crashed["metadata"]["name"], count=6))  # fmt: skip


@scenario
def pods_on_unreachable_node(rec: Recording) -> None:
    """node-2 stops posting status; five minutes later the taint manager evicts its pods, which
    stay Terminating (no kubelet to confirm); the replacement runs on node-1."""
    rec.add(T0, node("node-1"))
    rec.add(T0, node("node-2"))
    dep = rec.add(T0, deployment("cart-api", "registry.example.com/cart-api:2.8.0"))
    rs = rec.add(T0, replica_set(dep, "6c9d8b7f5", T0))
    rec.add(T0, pod(rs, "a1b2c", T0, next(IPS), node="node-1"))
    lost = rec.add(T0, pod(rs, "d3e4f", T0, next(IPS), node="node-2"))
    unrelated_change(rec, "2026-11-27T13:50:00Z")
    down = node("node-2", ready=False, since="2026-11-27T14:00:00Z")
    down["spec"]["taints"] = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-11-27T14:00:40Z"},
                              {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": "2026-11-27T14:00:40Z"}]  # fmt: skip
    down["metadata"]["managedFields"].append(
        mf("kube-controller-manager", "2026-11-27T14:00:40Z", {"f:spec": {"f:taints": {}}})
    )
    rec.change("2026-11-27T14:00:40Z", down)
    unready = copy.deepcopy(lost)
    unready["status"]["conditions"][-1].update(
        status="False", lastTransitionTime="2026-11-27T14:00:40Z"
    )
    rec.change("2026-11-27T14:00:40Z", unready)
    rec.add(
        "2026-11-27T14:00:40Z",
        event(
            unready,
            "2026-11-27T14:00:40Z",
            "NodeNotReady",
            "Node is not ready",
            component="node-controller",
        ),
    )
    evicted = copy.deepcopy(unready)
    evicted["metadata"].update(
        deletionTimestamp="2026-11-27T14:06:10Z", deletionGracePeriodSeconds=30
    )
    rec.change("2026-11-27T14:05:40Z", evicted)
    rec.add("2026-11-27T14:05:40Z", event(evicted, "2026-11-27T14:05:40Z", "TaintManagerEviction", "Marking for deletion Pod shop/" + evicted["metadata"]["name"],
                                          "Normal", component="taint-eviction-controller"))  # fmt: skip
    rec.add(
        "2026-11-27T14:05:41Z", pod(rs, "g5h6j", "2026-11-27T14:05:41Z", next(IPS), node="node-1")
    )
    flag_flipped(rec, "2026-11-27T14:40:00Z")


@scenario
def crashloop_after_image_change_logged(rec: Recording) -> None:
    """An image change whose new version panics on a config key the old one did not read. The
    logs of an old pod (captured before) and of the crashing pod's previous run are kept: the
    cache warning was there before, the panic is new."""
    objs = app(rec, "inventory", "registry.example.com/inventory:5.1.0")
    unrelated_change(rec, "2026-11-27T13:40:00Z")
    old = objs["pods"][0]
    rec.log(old, ["2026-11-27T13:30:00.104Z starting inventory 5.1.0",
                  "2026-11-27T13:30:00.311Z connected to postgres at 10.96.14.2:5432 in 14ms",
                  "2026-11-27T13:30:07.002Z ERROR cache refresh failed: redis timeout after 2000ms (will retry)",
                  "2026-11-27T13:31:07.017Z ERROR cache refresh failed: redis timeout after 2000ms (will retry)",
                  "2026-11-27T13:45:00.000Z GET /healthz 200 1ms"])  # fmt: skip
    new = changed(objs["dep"], "helm", "2026-11-27T14:00:00Z", image_fields("inventory"))
    new["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com/inventory:5.2.0"
    )
    pods = rollout(rec, objs, new, "2026-11-27T14:00:00Z", "crashloop", restarts=5, exit=2,
                   finished="2026-11-27T14:09:20Z")  # fmt: skip
    rec.log(pods[0], ["2026-11-27T14:09:18.120Z starting inventory 5.2.0",
                      "2026-11-27T14:09:18.402Z connected to postgres at 10.96.14.2:5432 in 11ms",
                      "2026-11-27T14:09:19.010Z ERROR cache refresh failed: redis timeout after 2000ms (will retry)",
                      "2026-11-27T14:09:19.877Z panic: config: required key INVENTORY_REGION missing",
                      "2026-11-27T14:09:19.878Z goroutine 1 [running]:",
                      "2026-11-27T14:09:19.878Z main.main()"], previous=True)  # fmt: skip
    rec.add("2026-11-27T14:09:30Z", event(pods[0], "2026-11-27T14:02:00Z", "BackOff",
                                          f"Back-off restarting failed container inventory in pod {pods[0]['metadata']['name']}", count=9))  # fmt: skip


def main() -> None:
    for name, build in SCENARIOS.items():
        rec = Recording(name)
        build(rec)
        rec.write()
    print(f"wrote {len(SCENARIOS)} recordings")


if __name__ == "__main__":
    main()
