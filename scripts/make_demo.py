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

import copy
import json
import sys
import uuid
from pathlib import Path

from demo_kit import NS, emit, entry, event, lines, meta, owner, owner_fields, pod_for, rs_for, uid
from demo_objects import (
    T_INSTALL,
    at_version,
    billing_template,
    checkout_deploy,
    checkout_pods,
    checkout_slice,
    checkout_svc,
    config,
    cron,
    deploy,
    job_template,
    release_secret,
    secret,
    svc,
)

OUT = Path(__file__).resolve().parent.parent / "src" / "crumbs" / "demo" / "incident.jsonl"
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

# 2026-11-20 09:00  helm install billing (chart 1.4.1)
installed = {
    name: at_version(obj, "1.4.1")
    for name, obj in (
        ("config", config),
        ("secret", secret),
        ("svc", svc),
        ("cron", cron),
        ("deploy", deploy),
    )
}
emit(
    "ADDED",
    "2026-11-20T09:00:04.010Z",
    release_secret(1, "1.4.1", "deployed", T_INSTALL, "Install complete"),
)
emit("ADDED", "2026-11-20T09:00:04.100Z", installed["config"])
emit("ADDED", "2026-11-20T09:00:04.150Z", installed["secret"])
emit("ADDED", "2026-11-20T09:00:04.200Z", installed["svc"])
emit("ADDED", "2026-11-20T09:00:04.300Z", installed["cron"])
fresh = copy.deepcopy(installed["deploy"])
fresh["status"] = {}
fresh["metadata"]["managedFields"] = fresh["metadata"]["managedFields"][:1]
del fresh["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
emit("ADDED", "2026-11-20T09:00:04.250Z", fresh)
rs0 = rs_for(
    installed["deploy"],
    "billing-5c8f7d6b4",
    "1",
    "2026-11-20T09:00:04Z",
    2,
    installed["deploy"]["spec"]["template"],
)
emit("ADDED", "2026-11-20T09:00:04.400Z", rs0)
first_pods = [
    pod_for(rs0, s, "2026-11-20T09:00:05Z", ip, "node-2", "ghcr.io/acme/billing:1.4.1")
    for s, ip in (("m2c8r", "10.244.2.11"), ("t7v4x", "10.244.1.20"))
]
for p in first_pods:
    emit("ADDED", "2026-11-20T09:00:25.000Z", p)
emit("MODIFIED", "2026-11-20T09:00:31.500Z", installed["deploy"])
event(
    "2026-11-20T09:00:04Z",
    installed["deploy"],
    "Normal",
    "ScalingReplicaSet",
    "Scaled up replica set billing-5c8f7d6b4 to 2",
    "deployment-controller",
)

# 2026-11-24 10:15  helm upgrade billing (chart 1.4.2: image.tag 1.4.1 → 1.4.2)
T_UPGRADE = "2026-11-24T10:15:00Z"
emit(
    "ADDED",
    "2026-11-24T10:15:00.010Z",
    release_secret(2, "1.4.2", "deployed", T_UPGRADE, "Upgrade complete"),
)
superseded = release_secret(1, "1.4.1", "superseded", T_INSTALL, "Install complete")
superseded["metadata"]["managedFields"][0]["time"] = T_UPGRADE
emit("MODIFIED", "2026-11-24T10:15:00.020Z", superseded)
for obj in (config, secret, svc, cron, deploy):
    for e in obj["metadata"]["managedFields"]:
        if e["manager"] == "helm":
            e["time"] = T_UPGRADE
deploy["metadata"]["generation"] = 2
deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
deploy["status"]["observedGeneration"] = 2
emit("MODIFIED", "2026-11-24T10:15:00.100Z", config)
emit("MODIFIED", "2026-11-24T10:15:00.150Z", secret)
emit("MODIFIED", "2026-11-24T10:15:00.200Z", svc)
emit("MODIFIED", "2026-11-24T10:15:00.300Z", cron)
upgrading = copy.deepcopy(deploy)
upgrading["status"] = installed["deploy"]["status"]
emit("MODIFIED", "2026-11-24T10:15:00.250Z", upgrading)
rs1 = rs_for(deploy, "billing-6d4c8b7f9", "2", T_UPGRADE, 2, billing_template)
emit("ADDED", "2026-11-24T10:15:00.400Z", rs1)
event(
    T_UPGRADE,
    deploy,
    "Normal",
    "ScalingReplicaSet",
    "Scaled up replica set billing-6d4c8b7f9 to 1",
    "deployment-controller",
)
old_pods = [
    pod_for(rs1, s, "2026-11-24T10:15:05Z", ip, "node-2", "ghcr.io/acme/billing:1.4.2")
    for s, ip in (("4xk7p", "10.244.2.31"), ("9wq2z", "10.244.1.44"))
]
for n, p in enumerate(old_pods):
    emit("ADDED", f"2026-11-24T10:15:{25 + 20 * n}.000Z", p)
    emit("DELETED", f"2026-11-24T10:15:{30 + 20 * n}.000Z", first_pods[n])
rs0_gone = copy.deepcopy(rs0)
rs0_gone["spec"]["replicas"] = 0
rs0_gone["status"] = {"replicas": 0, "observedGeneration": 2}
rs0_gone["metadata"]["managedFields"][0]["time"] = "2026-11-24T10:16:05Z"
emit("MODIFIED", "2026-11-24T10:16:05.200Z", rs0_gone)
event(
    "2026-11-24T10:16:05Z",
    deploy,
    "Normal",
    "ScalingReplicaSet",
    "Scaled down replica set billing-5c8f7d6b4 to 0 from 1",
    "deployment-controller",
)
deploy["status"]["conditions"][1]["lastUpdateTime"] = "2026-11-24T10:16:06Z"
deploy["metadata"]["managedFields"][1]["time"] = "2026-11-24T10:16:06Z"
emit("MODIFIED", "2026-11-24T10:16:06.100Z", deploy)


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
        creator = entry(
            "kube-controller-manager",
            "Update",
            created,
            owner_fields(pod, ["spec.containers", "metadata.labels", "metadata.ownerReferences"]),
        )
        running["metadata"]["managedFields"] = [
            creator,
            entry("kubelet", "Update", created, owner_fields(running, ["status"]), "status"),
        ]
        pod["metadata"]["managedFields"] = [
            creator,
            entry("kubelet", "Update", ended, owner_fields(pod, ["status"]), "status"),
        ]
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
    done["metadata"] = copy.deepcopy(job["metadata"])
    done["metadata"]["managedFields"].append(
        entry(
            "kube-controller-manager",
            "Update",
            finished,
            owner_fields(done, ["status"]),
            "status",
            api="batch/v1",
        )
    )
    emit("MODIFIED", finished[:-1] + ".500Z", done)
    if ok:
        cron_status["lastSuccessfulTime"] = finished
    cron["status"] = {**cron_status, "lastScheduleTime": scheduled}
    cron["metadata"]["managedFields"] = [
        *(e for e in cron["metadata"]["managedFields"] if e.get("subresource") != "status"),
        entry(
            "kube-controller-manager",
            "Update",
            finished,
            owner_fields(cron, ["status"]),
            "status",
            api="batch/v1",
        ),
    ]
    emit("MODIFIED", finished[:-1] + ".600Z", cron)


cron_status: dict[str, str] = {}
cron_run("2026-11-27T13:30:00Z", "billing-invoices-29405370", True, "2026-11-27T13:31:12Z")
cron_run("2026-11-27T14:00:00Z", "billing-invoices-29405400", True, "2026-11-27T14:01:09Z")

# 14:05 kubectl patch deploy billing --image 2.0.0 (nobody told Helm)
T_PATCH = "2026-11-27T14:05:12Z"
patched = copy.deepcopy(deploy)
patched["metadata"]["generation"] = 3
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
rs2 = rs_for(patched, "billing-7f5d9c6b8", "3", T_PATCH, 1, new_template)
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
rolled["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3"
rolled["status"] = {**deploy["status"], "observedGeneration": 3}
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
