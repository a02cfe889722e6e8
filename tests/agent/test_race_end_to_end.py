"""The service-discovery race behind a ClusterIP, end to end on a real kernel (issue 20).

A "node" network namespace, where the agent runs, and a client pod's namespace joined to it by
a veth pair. In the node's, nftables rules shaped like kube-proxy's nftables mode send the
ClusterIP round-robin to two "pods" (listeners in synthetic kubepods cgroups). The store holds
a history in which the EndpointSlice marks the old pod terminating at T. A lagging kube-proxy
keeps the rule to it for 2 s after T; the control updates it at T. The client, in its own
pod's cgroup, dials the ClusterIP every 100 ms throughout. The agent (eBPF and conntrack)
must give each connect its backend; ``scan`` must report the race with the node's lag on the
lagging run only.

Needs root, ip, nft, a cgroup v2 hierarchy and an eBPF loader: skipped locally without them
with the reason, a failure in CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.test_agent_live import need_ebpf, pod
from tests.conftest import IN_CI, ROOT
from tests.scenarios.watchlog import WatchLog, mf

CLUSTER_IP, OLD, NEW, CLIENT, GATEWAY = "10.96.0.50", "10.244.1.10", "10.244.1.11", "10.244.0.5", "10.244.0.1"  # fmt: skip
UIDS = {"client": "5c1e0000-0000-4000-8000-00000000c0de", "old": "5c1e0000-0000-4000-8000-0000000000a1",
        "new": "5c1e0000-0000-4000-8000-0000000000b2"}  # fmt: skip
CIDS = {name: (str(i) * 62 + "cd")[:64] for i, name in enumerate(UIDS, start=4)}
LEAD = 4.0
"""Seconds from starting the client to T (the agent reads the pods meanwhile)."""
NS = "shop"


def _need_nft() -> None:
    missing = [t for t in ("ip", "nft", "nsenter") if shutil.which(t) is None]
    if missing:
        why = f"the end-to-end race test needs {', '.join(missing)}"
        if IN_CI:
            pytest.fail(why + ": CI must run it (make test installs nftables as root)")
        pytest.skip(why)


def _run(*args: str, input: str | None = None) -> None:
    done = subprocess.run(args, input=input, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr}"


RULES = f"""table ip kubeproxy {{
  chain endpoint-old {{
    meta l4proto tcp dnat to {OLD}:8080
  }}
  chain endpoint-new {{
    meta l4proto tcp dnat to {NEW}:8080
  }}
  chain service-billing {{
    numgen inc mod 2 vmap {{ 0 : goto endpoint-old, 1 : goto endpoint-new }}
  }}
  chain prerouting {{
    type nat hook prerouting priority -100;
    ip daddr {CLUSTER_IP} tcp dport 80 goto service-billing
  }}
}}
"""
SYNCED = "flush chain ip kubeproxy service-billing\nadd rule ip kubeproxy service-billing goto endpoint-new\n"
"""kube-proxy's sync after the EndpointSlice change: the old pod out of the Service's chain."""


@pytest.fixture
def network() -> Iterator[dict[str, str]]:
    """A node namespace and a client pod's, joined by a veth pair; the Service's rules in the node's."""
    _need_nft()
    node, client = f"crumbs-node-{os.getpid()}", f"crumbs-pod-{os.getpid()}"
    _run("ip", "netns", "add", node)
    _run("ip", "netns", "add", client)
    try:
        _run(
            "ip",
            "-n",
            node,
            "link",
            "add",
            "vnode",
            "type",
            "veth",
            "peer",
            "name",
            "vpod",
            "netns",
            client,
        )
        for ns in (node, client):
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        _run("ip", "-n", node, "addr", "add", f"{GATEWAY}/24", "dev", "vnode")
        _run("ip", "-n", node, "link", "set", "vnode", "up")
        for addr in (OLD, NEW):  # the backend pods' addresses: local to the node here
            _run("ip", "-n", node, "addr", "add", f"{addr}/32", "dev", "lo")
        _run("ip", "-n", client, "addr", "add", f"{CLIENT}/24", "dev", "vpod")
        _run("ip", "-n", client, "link", "set", "vpod", "up")
        _run("ip", "-n", client, "route", "add", "default", "via", GATEWAY)
        _run("ip", "netns", "exec", node, "nft", "-f", "-", input=RULES)
        yield {"node": node, "client": client}
    finally:
        subprocess.run(["ip", "netns", "del", client], capture_output=True)
        subprocess.run(["ip", "netns", "del", node], capture_output=True)


@pytest.fixture
def cgroups() -> Iterator[dict[str, Path]]:
    mount = Path(need_ebpf())
    made = {}
    for name, uid in UIDS.items():
        made[name] = mount / "kubepods" / "besteffort" / f"pod{uid}" / CIDS[name]
        made[name].mkdir(parents=True, exist_ok=True)
    yield made
    time.sleep(0.2)  # the processes in them have exited
    for leaf in made.values():
        for p in (leaf, leaf.parent):
            with contextlib.suppress(OSError):
                p.rmdir()


def _history(tmp: Path, t: int) -> Path:
    """Pods, the billing Deployment rolled out just before T, its Service and EndpointSlice: the
    old pod ready until T, terminating from T (as the EndpointSlice controller writes it)."""
    log = WatchLog(tmp)
    at = lambda s: _rfc(t + int(s * 1e9))  # noqa: E731
    client = pod(NS, "client-1", UIDS["client"], "client", f"containerd://{CIDS['client']}", CLIENT)
    old = pod(
        NS, "billing-1-old", UIDS["old"], "billing", f"containerd://{CIDS['old']}", OLD, "billing-1"
    )
    new = pod(
        NS, "billing-2-new", UIDS["new"], "billing", f"containerd://{CIDS['new']}", NEW, "billing-2"
    )
    for p in (client, old, new):
        p["spec"]["nodeName"] = "node-1"
        log.add(at(-600), p)
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"namespace": NS, "name": "billing", "uid": "uid-dep-billing", "labels": {"app": "billing"},
                        "managedFields": [mf("kubectl-set", at(-30), {"f:spec": {}})]},
           "spec": {"selector": {"matchLabels": {"app": "billing"}},
                    "template": {"metadata": {"labels": {"app": "billing"}},
                                 "spec": {"containers": [{"name": "billing", "image": "billing:1"}]}}}}  # fmt: skip
    log.add(at(-600), dep)
    rolled = json.loads(json.dumps(dep))
    rolled["spec"]["template"]["spec"]["containers"][0]["image"] = "billing:2"
    log.change(at(-30), rolled)
    for n, (rs, replicas) in enumerate((("billing-1", 0), ("billing-2", 1))):
        log.add(at(-600 + n * 570), {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"namespace": NS, "name": rs, "uid": f"uid-{rs}",
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "billing",
                                                  "uid": "uid-dep-billing", "controller": True}]},
                "spec": {"replicas": replicas}})  # fmt: skip
    log.add(at(-600), {"apiVersion": "v1", "kind": "Service",
                       "metadata": {"namespace": NS, "name": "billing", "uid": "uid-svc-billing"},
                       "spec": {"clusterIP": CLUSTER_IP, "selector": {"app": "billing"},
                                "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}})  # fmt: skip
    # an unrelated Service and its slice, changed at T too: not part of the race
    log.add(at(-600), {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": NS, "name": "search", "uid": "uid-svc-search"},
                       "spec": {"clusterIP": "10.96.0.77", "selector": {"app": "search"}, "ports": [{"port": 80}]}})  # fmt: skip

    def endpoint(ip: str, name: str, uid: str, ready: bool) -> dict[str, Any]:
        return {"addresses": [ip], "conditions": {"ready": ready, "serving": True, "terminating": not ready},
                "nodeName": "node-1", "targetRef": {"kind": "Pod", "namespace": NS, "name": name, "uid": uid}}  # fmt: skip

    sl = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
          "metadata": {"namespace": NS, "name": "billing-abcde", "uid": "uid-slice-billing",
                       "labels": {"kubernetes.io/service-name": "billing"}},
          "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
          "endpoints": [endpoint(OLD, "billing-1-old", UIDS["old"], True),
                        endpoint(NEW, "billing-2-new", UIDS["new"], True)]}  # fmt: skip
    log.add(at(-600), sl)
    terminating = json.loads(json.dumps(sl))
    terminating["endpoints"][0] = endpoint(OLD, "billing-1-old", UIDS["old"], False)
    log.change(at(0), terminating)
    other = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
             "metadata": {"namespace": NS, "name": "search-xyz", "uid": "uid-slice-search",
                          "labels": {"kubernetes.io/service-name": "search"}},
             "endpoints": [{"addresses": ["10.244.2.9"], "conditions": {"ready": True}}]}  # fmt: skip
    log.add(at(-600), other)
    gone = json.loads(json.dumps(other))
    gone["endpoints"] = []
    log.change(at(0), gone)
    log.write("cluster")
    return tmp / "cluster.jsonl"


def _rfc(ns: int) -> str:
    from crumbs.timeutil import format_time

    return format_time(ns)


SERVER = """
import socket, sys
srv = socket.create_server((sys.argv[1], 8080), backlog=128)
srv.settimeout(30)
while True:
    try:
        c, _ = srv.accept()
    except OSError:
        break
    c.close()
"""

CLIENT_CODE = """
import socket, sys, time
t, until = float(sys.argv[1]), float(sys.argv[2])
k = -int((t - time.time()) / 0.1)
while True:
    when = t + k * 0.1 + 0.05        # never within 50 ms of T: the control's flip lands between
    if when > until:
        break
    time.sleep(max(0.0, when - time.time()))
    try:
        socket.create_connection((sys.argv[3], 80), timeout=2).close()
    except OSError:
        pass
    k += 1
"""


def _net(ns: str) -> list[str]:
    """Enter network namespace ``ns`` only (``ip netns exec`` also remounts /sys, hiding the
    cgroup hierarchy and tracefs the agent reads)."""
    return ["nsenter", f"--net=/run/netns/{ns}"]


def _in(ns: str, cgroup: Path, *argv: str) -> subprocess.Popen[str]:
    """A process that joins ``cgroup``, then enters network namespace ``ns``."""
    cmd = f'echo $$ > {cgroup / "cgroup.procs"} && exec "$@"'
    return subprocess.Popen(["sh", "-c", cmd, "sh", *_net(ns), *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.parametrize("lag", [2.0, 0.0], ids=["kube-proxy-lagging", "kube-proxy-in-sync"])
def test_the_race_behind_a_cluster_ip_is_found_with_the_nodes_lag(
    network: dict[str, str], cgroups: dict[str, Path], tmp_path: Path, cli, lag: float
) -> None:
    db = str(tmp_path / "crumbs.db")
    t_wall = time.time() + LEAD + 2.0
    t = int(t_wall * 1e9)
    assert cli("ingest", str(_history(tmp_path, t)), "--cluster", "prod", db=db).code == 0
    out = tmp_path / "events.jsonl"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    agent = subprocess.Popen(
        [*_net(network["node"]), sys.executable, "-m", "crumbs", "--db", db, "agent",
         "--node", "node-1", "--cluster", "prod", "--output", str(out), "--pods-every", "0.5", "--for", "120"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    servers: list[subprocess.Popen[str]] = []
    try:
        assert agent.stderr is not None
        line = agent.stderr.readline()
        assert "tracing node" in line, line + agent.stderr.read()
        servers = [_in(network["node"], cgroups[name], sys.executable, "-c", SERVER, ip)
                   for name, ip in (("old", OLD), ("new", NEW))]  # fmt: skip
        time.sleep(0.5)
        client = _in(network["client"], cgroups["client"], sys.executable, "-c", CLIENT_CODE,
                     str(t_wall - LEAD), str(t_wall + lag + 2.0), CLUSTER_IP)  # fmt: skip
        time.sleep(max(0.0, t_wall + lag - time.time()))
        _run("ip", "netns", "exec", network["node"], "nft", "-f", "-", input=SYNCED)
        synced = time.time()
        assert client.wait(30) == 0, client.stderr.read() if client.stderr else ""
        time.sleep(1.5)  # the last events reach the agent
    finally:
        agent.send_signal(2)
        _, err = agent.communicate(timeout=60)
        for s in servers:
            s.kill()
            s.wait()
    assert agent.returncode == 0, err
    assert "conntrack" not in err, err  # read: no warning that it could not be
    events = [json.loads(line) for line in out.read_text().splitlines()]
    connects = [
        e for e in events if e["type"] == "connect" and (e["pod"] or {}).get("name") == "client-1"
    ]
    assert len(connects) >= 10 * (LEAD + lag + 1), len(connects)
    assert all(c["connection"]["dialed"] == f"{CLUSTER_IP}:80" for c in connects)
    assert all(c["connection"]["outcome"] == "established" for c in connects)
    # the agent gave every connect the backend the node's rules chose
    backends = {c["connection"]["backend"] for c in connects}
    assert backends == {f"{OLD}:8080", f"{NEW}:8080"}, backends
    to_old_after = [
        c for c in connects if c["connection"]["backend"] == f"{OLD}:8080" and _ns(c["time"]) > t
    ]
    assert all(_ns(c["time"]) < int(synced * 1e9) for c in to_old_after)
    found = cli("scan", "-a", "discovery", "-o", "json", db=db).json()["findings"]
    races = [f for f in found if f["rule"] == "connect-to-removed-endpoint"]
    if lag == 0.0:
        assert not to_old_after  # the control: the rule changed with the EndpointSlice
        assert not races, [(f["title"], f["detail"]) for f in races]
        return
    assert len(to_old_after) >= 5, len(to_old_after)  # every other connect for 2 s
    (race,) = races
    assert race["subject"]["kind"] == "Service" and race["subject"]["name"] == "billing"
    assert f"node node-1 translated {CLUSTER_IP}:80 to {OLD}:8080" in race["detail"]
    lags = [
        float(x)
        for x in re.findall(r"(\d+\.\d)s after the endpoint was terminating", race["detail"])
    ]
    assert lags and all(0.0 <= x <= lag + 0.3 for x in lags) and max(lags) >= lag - 0.5, race[
        "detail"
    ]
    assert "sync lag" in race["detail"] and "minSyncPeriod" in race["remediation"]
    assert race["causes"][0]["subject"]["kind"] == "Deployment"
    # on the client too: `why` of the client pod finds the same race
    why = cli("why", "pod/client-1", "-n", NS, "-o", "json", db=db).json()["findings"]
    assert any(f["rule"] == "connect-to-removed-endpoint" for f in why), [f["rule"] for f in why]


def _ns(text: str) -> int:
    from crumbs.timeutil import parse_time

    at = parse_time(text)
    assert at is not None
    return at
