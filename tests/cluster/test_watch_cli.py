"""``crumbs watch`` and ``crumbs status`` as a user runs them: a process, signals, a store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def test_scan_live_refuses_at(kubeconfig: Path, cli) -> None:
    result = cli("scan", "--live", "--kubeconfig", str(kubeconfig), "--at", "1h", db=None)
    assert result.code == 2 and "--live" in result.err
