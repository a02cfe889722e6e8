"""The node-event analyzers on a recorded history: the discovery race, the cron on the node, hands in containers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crumbs.activity import NodeEvent
from crumbs.formats.nodeevents import to_json
from crumbs.timeutil import format_time, parse_time
from tests.scenarios.watchlog import WatchLog, mf

T0 = parse_time("2026-11-20T10:00:00Z")
assert T0 is not None
NS = "shop"
S = 1_000_000_000


def t(seconds: float) -> str:
    return format_time(T0 + int(seconds * S))


def meta(
    name: str,
    uid: str,
    labels: dict[str, str] | None = None,
    owner: tuple[str, str, str] | None = None,
    at: float = 0,
    manager: str = "kubectl-client-side-apply",
) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name, "namespace": NS, "uid": uid, "creationTimestamp": t(at), "labels": labels or {},
                         "managedFields": [mf(manager, t(at), {"f:spec": {}})]}  # fmt: skip
    if owner:
        m["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": owner[2],
                "controller": True,
            }
        ]
    return m


def deployment(
    name: str, image: str, at: float, manager: str = "kubectl-client-side-apply"
) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, f"uid-dep-{name}", {"app": name}, at=at, manager=manager),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": name, "image": image}]}}},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1}}  # fmt: skip


def pod(
    name: str,
    app: str,
    ip: str,
    image: str,
    owner: tuple[str, str, str],
    at: float = 0,
    started: float = 0,
) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, f"uid-pod-{name}", {"app": app}, owner, at, "kube-controller-manager"),
            "spec": {"nodeName": "node-1", "containers": [{"name": app, "image": image}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": app, "ready": True, "restartCount": 0, "image": image,
                                              "containerID": f"containerd://{name}", "state": {"running": {"startedAt": t(started)}}}]}}  # fmt: skip


def replicaset(name: str, deployment: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta(name, f"uid-rs-{name.rsplit('-', 1)[-1]}" if deployment == "billing" else f"uid-rs-l{name[-1]}",
            {"app": deployment}, ("Deployment", deployment, f"uid-dep-{deployment}"), manager="kube-controller-manager"),
            "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 1}}  # fmt: skip


def slice_(endpoints: list[tuple[str, str]]) -> dict[str, Any]:
    conds = {
        "ready": {"ready": True},
        "terminating": {"ready": False, "serving": True, "terminating": True},
    }
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": meta("billing-abc12", "uid-slice", {"kubernetes.io/service-name": "billing"}, manager="endpointslice-controller.k8s.io"),
            "endpoints": [{"addresses": [ip], "conditions": conds[state]} for ip, state in endpoints], "ports": [{"port": 8080}]}  # fmt: skip


def event(at: float, type: str, **fields: Any) -> dict[str, Any]:
    return to_json(NodeEvent(at=T0 + int(at * S), type=type, node="node-1", **fields))


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    log = WatchLog(tmp_path)
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": meta("billing", "uid-svc"),
           "spec": {"clusterIP": "10.96.0.50", "selector": {"app": "billing"}, "ports": [{"port": 80, "targetPort": 8080}]}}  # fmt: skip
    log.add(t(0), svc)
    log.add(t(0), deployment("billing", "billing:1", 0))
    log.add(t(0), deployment("ledger", "ledger:1", 0))
    log.add(t(0), replicaset("billing-1", "billing"))
    log.add(t(0), replicaset("ledger-1", "ledger"))
    old = log.add(
        t(0),
        pod(
            "billing-old",
            "billing",
            "10.244.1.17",
            "billing:1",
            ("ReplicaSet", "billing-1", "uid-rs-1"),
            0,
        ),
    )
    log.add(
        t(0),
        pod(
            "ledger-1",
            "ledger",
            "10.244.1.40",
            "ledger:1",
            ("ReplicaSet", "ledger-1", "uid-rs-l1"),
            0,
        ),
    )
    log.add(
        t(0),
        pod(
            "client-1",
            "client",
            "10.244.1.20",
            "client:1",
            ("ReplicaSet", "client-1", "uid-rs-c"),
            0,
        ),
    )
    log.add(t(1), slice_([("10.244.1.17", "ready")]))
    # the rollout: a new template (by hand), a new pod, the old one terminating, then gone
    log.change(t(60), deployment("billing", "billing:2", 0, manager="kubectl-edit"))
    log.change(t(60), deployment("ledger", "ledger:2", 0, manager="kubectl-edit"))
    log.add(
        t(80),
        pod(
            "billing-new",
            "billing",
            "10.244.1.30",
            "billing:2",
            ("ReplicaSet", "billing-2", "uid-rs-2"),
            80,
        ),
    )
    log.change(t(90), slice_([("10.244.1.17", "terminating"), ("10.244.1.30", "ready")]))
    log.change(t(100), slice_([("10.244.1.30", "ready")]))
    log.delete(t(120), old)
    # a CronJob left on the old image of its app, its Job and pod
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("report", "uid-cj", {"app": "billing"}),
          "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "report", "image": "billing:1"}]}}}}}}  # fmt: skip
    log.add(t(0), cj)
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("report-290", "uid-job", {"app": "billing"}, ("CronJob", "report", "uid-cj"), 150),
           "spec": {"template": {"spec": {"containers": [{"name": "report", "image": "billing:1"}]}}}, "status": {"active": 1}}  # fmt: skip
    job["metadata"]["ownerReferences"][0]["apiVersion"] = "batch/v1"
    log.add(t(150), job)
    cron_pod = pod(
        "report-290-x",
        "report",
        "10.244.1.50",
        "billing:1",
        ("Job", "report-290", "uid-job"),
        150,
        151,
    )
    log.add(t(150), cron_pod)
    log.add(
        t(0),
        pod("web-1", "web", "10.244.1.60", "nginx:1.25", ("ReplicaSet", "web-1", "uid-rs-w"), 0, 1),
    )
    log.write("history")
    client = {
        "namespace": NS,
        "pod": "client-1",
        "pod_uid": "uid-pod-client-1",
        "container": "client",
        "comm": "client",
        "saddr": "10.244.1.20",
    }
    lines = [
        event(10, "dns", qname="billing.shop.svc.cluster.local", qtype="A", rcode="NOERROR", answers=["10.244.1.17"], **{k: v for k, v in client.items() if k != "saddr"}),
        event(30, "connect", daddr="10.244.1.17", dport=8080, outcome="established", **client),
        event(105, "connect", daddr="10.244.1.17", dport=8080, outcome="refused", **client),
        event(110, "connect", daddr="10.244.1.17", dport=8080, outcome="refused", **client),
        event(112, "connect", daddr="10.244.1.30", dport=8080, outcome="established", **client),
        event(65, "connect", daddr="10.244.1.40", dport=9000, outcome="refused", **client),
        event(152, "exec", namespace=NS, pod="report-290-x", pod_uid="uid-pod-report-290-x", container="report", binary="/app/report", args=["/app/report", "--daily"], parent="containerd-shim", pid=10, ppid=1),
        event(160, "exec", host=True, binary="/usr/local/bin/backup.sh", args=["/bin/sh", "/usr/local/bin/backup.sh"], parent="cron", pid=20, ppid=2),
        event(220, "exec", host=True, binary="/usr/local/bin/backup.sh", args=["/bin/sh", "/usr/local/bin/backup.sh"], parent="cron", pid=21, ppid=2),
        event(600, "exec", namespace=NS, pod="web-1", pod_uid="uid-pod-web-1", container="web", binary="/bin/bash", args=["bash"], parent="runc:[2:INIT]", pid=500, ppid=499),
        event(620, "exec", namespace=NS, pod="web-1", pod_uid="uid-pod-web-1", container="web", binary="/usr/bin/apt-get", args=["apt-get", "install", "-y", "curl"], parent="bash", pid=501, ppid=500),
        event(700, "exec", namespace=NS, pod="web-1", pod_uid="uid-pod-web-1", container="web", binary="/usr/sbin/nginx", args=["nginx", "-s", "reload"], parent="nginx", pid=502, ppid=1),
    ]  # fmt: skip
    (tmp_path / "node.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return tmp_path


def scan(cli, recorded: Path, *analyzers: str) -> list[dict[str, Any]]:
    assert cli("ingest", str(recorded / "history.jsonl"), str(recorded / "node.jsonl")).code == 0
    args = [a for name in analyzers for a in ("-a", name)]
    r = cli("scan", *args, "-o", "json")
    assert r.code in (0, 3), r.err
    return r.json()["findings"]  # type: ignore[no-any-return,index]


def test_the_discovery_race_and_its_rollout(cli, recorded: Path) -> None:
    found = scan(cli, recorded, "discovery")
    by_rule = {f["rule"]: f for f in found}
    assert set(by_rule) == {"connect-to-removed-endpoint", "refused-during-rollout"}
    race = by_rule["connect-to-removed-endpoint"]
    assert race["subject"]["kind"] == "Service" and race["subject"]["name"] == "billing"
    assert "shop/client-1" in race["title"] and "10.244.1.17 (billing-old)" in race["title"]
    assert (
        "2 connection(s) (2 refused)" in race["detail"]
        and "5.0s after it was removed" in race["detail"]
    )
    assert "resolved billing.shop.svc.cluster.local to 10.244.1.17" in race["detail"]
    assert "preStop" in race["remediation"]
    assert [e["kind"] for e in race["evidence"]] == ["revision", "node-event", "node-event"]
    top = race["causes"][0]
    assert top["subject"]["kind"] == "Deployment" and top["subject"]["name"] == "billing"
    roll = by_rule["refused-during-rollout"]
    assert roll["subject"]["name"] == "ledger" and "pod template changed" in roll["detail"]


def test_the_cron_that_ran_on_the_node(cli, recorded: Path) -> None:
    found = scan(cli, recorded, "node-cron")
    rules = sorted((f["rule"], f["subject"]["kind"], f["subject"]["name"]) for f in found)
    assert rules == [
        ("cron-ran-stale-image", "CronJob", "report"),
        ("host-cron-job", "Node", "node-1"),
    ]
    host = next(f for f in found if f["rule"] == "host-cron-job")
    assert "cron on node node-1 ran /usr/local/bin/backup.sh 2 times" in host["title"]
    assert host["severity"] == "info"


def test_hands_inside_a_container(cli, recorded: Path) -> None:
    found = scan(cli, recorded, "hands-in-containers")
    by_rule = {f["rule"]: f for f in found}
    assert set(by_rule) == {"exec-session", "changed-inside-container"}
    session = by_rule["exec-session"]
    assert "2 command(s)" in session["title"] and "apt-get install -y curl" in session["detail"]
    assert (
        "nginx -s reload" not in session["detail"]
    )  # the container's own processes are not the session
    assert by_rule["changed-inside-container"]["severity"] == "warning"


def test_without_node_events_they_say_nothing(cli, recorded: Path) -> None:
    assert cli("ingest", str(recorded / "history.jsonl")).code == 0
    r = cli("scan", "-a", "discovery", "-a", "node-cron", "-a", "hands-in-containers", "-o", "json")
    assert r.json()["findings"] == []  # type: ignore[index]


def test_the_timeline_shows_what_the_nodes_saw_that_nobody_recorded(cli, recorded: Path) -> None:
    assert cli("ingest", str(recorded / "history.jsonl"), str(recorded / "node.jsonl")).code == 0
    plain = cli("timeline", "-o", "json").json()["entries"]  # type: ignore[index]
    assert all(e["type"] != "node-event" for e in plain)  # only when asked
    entries = cli("timeline", "--activity", "-o", "json").json()["entries"]  # type: ignore[index]
    crumbs = [
        (e["why"], e["event"]["process"]["binary"] or e["event"]["connection"]["daddr"])
        for e in entries
        if e["type"] == "node-event"
    ]
    assert crumbs == [
        ("connection refused", "10.244.1.40"),
        ("connection refused", "10.244.1.17"),
        ("connection refused", "10.244.1.17"),
        ("cron ran a job on the node", "/usr/local/bin/backup.sh"),
        ("cron ran a job on the node", "/usr/local/bin/backup.sh"),
        ("a shell started by the container runtime (kubectl exec)", "/bin/bash"),
        ("a package manager ran inside a container", "/usr/bin/apt-get"),
    ]
    times = [e["at"] for e in entries]
    assert times == sorted(times)
    shop = cli("timeline", "--activity", "-n", "shop").out
    assert "apt-get install -y curl" in shop and "backup.sh" not in shop


def _orphaned_cron(log: WatchLog, name: str, deleted_at: float) -> None:
    """A CronJob with one Job and its pod (orphaned: the Job outlives the CronJob)."""
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta(name, f"uid-cj-{name}"),
          "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": name, "image": f"{name}:1"}]}}}}}}  # fmt: skip
    added = log.add(t(0), cj)
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(f"{name}-1", f"uid-job-{name}", None, ("CronJob", name, f"uid-cj-{name}"), 10),
           "spec": {"template": {"spec": {"containers": [{"name": name, "image": f"{name}:1"}]}}}, "status": {"active": 1}}  # fmt: skip
    job["metadata"]["ownerReferences"][0]["apiVersion"] = "batch/v1"
    log.add(t(10), job)
    log.add(
        t(10),
        pod(
            f"{name}-1-x",
            name,
            "10.244.2.1",
            f"{name}:1",
            ("Job", f"{name}-1", f"uid-job-{name}"),
            10,
            11,
        ),
    )
    log.delete(t(deleted_at), added)


def _runs(name: str, *at: float) -> list[dict[str, Any]]:
    return [
        event(s, "exec", namespace=NS, pod=f"{name}-1-x", pod_uid=f"uid-pod-{name}-1-x", container=name,
              binary=f"/bin/{name}", args=[f"/bin/{name}"], parent="containerd-shim", pid=100 + i, ppid=1)
        for i, s in enumerate(at)
    ]  # fmt: skip


def test_runs_are_dated_against_the_cronjobs_deletion(cli, tmp_path: Path) -> None:
    """Issue 12 item 5: only runs after the CronJob's deletion count, and 'from' is the first of them."""
    log = WatchLog(tmp_path)
    _orphaned_cron(log, "sweeper", deleted_at=300)  # ran before and after its deletion
    _orphaned_cron(log, "archiver", deleted_at=500)  # deleted after its last run: nothing to say
    log.add(t(0), deployment("unrelated", "unrelated:1", 0))
    log.write("history")
    lines = _runs("sweeper", 60, 120, 420, 480) + _runs("archiver", 60, 120)
    (tmp_path / "node.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    found = scan(cli, tmp_path, "node-cron")
    assert [(f["rule"], f["subject"]["name"]) for f in found] == [
        ("cron-ran-after-cronjob-deleted", "sweeper")
    ]
    title = found[0]["title"]
    assert f"2 times from {format_time(T0 + 420 * S, precise=False)}" in title, title
    assert f"after its deletion at {format_time(T0 + 300 * S, precise=False)}" in title
    assert found[0]["since"] == format_time(T0 + 420 * S)
    assert len([e for e in found[0]["evidence"] if e["kind"] == "node-event"]) == 2


def _through_nat(recorded: Path, backend: str, at: float) -> None:
    """Connections the client made to the Service's ClusterIP, translated by the node's
    kube-proxy (conntrack) to ``backend``, appended to the recorded node events."""
    client = {"namespace": NS, "pod": "client-1", "pod_uid": "uid-pod-client-1", "container": "client",
              "comm": "client", "saddr": "10.244.1.20"}  # fmt: skip
    lines = [event(at + k, "connect", daddr="10.96.0.50", dport=80, dialed="10.96.0.50:80", backend=backend,
                   outcome="refused", sport=41000 + k, **client) for k in range(2)]  # fmt: skip
    nat = recorded / "nat.jsonl"
    nat.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_the_race_behind_a_cluster_ip_names_the_backend_and_the_nodes_lag(
    cli, recorded: Path
) -> None:
    """Issue 20: the socket saw only the ClusterIP; conntrack's backend is the terminating pod,
    2 and 3 s after the EndpointSlice marked it so (a lagging kube-proxy on node-1: the last
    translation bounds its lag)."""
    _through_nat(recorded, "10.244.1.17:8080", 92)
    assert cli("ingest", str(recorded / "nat.jsonl")).code == 0
    races = [
        f for f in scan(cli, recorded, "discovery") if f["rule"] == "connect-to-removed-endpoint"
    ]
    nat = next((f for f in races if "10.96.0.50:80" in f["detail"]), None)
    assert nat is not None, [(f["title"], f["detail"]) for f in races]
    assert "node node-1 translated 10.96.0.50:80 to 10.244.1.17:8080" in nat["detail"]
    assert (
        "3.0s after the endpoint was terminating" in nat["detail"] and "sync lag" in nat["detail"]
    )
    assert nat["subject"]["name"] == "billing" and "minSyncPeriod" in nat["remediation"]


def test_a_translation_to_a_ready_pod_is_no_race(cli, recorded: Path) -> None:
    """The negative control: the node's rules already pointed at the new pod."""
    _through_nat(recorded, "10.244.1.30:8080", 92)
    assert cli("ingest", str(recorded / "nat.jsonl")).code == 0
    races = [
        f for f in scan(cli, recorded, "discovery") if f["rule"] == "connect-to-removed-endpoint"
    ]
    assert races and all(
        "10.96.0.50:80" not in f["detail"] for f in races
    )  # only the recorded race
