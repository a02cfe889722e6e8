"""Findings a real cluster needs: any kind's conditions, restart storms, pods stuck starting,
failed pods whose Job is not in the data. Each with its negative control beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.analyze.kit import NOW, scan
from tests.analyze.kit import cond as _cond
from tests.analyze.kit import meta as _meta
from tests.analyze.kit import rules as _rules
from tests.conftest import watch_line


def _scan(cli, tmp_path: Path, lines: list[bytes]) -> list[dict[str, Any]]:
    return scan(cli, tmp_path, lines)


def test_conditions_of_any_kind(cli, tmp_path: Path) -> None:
    def obj(
        api: str, kind: str, name: str, conditions: list[dict[str, Any]], **status: Any
    ) -> bytes:
        doc = {"apiVersion": api, "kind": kind, "metadata": _meta(name),
               "status": {"conditions": conditions, **status}}  # fmt: skip
        return watch_line("ADDED", doc, NOW)

    found = _scan(cli, tmp_path, [
        # cert-manager: Ready False with the issuer's words
        obj("cert-manager.io/v1", "Certificate", "shop-tls", [_cond("Ready", "False", "DoesNotExist", "Issuer letsencrypt not found"),
                                                               _cond("Issuing", "False", "Failed", "The certificate request has failed")]),
        obj("cert-manager.io/v1", "Certificate", "api-tls", [_cond("Ready", "True", "Ready", "Certificate is up to date")]),
        # Flux: not Ready while reconciling, only minutes ago: a warning, not yet an error
        obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "apps", [_cond("Ready", "False", "Progressing", "reconciliation in progress", "2026-11-27T11:55:00Z"),
                                                                       _cond("Reconciling", "True", "Progressing", "", "2026-11-27T11:55:00Z")]),
        obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "infra", [_cond("Ready", "False", "BuildFailed", "kustomize build failed: accumulating resources"),
                                                                        _cond("Stalled", "True", "BuildFailed", "kustomize build failed")]),
        # Argo CD: health Degraded; conditions without a status (ComparisonError)
        obj("argoproj.io/v1alpha1", "Application", "payments", [{"type": "ComparisonError", "message": "rpc error: repository not accessible",
                                                               "lastTransitionTime": "2026-11-27T09:00:00Z"}],
            health={"status": "Degraded", "message": "Deployment payments exceeded its progress deadline"}, sync={"status": "Synced"}),
        obj("argoproj.io/v1alpha1", "Application", "web", [], health={"status": "Healthy"}, sync={"status": "Synced"}),
        # a condition whose polarity Crumbs does not know is not a problem
        obj("machine.openshift.io/v1beta1", "Machine", "master-0", [_cond("Drainable", "False", "HookPresent", "Drain operation currently blocked by: [etcd-quorum]")]),
        # kinds another analyzer judges are left to it: a Deployment's conditions are the workloads analyzer's
        obj("apps/v1", "Deployment", "quiet", [_cond("Available", "False", "MinimumReplicasUnavailable")]),
    ])  # fmt: skip
    got = {r for r in _rules(found) if r[1] == "conditions/condition"}
    assert got == {
        ("error", "conditions/condition", "shop-tls"),
        ("warning", "conditions/condition", "apps"),
        ("error", "conditions/condition", "infra"),
        ("error", "conditions/condition", "payments"),
    }
    by = {f["subject"]["name"]: f for f in found if f["analyzer"] == "conditions"}
    assert by["shop-tls"]["title"] == "Certificate shop-tls: not Ready (DoesNotExist)"
    assert by["shop-tls"]["detail"].startswith("Issuer letsencrypt not found")
    assert by["infra"]["title"] == "Kustomization infra: not Ready (BuildFailed)"
    assert "Stalled=True" in by["infra"]["detail"]
    assert by["payments"]["title"] == "Application payments: Degraded"
    assert "ComparisonError" in by["payments"]["detail"]


def _pod(name: str, statuses: list[dict[str, Any]], phase: str = "Running", owner: dict[str, Any] | None = None,
         conditions: list[dict[str, Any]] | None = None, **status: Any) -> dict[str, Any]:  # fmt: skip
    meta = _meta(name)
    if owner:
        meta["ownerReferences"] = [
            {"apiVersion": "batch/v1", "controller": True, "uid": f"u-{owner['name']}", **owner}
        ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"restartPolicy": "Never" if owner else "Always", "containers": [{"name": s["name"], "image": "img"} for s in statuses]},
            "status": {"phase": phase, "startTime": "2026-11-27T09:00:00Z",
                       "conditions": conditions or [_cond("PodScheduled", "True", at="2026-11-27T09:00:00Z")],
                       "containerStatuses": statuses, **status}}  # fmt: skip


def _running(
    name: str, restarts: int, exit_code: int = 137, ended: str = "2026-11-27T11:58:00Z"
) -> dict[str, Any]:
    return {"name": name, "ready": True, "restartCount": restarts, "state": {"running": {"startedAt": ended}},
            "lastState": {"terminated": {"exitCode": exit_code, "reason": "Error", "finishedAt": ended}} if restarts else {}}  # fmt: skip


def test_restart_storms(cli, tmp_path: Path) -> None:
    lines = [
        # counted across revisions: 2 restarts at 11:20, 9 at 11:59
        watch_line("ADDED", _pod("storm", [_running("app", 2, ended="2026-11-27T11:19:00Z")]), "2026-11-27T11:20:00Z"),
        watch_line("MODIFIED", _pod("storm", [_running("app", 9, ended="2026-11-27T11:58:30Z")]), "2026-11-27T11:59:00Z"),
        # one revision only: many restarts, the last one recent
        watch_line("ADDED", _pod("busy", [_running("app", 40, exit_code=1)]), NOW),
        # negative: restarts long ago, running fine since
        watch_line("ADDED", _pod("settled", [_running("app", 40, ended="2026-11-20T08:00:00Z")]), NOW),
        # negative: one restart in the hour across revisions
        watch_line("ADDED", _pod("once", [_running("app", 3, ended="2026-11-27T09:00:00Z")]), "2026-11-27T11:20:00Z"),
        watch_line("MODIFIED", _pod("once", [_running("app", 4)]), "2026-11-27T11:59:00Z"),
    ]  # fmt: skip
    found = _scan(cli, tmp_path, lines)
    storms = {f["subject"]["name"]: f for f in found if f["rule"] == "restarting"}
    assert set(storms) == {"storm", "busy"}
    assert (
        "7 restarts in" in storms["storm"]["detail"]
        and "137: killed with SIGKILL" in storms["storm"]["detail"]
    )
    assert "40 restarts" in storms["busy"]["detail"]


def test_pods_stuck_starting(cli, tmp_path: Path) -> None:
    creating = [
        {
            "name": "db",
            "ready": False,
            "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}},
        }
    ]
    mount = _pod("db-0", creating, phase="Pending")
    fresh = _pod("db-1", creating, phase="Pending", startTime="2026-11-27T11:58:00Z",
                 conditions=[_cond("PodScheduled", "True", at="2026-11-27T11:58:00Z")])  # fmt: skip
    init = _pod("web-0", [{"name": "web", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}], phase="Pending",
                initContainerStatuses=[{"name": "wait-for-db", "ready": False, "restartCount": 0,
                                        "state": {"running": {"startedAt": "2026-11-27T09:00:05Z"}}}])  # fmt: skip
    event = {"apiVersion": "v1", "kind": "Event", "metadata": _meta("db-0.1", uid="ev-1"),
             "involvedObject": {"kind": "Pod", "namespace": "app", "name": "db-0", "uid": "u-db-0"},
             "reason": "FailedMount", "type": "Warning", "count": 30, "source": {"component": "kubelet"},
             "message": 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found',
             "firstTimestamp": "2026-11-27T09:00:10Z", "lastTimestamp": "2026-11-27T11:58:00Z"}  # fmt: skip
    found = _scan(cli, tmp_path, [watch_line("ADDED", d, NOW) for d in (mount, fresh, init, event)])
    stuck = {f["subject"]["name"]: f for f in found if f["rule"] == "stuck-starting"}
    assert set(stuck) == {"db-0", "web-0"}  # db-1 was scheduled two minutes ago: not stuck yet
    assert stuck["db-0"]["severity"] == "error"
    assert 'FailedMount: MountVolume.SetUp failed for volume "creds"' in stuck["db-0"]["detail"]
    assert stuck["db-0"]["since"] == "2026-11-27T09:00:00Z"
    assert (
        "init container wait-for-db running since 2026-11-27T09:00:05Z" in stuck["web-0"]["detail"]
    )


def test_failed_pods_of_a_job_not_in_the_data(cli, tmp_path: Path) -> None:
    failed = [{"name": "job", "ready": False, "restartCount": 0,
               "state": {"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": "2026-11-27T11:00:40Z"}}}]  # fmt: skip
    # a CronJob's Job is named after its scheduled time in minutes since the epoch: 11:00Z here
    minutes = 1795777200 // 60
    orphan = _pod(f"report-{minutes}-abcde", failed, phase="Failed", owner={"kind": "Job", "name": f"report-{minutes}"},
                  startTime="2026-11-27T11:00:01Z")  # fmt: skip
    kept = _pod("nightly-xyz12", failed, phase="Failed", owner={"kind": "Job", "name": "nightly"})
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("nightly"),
           "spec": {"template": {"spec": {"containers": [{"name": "job", "image": "img"}]}}},
           "status": {"failed": 1, "conditions": [_cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]}}  # fmt: skip
    found = _scan(cli, tmp_path, [watch_line("ADDED", d, NOW) for d in (orphan, kept, job)])
    failed_pods = [f for f in found if f["rule"] == "failed" and f["analyzer"] == "pods"]
    assert [f["subject"]["name"] for f in failed_pods] == [orphan["metadata"]["name"]]
    detail = failed_pods[0]["detail"]
    assert "container job exited 2 (Error)" in detail
    assert (
        f"the run of CronJob report scheduled at 2026-11-27T11:00:00Z (its Job report-{minutes} is not in the data)"
        in detail
    )
    # the Job in the data speaks for its own pod
    assert ("error", "jobs/failed", "nightly") in _rules(found)


def test_paused_work(cli, tmp_path: Path) -> None:
    def dep(name: str, paused: bool, manager: str) -> dict[str, Any]:
        md = _meta(name, managedFields=[{"manager": manager, "operation": "Update", "time": "2026-11-20T08:00:00Z",
                                          "fieldsV1": {"f:spec": {"f:paused": {}}}}])  # fmt: skip
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md,
                "spec": {"paused": paused, "replicas": 1, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "img"}]}}},
                "status": {"replicas": 1, "availableReplicas": 1, "conditions": [_cond("Available", "True")]}}  # fmt: skip

    def cron(name: str, schedule: str, suspended_at: str) -> dict[str, Any]:
        md = _meta(name, managedFields=[{"manager": "kubectl-patch", "operation": "Update", "time": suspended_at,
                                          "fieldsV1": {"f:spec": {"f:suspend": {}}}}])  # fmt: skip
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": md,
                "spec": {"schedule": schedule, "suspend": True,
                         "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "img"}]}}}}}}  # fmt: skip

    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("migrate"),
           "spec": {"suspend": True, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "img"}]}}}}  # fmt: skip
    found = _scan(cli, tmp_path, [watch_line("ADDED", d, NOW) for d in (
        dep("by-hand", True, "kubectl-rollout"), dep("by-argo", True, "argocd-controller"), dep("running", False, "kubectl-rollout"),
        cron("hourly", "0 * * * *", "2026-11-27T09:10:00Z"),  # three runs not made: forgotten
        cron("daily", "0 3 * * *", "2026-11-27T11:10:00Z"),    # no run missed yet: a pause
        job)])  # fmt: skip
    got = {r for r in _rules(found) if r[1].startswith("paused/")}
    assert got == {
        ("warning", "paused/rollouts-paused", "by-hand"),
        ("info", "paused/rollouts-paused", "by-argo"),  # the GitOps source declares it
        ("warning", "paused/suspended", "hourly"),
        ("warning", "paused/job-suspended", "migrate"),
    }
    by = {f["subject"]["name"]: f for f in found if f["analyzer"] == "paused"}
    assert (
        by["by-hand"]["since"] == "2026-11-20T08:00:00Z"
    )  # a snapshot: the managedFields entry says when
    assert by["hourly"]["detail"].startswith("3 scheduled runs not made")
