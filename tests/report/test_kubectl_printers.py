"""kubectl's table cells, from kubectl's own printer tests (``pkg/printers/internalversion/
printers_test.go``: TestPrintPod and the rest), the objects written as the API serves them in
JSON; ``now`` fixed, ages counted back from it."""

from __future__ import annotations

from typing import Any

import pytest

from crumbs.report.kubectl import cells, header, human_duration
from crumbs.timeutil import NS, format_time

NOW = 1_800_000_000 * NS


def ago(seconds: float) -> str:
    return format_time(NOW - int(seconds * NS))


def pod(containers: int, statuses: list[dict[str, Any]], phase: str = "podPhase", reason: str = "",
        inits: int = 0, init_statuses: list[dict[str, Any]] | None = None,
        conditions: list[dict[str, Any]] | None = None, deleted: bool = False) -> dict[str, Any]:  # fmt: skip
    status: dict[str, Any] = {"phase": phase, "containerStatuses": statuses}
    if reason:
        status["reason"] = reason
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions:
        status["conditions"] = conditions
    meta: dict[str, Any] = {"name": "p"}
    if deleted:
        meta["deletionTimestamp"] = ago(10)
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)],
            "initContainers": [{"name": f"i{i}"} for i in range(inits)]}  # fmt: skip
    return {"kind": "Pod", "metadata": meta, "spec": spec, "status": status}


RUN = {"running": {}}
READY_RUN = {"ready": True, "restartCount": 3, "state": RUN}


def last(seconds: float) -> dict[str, Any]:
    return {"terminated": {"finishedAt": ago(seconds)}}


# (pod, READY, STATUS, RESTARTS): TestPrintPod's cases, in order
PODS = [
    (pod(2, [READY_RUN, {"restartCount": 3}]), "1/2", "podPhase", "6"),
    (pod(2, [READY_RUN, {"state": {"waiting": {"reason": "ContainerWaitingReason"}}, "restartCount": 3}]),
     "1/2", "ContainerWaitingReason", "6"),
    (pod(2, [{"state": {"waiting": {"reason": "ContainerWaitingReason"}}, "restartCount": 3},
             {"state": {"terminated": {"reason": "ContainerTerminatedReason"}}, "restartCount": 3}]),
     "0/2", "ContainerWaitingReason", "6"),
    (pod(2, [READY_RUN, {"ready": True, "restartCount": 3}]), "1/2", "podPhase", "6"),
    (pod(2, [READY_RUN, {"ready": True, "restartCount": 3}], reason="podReason"), "1/2", "podReason", "6"),
    (pod(2, [{"ready": True, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
             READY_RUN], phase="Running"), "1/2", "NotReady", "6"),
    (pod(2, [{"ready": True, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
             READY_RUN], phase="Running", conditions=[{"type": "Ready", "status": "True"}]), "1/2", "Running", "6"),
    (pod(1, [{"ready": False, "restartCount": 0, "state": {"waiting": {}}}], inits=1,
         init_statuses=[{"ready": False, "restartCount": 3, "state": RUN, "lastState": last(10)}]),
     "0/1", "Init:0/1", "3 (10s ago)"),
    (pod(1, [{"state": {"waiting": {}}}], inits=2,
         init_statuses=[{"restartCount": 3, "state": RUN, "lastState": last(10)}, {"state": {"waiting": {}}}]),
     "0/1", "Init:0/2", "3 (10s ago)"),
    (pod(1, [{"state": {"waiting": {}}}], inits=2,
         init_statuses=[{"state": {"terminated": {}}}, {"restartCount": 3, "state": RUN, "lastState": last(10)}]),
     "0/1", "Init:1/2", "3 (10s ago)"),
    (pod(1, [{"state": {"waiting": {}}}], inits=2,
         init_statuses=[{"restartCount": 2, "state": {"terminated": {}}, "lastState": last(120)},
                        {"restartCount": 3, "state": RUN, "lastState": last(10)}]),
     "0/1", "Init:1/2", "5 (10s ago)"),
    (pod(1, [{"restartCount": 4, "state": RUN, "lastState": last(20)}], phase="Running", inits=1,
         init_statuses=[{"restartCount": 2, "state": {"terminated": {}}, "lastState": last(120)}]),
     "0/1", "Running", "4 (20s ago)"),
    (pod(1, [{"ready": True, "restartCount": 3, "state": RUN, "lastState": last(5 * 86400)}], phase="Running"),
     "1/1", "Running", "3 (5d ago)"),
    (pod(2, [{"ready": True, "state": RUN},
             {"ready": True, "restartCount": 3, "state": RUN, "lastState": last(10 * 86400)}], phase="Running"),
     "2/2", "Running", "3 (10d ago)"),
    (pod(2, [{"ready": True, "restartCount": 6, "state": RUN, "lastState": last(5 * 86400)},
             {"ready": True, "restartCount": 3, "state": RUN, "lastState": last(20 * 86400)}], phase="Running"),
     "2/2", "Running", "9 (5d ago)"),
    (pod(2, [], conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     "0/2", "SchedulingGated", "0"),
    (pod(1, [{"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}], phase="Succeeded"),
     "0/1", "Completed", "0"),
    (pod(1, [{"state": {"terminated": {"reason": "Error", "exitCode": 1}}}], phase="Failed"), "0/1", "Error", "0"),
    (pod(1, [{"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}], phase="Succeeded", deleted=True),
     "0/1", "Completed", "0"),
    (pod(1, [READY_RUN], phase="Running", deleted=True), "1/1", "Terminating", "3"),
    (pod(1, [READY_RUN], phase="Running", reason="NodeLost", deleted=True), "1/1", "Unknown", "3"),
    (pod(1, [{"restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": last(40)}],
         phase="Running"), "0/1", "CrashLoopBackOff", "5 (40s ago)"),
    (pod(1, [{"state": {"terminated": {"exitCode": 137, "signal": 9}}}], phase="Running"), "0/1", "Signal:9", "0"),
    (pod(1, [{"state": {"terminated": {"exitCode": 2}}}], phase="Running"), "0/1", "ExitCode:2", "0"),
    (pod(1, [], inits=1, init_statuses=[{"state": {"terminated": {"exitCode": 1}}}]), "0/1", "Init:ExitCode:1", "0"),
    (pod(1, [], inits=1, init_statuses=[{"state": {"waiting": {"reason": "ImagePullBackOff"}}}]),
     "0/1", "Init:ImagePullBackOff", "0"),
]  # fmt: skip


@pytest.mark.parametrize(("doc", "ready", "status", "restarts"), PODS)
def test_pod_columns_are_kubectls(
    doc: dict[str, Any], ready: str, status: str, restarts: str
) -> None:
    assert cells("Pod", doc, NOW) == [ready, status, restarts, "<unknown>"]


def test_a_sidecar_counts_as_a_container_and_its_restarts_show_once_initialized() -> None:
    """TestPrintPodWithRestartableInitContainer: an init container with restartPolicy Always."""
    doc = pod(1, [{"ready": True, "state": RUN}], phase="Running", inits=1,
              init_statuses=[{"name": "i0", "ready": True, "started": True, "restartCount": 2, "state": RUN, "lastState": last(30)}],
              conditions=[{"type": "Initialized", "status": "True"}])  # fmt: skip
    doc["spec"]["initContainers"][0]["restartPolicy"] = "Always"
    assert cells("Pod", doc, NOW) == ["2/2", "Running", "2 (30s ago)", "<unknown>"]
    doc["status"]["initContainerStatuses"][0]["started"] = False  # not started: still initializing
    doc["status"]["conditions"] = []
    assert cells("Pod", doc, NOW)[:2] == ["0/2", "Init:0/1"]


def test_wide_pod_columns() -> None:
    doc = pod(1, [READY_RUN], phase="Running")
    doc["status"].update(podIPs=[{"ip": "10.244.1.7"}], podIP="10.244.1.7")
    doc["spec"].update(nodeName="node-1", readinessGates=[{"conditionType": "lb/ready"}])
    doc["status"]["conditions"] = [{"type": "lb/ready", "status": "True"}]
    assert header("Pod", True)[-4:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert cells("Pod", doc, NOW, wide=True)[-4:] == ["10.244.1.7", "node-1", "<none>", "1/1"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (150, "2m30s"), (600, "10m"),
     (179 * 60, "179m"), (3 * 3600, "3h"), (5 * 3600 + 30 * 60, "5h30m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
     (48 * 3600, "2d"), (3 * 86400 + 4 * 3600, "3d4h"), (8 * 86400, "8d"), (400 * 86400, "400d"),
     (730 * 86400, "2y"), (760 * 86400, "2y30d"), (9 * 365 * 86400, "9y")],
)  # fmt: skip
def test_ages_are_apimachinerys_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds * NS) == text


def test_job_status_completions_and_duration() -> None:
    job = {"kind": "Job", "metadata": {"creationTimestamp": ago(600)},
           "spec": {"completions": 3, "template": {"spec": {"containers": [{"name": "w", "image": "w:1"}]}}},
           "status": {"succeeded": 1, "startTime": ago(300)}}  # fmt: skip
    assert cells("Job", job, NOW) == ["Running", "1/3", "5m", "10m"]
    job["status"].update(
        completionTime=ago(60), conditions=[{"type": "Complete", "status": "True"}]
    )
    assert cells("Job", job, NOW) == ["Complete", "1/3", "4m", "10m"]
    del job["spec"]["completions"]
    job["spec"]["parallelism"] = 4
    job["status"]["conditions"] = [{"type": "Suspended", "status": "True"}]
    assert cells("Job", job, NOW)[:2] == ["Suspended", "1/1 of 4"]
    assert cells("Job", job, NOW, wide=True)[-3:] == ["w", "w:1", "<none>"]


def test_cronjob_service_node_deployment_and_storage() -> None:
    cj = {"spec": {"schedule": "*/5 * * * *", "timeZone": "Europe/Paris", "suspend": True},
          "status": {"active": [{"name": "j"}], "lastScheduleTime": ago(90)}, "metadata": {"creationTimestamp": ago(86400)}}  # fmt: skip
    assert cells("CronJob", cj, NOW) == ["*/5 * * * *", "Europe/Paris", "True", "1", "90s", "24h"]
    svc = {"spec": {"type": "NodePort", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}}  # fmt: skip
    assert cells("Service", svc, NOW) == [
        "NodePort",
        "10.96.0.10",
        "<none>",
        "80:30080/TCP,53/UDP",
        "<unknown>",
    ]
    lb = {"spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11", "ports": [{"port": 443}]},
          "status": {"loadBalancer": {"ingress": [{"hostname": "a-very-long-load-balancer.example.com"}]}}}  # fmt: skip
    assert cells("Service", lb, NOW)[2] == "a-very-long-l..."  # clipped to 16, as kubectl does
    node = {"metadata": {"labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master"}},
            "spec": {"unschedulable": True}, "status": {"conditions": [{"type": "Ready", "status": "False"}],
                                                        "nodeInfo": {"kubeletVersion": "v1.30.2"}}}  # fmt: skip
    assert cells("Node", node, NOW) == [
        "NotReady,SchedulingDisabled",
        "control-plane,master",
        "<unknown>",
        "v1.30.2",
    ]
    dep = {"spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]},
                    "template": {"spec": {"containers": [{"name": "web", "image": "web:2"}, {"name": "proxy", "image": "envoy:1"}]}}},
           "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}  # fmt: skip
    assert cells("Deployment", dep, NOW, wide=True) == [
        "2/3",
        "3",
        "2",
        "<unknown>",
        "web,proxy",
        "web:2,envoy:1",
        "app=web,tier in (a,b)",
    ]
    pvc = {"spec": {"volumeName": "pv-1", "storageClassName": "fast"}, "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"]}}  # fmt: skip
    assert cells("PersistentVolumeClaim", pvc, NOW) == [
        "Bound",
        "pv-1",
        "10Gi",
        "RWO,RWX",
        "fast",
        "<unset>",
        "<unknown>",
        "<unset>",
    ]
    assert cells("PersistentVolumeClaim", {"status": {"phase": "Pending"}}, NOW)[:4] == [
        "Pending",
        "",
        "",
        "",
    ]
    assert cells("StorageClass", {"provisioner": "ebs.csi.aws.com"}, NOW) == [
        "ebs.csi.aws.com",
        "Delete",
        "Immediate",
        "false",
        "<unknown>",
    ]
    assert cells("Widget", {"metadata": {"creationTimestamp": ago(30)}}, NOW) == [
        "30s"
    ]  # no printer: AGE


def test_jsonpath_templates_as_kubectl_reads_them() -> None:
    from crumbs.errors import UsageError
    from crumbs.report.jsonpath import render

    pods = {"kind": "List", "items": [
        {"metadata": {"name": "a", "labels": {"app": "x"}}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        {"metadata": {"name": "b"}, "status": {"phase": "Failed", "conditions": [{"type": "Ready", "status": "False"}]}},
    ]}  # fmt: skip
    assert render("{.items[*].metadata.name}", pods) == "a b"
    assert (
        render('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', pods)
        == "a\tRunning\nb\tFailed\n"
    )
    assert render('{.items[?(@.status.phase=="Failed")].metadata.name}', pods) == "b"
    assert render("{.items[0].metadata.labels}", pods) == '{"app":"x"}'
    assert (
        render("names: {.items[1].metadata.name}, missing: [{.items[1].metadata.labels.app}]", pods)
        == "names: b, missing: []"
    )
    assert render("{$.kind} {..phase}", pods) == "List Running Failed"
    for bad in ("{.items[*]", "{range .items[*]}{.x}", "{end}", "{.items[}"):
        with pytest.raises(UsageError, match="jsonpath"):
            render(bad, pods)
