"""``crumbs watch`` and ``crumbs status`` as a user runs them: a process, signals, a store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import stored_state, wait_for
from tests.fakes.apiserver import FakeAPIServer
from tests.fakes.kube_state import script

CRUMBS = Path(sys.executable).parent / "crumbs"


def test_watch_until_sigterm_then_status(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path, cli
) -> None:
    db = str(tmp_path / "live.db")
    for _ in script(server.cluster, 30):
        pass
    proc = subprocess.Popen(
        [str(CRUMBS), "--db", db, "watch", "--kubeconfig", str(kubeconfig)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: os.path.exists(db) and stored_state(db) == server.cluster.current(),
            what="the first lists",
        )
        for _ in script(server.cluster, 40, seed=5):
            pass
        wait_for(lambda: stored_state(db) == server.cluster.current(), what="the watch")
        time.sleep(2.5)  # a status save
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "recording fake" in err and "stopped:" in err and "Traceback" not in err
    assert stored_state(db) == server.cluster.current()
    report = cli("status", "-o", "json", db=db).json()["resources"]
    pods = next(r for r in report if r["resource"] == "pods")
    assert (
        pods["cluster"] == "fake"
        and pods["state"] in ("watching", "stopped")
        and pods["lists"] >= 1
    )
    assert pods["events"] >= 1 and pods["lastEvent"] and pods["errors"] == 0
    assert "pods" in cli("status", db=db).out
    assert {m for m, _ in server.cluster.requests} == {"GET"}


def test_sigterm_stops_watch_at_once_whatever_for_says(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """Issue 12 item 3: a non-daemon `--for` timer kept the process alive until it ran out."""
    db = str(tmp_path / "live.db")
    for _ in script(server.cluster, 20):
        pass
    proc = subprocess.Popen(
        [str(CRUMBS), "--db", db, "watch", "--kubeconfig", str(kubeconfig), "--for", "600"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: os.path.exists(db) and stored_state(db) == server.cluster.current(),
            what="the first lists",
        )
    finally:
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    took = time.monotonic() - asked
    assert proc.returncode == 0 and "stopped:" in err, err
    assert took < 4.0, f"took {took:.1f}s to stop after SIGTERM"
    assert stored_state(db) == server.cluster.current()
    check = subprocess.run(
        ["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True
    )
    assert check.stdout.strip() == "ok"


def test_watch_for_a_while(server: FakeAPIServer, kubeconfig: Path, tmp_path: Path, cli) -> None:
    server.cluster.create("ConfigMap", "settings", data={"a": "1"})
    db = str(tmp_path / "live.db")
    result = cli(
        "watch", "--kubeconfig", str(kubeconfig), "--for", "1.5", "--include", "configmaps", db=db
    )
    assert result.code == 0, result.err
    assert set(stored_state(db)) == {("", "ConfigMap", "default", "settings")}


def test_unknown_context_is_one_line(kubeconfig: Path, tmp_path: Path, cli) -> None:
    result = cli(
        "watch", "--kubeconfig", str(kubeconfig), "--context", "prod-eu", db=str(tmp_path / "x.db")
    )
    assert result.code == 1
    assert "prod-eu" in result.err and len(result.err.strip().splitlines()) == 1


def test_unreachable_server_keeps_retrying_then_stops_cleanly(tmp_path: Path, cli) -> None:
    server = FakeAPIServer().start()
    kubeconfig = server.kubeconfig(tmp_path / "kc")
    server.stop()  # nothing listens there any more
    result = cli("watch", "--kubeconfig", str(kubeconfig), "--for", "1", db=str(tmp_path / "x.db"))
    assert result.code == 0
    assert "discovery failed" in result.err


def test_scan_live_lists_the_cluster_and_scans_it(
    server: FakeAPIServer, kubeconfig: Path, cli
) -> None:
    c = server.cluster
    c.create(
        "Pod",
        "web-1",
        spec={
            "containers": [{"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}]}]
        },
        status={
            "phase": "Running",
            "containerStatuses": [
                {"name": "web", "ready": True, "restartCount": 0, "state": {"running": {}}}
            ],
        },
    )
    pod = c.objects[("", "pods")][("default", "web-1")]
    c.update(pod, metadata={**pod["metadata"], "labels": {"app": "web"}})
    c.create(
        "Service",
        "web",
        spec={"selector": {"app": "web-api"}, "ports": [{"port": 80, "targetPort": 8080}]},
    )
    result = cli("scan", "--live", "--kubeconfig", str(kubeconfig), "-o", "json", db=None)
    assert result.code == 3, result.err
    found = {(f["rule"], f["subject"]["name"]) for f in result.json()["findings"]}
    assert ("selector-matches-no-pods", "web") in found
    assert {m for m, _ in c.requests} == {"GET"}


def test_scan_live_logs_reads_the_failed_runs_logs(
    server: FakeAPIServer, kubeconfig: Path, cli
) -> None:
    c = server.cluster
    crashing = {"name": "api", "ready": False, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed container=api"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-12-02T10:00:00Z"}}}  # fmt: skip
    c.create("Pod", "api-1", spec={"containers": [{"name": "api", "image": "api:2"}]},
             status={"phase": "Running", "containerStatuses": [crashing]})  # fmt: skip
    c.create("Pod", "fine-1", spec={"containers": [{"name": "fine", "image": "fine:1"}]},
             status={"phase": "Running", "containerStatuses": [{"name": "fine", "ready": True, "restartCount": 0, "state": {"running": {}}}]})  # fmt: skip
    c.set_log("default", "api-1", "api", [("2026-12-02T09:59:59.5Z", "dial tcp 10.96.0.10:5432: connect: connection refused"),
                                          ("2026-12-02T09:59:59.9Z", "fatal: cannot reach the database")], previous=True)  # fmt: skip
    result = cli("scan", "--live", "--logs", "--kubeconfig", str(kubeconfig), "-o", "json", db=None)
    assert result.code == 3, result.err
    loop = next(f for f in result.json()["findings"] if f["rule"] == "crashloop")
    [cited] = [e for e in loop["evidence"] if e["kind"] == "log"]
    assert "connection refused" in cited["summary"] and cited["lines"][-1].endswith(
        "fatal: cannot reach the database"
    )
    asked = [p for _, p in c.requests if p.endswith("/log") or "/log?" in p]
    assert len(asked) == 1 and "/pods/api-1/log?" in asked[0]  # only the failed run's
    assert cli("scan", "--logs", db=None).code == 2  # --logs goes with --live


def test_scan_live_refuses_at(kubeconfig: Path, cli) -> None:
    result = cli("scan", "--live", "--kubeconfig", str(kubeconfig), "--at", "1h", db=None)
    assert result.code == 2 and "--live" in result.err


@pytest.mark.slow
def test_kill_9_and_restart_resumes_and_loses_no_revision(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """Issue 12 item 11: each restart watches on from the resourceVersion the store holds."""
    from tests.cluster.conftest import stored_revisions
    from tests.cluster.test_watch import exactly

    cluster = server.cluster
    for _ in script(cluster, 40):
        pass
    db = str(tmp_path / "live.db")
    cmd = [str(CRUMBS), "--db", db, "watch", "--kubeconfig", str(kubeconfig)]

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(cmd, stderr=subprocess.DEVNULL, text=True)

    proc = start()
    wait_for(
        lambda: os.path.exists(db) and stored_state(db) == cluster.current(), what="the first list"
    )
    listed_at = cluster.rv
    for round_ in range(6):
        for i, _ in enumerate(script(cluster, 30, seed=100 + round_)):
            if i % 10 == 0:
                time.sleep(0.05)
        time.sleep(2.6)  # a status save: the resume point of what is committed
        for _ in script(cluster, 15, seed=200 + round_):
            pass
        proc.kill()  # kill -9, mid-stream
        proc.wait(10)
        for _ in script(cluster, 20, seed=300 + round_):  # while it is down
            pass
        proc = start()
        time.sleep(0.5)
    try:
        wait_for(lambda: stored_state(db) == cluster.current(), timeout=30, what="the last run")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert sorted(stored_revisions(db)) == exactly(cluster, listed_at)


@pytest.mark.slow
def test_an_endless_list_body_cannot_exhaust_memory(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """Issue 12 item 11: a list body (and a watch line) that never ends is refused at a bound.

    The watch's peak RSS (VmHWM of the process) is read while it runs; limit: 600 MiB (a
    64 MiB page bound, parsed at most once), where reading the body whole grew without end.
    """
    server.cluster.faults.endless.add("configmaps")
    server.cluster.create("Pod", "ok", spec={})
    db = str(tmp_path / "live.db")
    proc = subprocess.Popen(
        [str(CRUMBS), "--db", db, "watch", "--kubeconfig", str(kubeconfig), "--include", "configmaps",
         "--include", "pods"], stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0
    try:
        wait_for(
            lambda: os.path.exists(db) and ("", "Pod", "default", "ok") in stored_state(db),
            what="pods",
        )
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) // 1024
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert peak < 600, f"peak RSS {peak} MiB"
    report = {r["resource"]: r for r in json.loads(
        subprocess.run([str(CRUMBS), "--db", db, "status", "-o", "json"], capture_output=True, text=True).stdout
    )["resources"]}  # fmt: skip
    assert (
        report["configmaps"]["errors"] >= 1 and "over 64 MiB" in report["configmaps"]["lastError"]
    )


def test_watch_serves_what_it_records(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """Issue 17: ``watch --serve`` records and serves from one process; SIGTERM stops both."""
    from tests.serve.conftest import free_port, request

    db = str(tmp_path / "live.db")
    for _ in script(server.cluster, 20):
        pass
    port = free_port()
    proc = subprocess.Popen([str(CRUMBS), "--db", db, "watch", "--kubeconfig", str(kubeconfig), "--serve", "--port", str(port)],
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return (
                request(base + "/readyz")[0] == 200 and stored_state(db) == server.cluster.current()
            )
        except OSError:
            return False

    try:
        wait_for(ready, what="the server and the first lists")
        for _ in script(server.cluster, 10, seed=3):
            pass
        wait_for(lambda: stored_state(db) == server.cluster.current(), what="the watch")
        status, _, body = request(base + "/api/v1/info")
        assert status == 200 and json.loads(body)["clusters"][0]["name"] == "fake"
        assert request(base + "/timeline")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
    with pytest.raises(OSError):
        request(base + "/healthz")


def test_watch_notify_names_a_route(
    kubeconfig: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--notify NAME`` must name a [[notify.routes]]: said in one line before anything runs."""
    config = tmp_path / "config.toml"
    config.write_text('[notify.destinations.hook]\ntype = "webhook"\nurl = "http://127.0.0.1:9/x"\nsecret = "s"\n'
                      '[[notify.routes]]\nname = "oncall"\ndestinations = ["hook"]\n')  # fmt: skip
    monkeypatch.setenv("CRUMBS_CONFIG", str(config))
    r = cli(
        "watch",
        "--kubeconfig",
        str(kubeconfig),
        "--notify",
        "pager",
        "--for",
        "1",
        db=str(tmp_path / "x.db"),
    )
    assert r.code == 2 and "--notify pager: no [[notify.routes]] of that name" in r.err
