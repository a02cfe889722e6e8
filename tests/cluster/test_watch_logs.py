"""``watch --logs`` against the fake API server: the log of each failed run captured once,
within the limits, failures counted; and ``scan`` citing the error that began after a change."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from crumbs.cluster.podlogs import Limits
from crumbs.cluster.status import load_status
from crumbs.store import Store
from tests.cluster.conftest import listening, recording, wait_for
from tests.fakes.apiserver import FakeAPIServer

NS = "shop"


def _stamp(offset: float) -> str:
    t = time.time() + offset
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


def _owned(owner: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "controller": True}]  # fmt: skip


def _pod_status(restarts: int, crashing: bool, exit_code: int = 2) -> dict[str, Any]:
    cs: dict[str, Any] = {
        "name": "inventory",
        "ready": not crashing,
        "restartCount": restarts,
        "image": "x",
    }
    if crashing:
        cs["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": "back-off 40s restarting failed container",
            }
        }
    else:
        cs["state"] = {"running": {"startedAt": _stamp(-5)}}
    if restarts:
        cs["lastState"] = {
            "terminated": {"exitCode": exit_code, "reason": "Error", "finishedAt": _stamp(-1)}
        }
    return {"phase": "Running", "containerStatuses": [cs], "conditions": [{"type": "Ready", "status": "False" if crashing else "True"}]}  # fmt: skip


def _running_pod(cluster: Any, name: str) -> dict[str, Any]:
    """A pod whose one container, ``inventory``, runs (it has not failed yet)."""
    spec = {"containers": [{"name": "inventory", "image": "x"}]}
    return dict(cluster.create("Pod", name, NS, spec=spec, status=_pod_status(0, False)))


def _chunks(path: str) -> list[tuple[str, int | None, bool | None, str]]:
    with Store.open(path, create=False) as store:
        rows = store.db.execute("SELECT pod, restarts, previous, pod_uid FROM logs ORDER BY id")
        return [(p, r, None if prev is None else bool(prev), u) for p, r, prev, u in rows]


def test_a_crash_loop_captured_and_cited_as_new_since_the_image_change(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path, cli, store_path: str
) -> None:
    cluster = server.cluster
    dep = cluster.create("Deployment", "inventory", NS, spec={
        "replicas": 1, "selector": {"matchLabels": {"app": "inventory"}},
        "template": {"metadata": {"labels": {"app": "inventory"}}, "spec": {"containers": [{"name": "inventory", "image": "registry.example.com/inventory:5.1.0"}]}}},
        status={"replicas": 1, "availableReplicas": 1, "readyReplicas": 1})  # fmt: skip
    old = cluster.create("Pod", "inventory-5d8f-a1", NS, spec={"containers": [{"name": "inventory", "image": "registry.example.com/inventory:5.1.0"}]},
                         status=_pod_status(0, False))  # fmt: skip
    old["metadata"]["ownerReferences"] = _owned(dep)
    old["metadata"]["labels"] = {"app": "inventory"}
    old = cluster.update(old)
    # the old version flapped once: its log had the cache warning, not the panic
    cluster.set_log(NS, old["metadata"]["name"], "inventory", [
        (_stamp(-30), "starting inventory 5.1.0"),
        (_stamp(-29), "ERROR cache refresh failed: redis timeout after 2000ms (will retry)"),
        (_stamp(-28), "exiting: lost leadership")], previous=True)  # fmt: skip
    with recording(
        store_path, kubeconfig, include=["pods", "deployments.apps"], logs=Limits()
    ) as rec:
        wait_for(lambda: listening(rec), what="the first lists")
        cluster.update(old, status=_pod_status(1, False, exit_code=1))
        wait_for(lambda: len(_chunks(store_path)) == 1, what="the old pod's failed run")
        time.sleep(0.05)
        new_dep = dict(dep)
        new_dep["spec"] = {**dep["spec"], "template": {"metadata": {"labels": {"app": "inventory"}}, "spec": {
            "containers": [{"name": "inventory", "image": "registry.example.com/inventory:5.2.0"}]}}}  # fmt: skip
        cluster.update(new_dep)
        time.sleep(0.05)
        cluster.delete(cluster.objects[("", "pods")][(NS, old["metadata"]["name"])])
        crash = cluster.create("Pod", "inventory-7b9c-b2", NS, spec={"containers": [{"name": "inventory", "image": "registry.example.com/inventory:5.2.0"}]},
                               status=_pod_status(0, False))  # fmt: skip
        crash["metadata"]["ownerReferences"] = _owned(dep)
        crash["metadata"]["labels"] = {"app": "inventory"}
        cluster.set_log(NS, crash["metadata"]["name"], "inventory", [
            (_stamp(1), "starting inventory 5.2.0"),
            (_stamp(1.1), "ERROR cache refresh failed: redis timeout after 2000ms (will retry)"),
            (_stamp(1.2), "panic: config: required key INVENTORY_REGION missing"),
            (_stamp(1.3), "goroutine 1 [running]:")], previous=True)  # fmt: skip
        for _ in range(3):  # the same run seen in several revisions is fetched once
            crash = cluster.update(crash, status=_pod_status(1, True))
            time.sleep(0.02)
        wait_for(lambda: len(_chunks(store_path)) == 2, what="the crashing pod's previous run")
        time.sleep(0.3)
    chunks = _chunks(store_path)
    assert [(p, r, prev) for p, r, prev, _ in chunks] == [
        ("inventory-5d8f-a1", 1, True), ("inventory-7b9c-b2", 1, True)]  # fmt: skip
    assert chunks[1][3] == crash["metadata"]["uid"]
    requests = [p for m, p in cluster.requests if "/log" in p]
    assert len(requests) == 2 and all("previous=true" in p and "timestamps=true" in p and "tailLines=" in p and "limitBytes=" in p for p in requests)  # fmt: skip
    found = cli("scan", "-o", "json").json()["findings"]
    loop = next(f for f in found if f["rule"] == "crashloop")
    [cited] = [e for e in loop["evidence"] if e["kind"] == "log"]
    assert "panic: config: required key INVENTORY_REGION missing" in cited["summary"], cited
    assert cited["newSinceCause"] is True
    assert loop["causes"][0]["summary"].startswith(
        "image registry.example.com/inventory:5.1.0 → 5.2.0"
    )
    status = {r.resource: r for r in load_status(Store.open(store_path))}
    assert status["pods/log"].events == 2 and status["pods/log"].errors == 0


def test_limits_hold_under_a_pod_restarting_every_second(
    server: FakeAPIServer, kubeconfig: Path, store_path: str
) -> None:
    cluster = server.cluster
    pod = _running_pod(cluster, "flappy")
    limits = Limits(per_second=5, burst=2, bytes_per_hour=3 * 18_100, queue=4)
    with recording(store_path, kubeconfig, include=["pods"], logs=limits) as rec:
        wait_for(lambda: listening(rec), what="the first lists")
        started = time.monotonic()
        for restarts in range(1, 41):  # 40 runs, one every 25 ms: far above the limits
            cluster.set_log(NS, "flappy", "inventory", [(_stamp(-1), f"run {restarts} " + "x" * 900 + " ERROR boom")] * 20, previous=True)  # fmt: skip
            pod = cluster.update(pod, status=_pod_status(restarts, True))
            time.sleep(0.025)
        wait_for(lambda: rec.fetchers["fake"].counts.over_budget > 0, what="the byte budget")
        elapsed = time.monotonic() - started
        counts = rec.fetchers["fake"].counts
    fetched = [p for m, p in cluster.requests if "/log" in p]
    assert counts.fetched == len(fetched) == 3, counts  # 3 × 18 kB fills the hour's budget
    assert counts.fetched + counts.over_budget + counts.dropped <= 40
    assert counts.dropped > 0  # the queue of 4 overflowed: dropped, never waited for
    assert len(fetched) <= 2 + 5 * elapsed + 1  # the token bucket
    # each body served is kept once: two fetches between the same two runs read the same text,
    # which the store keeps once (its chunks are unique by content)
    assert sum(1 for _ in _chunks(store_path)) == len(set(cluster.served_logs)) >= 1


def test_failures_are_counted_and_a_403_stops_fetching(
    server: FakeAPIServer, kubeconfig: Path, store_path: str
) -> None:
    cluster = server.cluster
    never = _running_pod(cluster, "never-restarted")
    warnings: list[str] = []
    with recording(
        store_path, kubeconfig, include=["pods"], logs=Limits(), warn=warnings.append
    ) as rec:
        wait_for(lambda: listening(rec), what="the first lists")
        cluster.update(never, status=_pod_status(1, True))  # no previous log on the server: 400
        wait_for(lambda: rec.fetchers["fake"].counts.failed == 1, what="the 400")
        assert "previous terminated container" in rec.fetchers["fake"].counts.last_error
        cluster.forbidden.add(("", "pods/log"))
        gone = _running_pod(cluster, "denied")
        cluster.update(gone, status=_pod_status(2, True))
        wait_for(lambda: rec.fetchers["fake"].counts.forbidden, what="the 403")
        later = _running_pod(cluster, "later")
        cluster.update(later, status=_pod_status(3, True))
        time.sleep(0.5)
    assert [w for w in warnings if "pods/log is forbidden" in w] and len(
        [w for w in warnings if "pods/log" in w]
    ) == 1
    assert (
        sum("/pods/later/log" in p for _, p in cluster.requests) == 0
    )  # not asked again after a 403
    status = {r.resource: r for r in load_status(Store.open(store_path))}
    assert status["pods/log"].state == "forbidden" and status["pods/log"].errors == 2
