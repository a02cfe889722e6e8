"""The agent for real: eBPF probes, processes in synthetic kubepods cgroups, loopback servers.

Needs root, bpftrace and a cgroup v2 hierarchy: skipped elsewhere with the
reason, a failure in CI (``make test`` installs bpftrace as root).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crumbs.agent import dnswire
from crumbs.agent.cgroups import cgroup2_mount
from crumbs.timeutil import format_time, now_ns
from tests.conftest import IN_CI, ROOT
from tests.fakes import dnswire as wire
from tests.scenarios.watchlog import WatchLog, mf

WEB_UID = "7e1c5d2a-0b3f-4c6d-8e9f-a1b2c3d4e5f6"
WEB_CID = "1" * 63 + "a"
DB_UID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
DB_CID = "2" * 63 + "b"
GONE_IP = "127.0.0.88"


def need_ebpf() -> str:
    """The cgroup v2 mount, when this machine can run the agent."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root")
    if shutil.which("bpftrace") is None:
        missing.append("bpftrace")
    mount = cgroup2_mount()
    if mount is None:
        missing.append("a cgroup v2 hierarchy")
    if missing:
        why = f"the eBPF agent tests need {', '.join(missing)}"
        if IN_CI:
            pytest.fail(why + ": CI must run them (make test installs bpftrace as root)")
        pytest.skip(why)
    assert mount is not None
    return mount


def need_libbpf() -> None:
    """The libbpf loader's compiled probes (``make test`` builds them with ``make bpf``)."""
    from crumbs.agent.libbpf import available
    from crumbs.agent.libbpf_session import object_path

    why = available() or (
        None if object_path() else "the libbpf loader's probes are not built (make bpf)"
    )
    if why:
        if IN_CI:
            pytest.fail(why + ": CI must run them (make test installs clang and builds them)")
        pytest.skip(why)


@pytest.fixture(params=["bpftrace", "libbpf"])
def loader(request: pytest.FixtureRequest) -> str:
    """Each loader, the same assertions."""
    if request.param == "libbpf":
        need_libbpf()
    return str(request.param)


@pytest.fixture(scope="module")
def cgroups() -> Iterator[dict[str, Path]]:
    mount = Path(need_ebpf())
    web = (
        mount / "kubepods.slice" / "kubepods-besteffort.slice"
        / f"kubepods-besteffort-pod{WEB_UID.replace('-', '_')}.slice" / f"cri-containerd-{WEB_CID}.scope"
    )  # fmt: skip
    db = mount / "kubepods" / "burstable" / f"pod{DB_UID}" / f"crio-{DB_CID}"
    for d in (web, db):
        d.mkdir(parents=True, exist_ok=True)
    yield {"web": web, "db": db}
    for d in (web, db):
        for p in [d, *d.parents]:
            if p == mount:
                break
            try:
                p.rmdir()
            except OSError:
                break  # not empty (another test's), or busy


def pod(
    namespace: str, name: str, uid: str, container: str, cid: str, ip: str, owner: str = ""
) -> dict[str, Any]:
    meta: dict[str, Any] = {"namespace": namespace, "name": name, "uid": uid, "labels": {"app": name.split("-")[0]},
                            "creationTimestamp": format_time(now_ns() - 600 * 10**9, precise=False)}  # fmt: skip
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": owner,
                "uid": f"uid-{owner}",
                "controller": True,
            }
        ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"nodeName": "test-node", "containers": [{"name": container, "image": "x:1"}]},
            "status": {"phase": "Running", "podIP": ip, "containerStatuses": [{"name": container, "containerID": cid, "ready": True, "restartCount": 0, "state": {"running": {}}}]}}  # fmt: skip


def history(tmp: Path) -> Path:
    """The cluster as the store knows it: two pods in kubepods cgroups, a Service whose endpoint was removed."""
    log = WatchLog(tmp)
    ago = lambda s: format_time(now_ns() - int(s * 10**9))  # noqa: E731
    log.add(ago(600), pod("shop", "web-1", WEB_UID, "web", f"containerd://{WEB_CID}", "127.0.0.10"))
    log.add(ago(600), pod("data", "db-0", DB_UID, "postgres", f"cri-o://{DB_CID}", "127.0.0.11"))
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"namespace": "shop", "name": "billing", "uid": "uid-dep", "labels": {"app": "billing"},
                        "managedFields": [mf("kubectl-edit", ago(70), {"f:spec": {}})]},
           "spec": {"selector": {"matchLabels": {"app": "billing"}}, "template": {"metadata": {"labels": {"app": "billing"}}, "spec": {"containers": [{"name": "b", "image": "billing:1"}]}}}}  # fmt: skip
    log.add(ago(600), dep)
    dep2 = json.loads(json.dumps(dep))
    dep2["spec"]["template"]["spec"]["containers"][0]["image"] = "billing:2"
    log.change(ago(70), dep2)
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"namespace": "shop", "name": "billing-1", "uid": "uid-billing-1",
          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "billing", "uid": "uid-dep", "controller": True}]}, "spec": {"replicas": 0}}  # fmt: skip
    log.add(ago(600), rs)
    old = log.add(
        ago(600),
        pod(
            "shop",
            "billing-1-old",
            "uid-billing-old",
            "b",
            "containerd://" + "3" * 64,
            GONE_IP,
            "billing-1",
        ),
    )
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "shop", "name": "billing", "uid": "uid-svc"},
           "spec": {"clusterIP": "10.96.0.50", "selector": {"app": "billing"}, "ports": [{"port": 80}]}}  # fmt: skip
    log.add(ago(600), svc)
    sl = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
          "metadata": {"namespace": "shop", "name": "billing-x1", "uid": "uid-slice", "labels": {"kubernetes.io/service-name": "billing"}},
          "endpoints": [{"addresses": [GONE_IP], "conditions": {"ready": True}}]}  # fmt: skip
    log.add(ago(600), sl)
    sl2 = json.loads(json.dumps(sl))
    sl2["endpoints"] = []
    log.change(ago(60), sl2)
    log.delete(ago(50), old)
    log.write("cluster")
    return tmp / "cluster.jsonl"


def free_dns_address() -> tuple[socket.socket, str]:
    """A UDP socket bound to port 53 of a loopback address nobody else uses (the probes watch port
    53, so the port is fixed; the address is not, so two suites can run at once)."""
    rng = random.Random()
    for _ in range(200):
        ip = f"127.{rng.randrange(1, 255)}.{rng.randrange(0, 256)}.{rng.randrange(2, 255)}"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((ip, 53))
        except OSError:
            sock.close()
            continue
        return sock, ip
    raise RuntimeError("no free loopback address for port 53")


class DnsServer(threading.Thread):
    """Answers A queries on its own loopback address, port 53, with one address: the removed endpoint's."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock, self.ip = free_dns_address()
        self.sock.settimeout(0.2)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            name = dnswire.parse(data)
            rcode = 3 if name is not None and name.qname.startswith("nothing") else 0
            self.sock.sendto(
                wire.encode_answer(data, [GONE_IP] if rcode == 0 else [], rcode=rcode), peer
            )

    def close(self) -> None:
        self.stop.set()
        self.join()
        self.sock.close()


class AgentRun:
    """``crumbs ARGS... agent ...`` in a subprocess, from "tracing node" until SIGINT; ``err`` is its stderr."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.err = ""
        self.code: int | None = None

    def __enter__(self) -> AgentRun:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crumbs", *self.args], stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        assert "tracing node" in line, line + self.proc.stderr.read()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(1.5)  # the last events reach the agent
        self.proc.send_signal(signal.SIGINT)
        _, self.err = self.proc.communicate(timeout=60)
        self.code = self.proc.returncode


def in_cgroup(cgroup: Path, code: str) -> None:
    """Run Python code in a child process that first joins ``cgroup``."""
    script = (
        f"open({str(cgroup / 'cgroup.procs')!r}, 'w').write(str(__import__('os').getpid()))\n{code}"
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, timeout=30, cwd=ROOT
    )  # tests.fakes importable


def test_events_are_attributed_to_their_pods_and_the_race_is_found(
    cgroups: dict[str, Path], tmp_path: Path, cli, loader: str
) -> None:
    db_path = str(tmp_path / "crumbs.db")
    assert cli("ingest", str(history(tmp_path)), db=db_path).code == 0
    out = tmp_path / "events.jsonl"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    threading.Thread(
        target=lambda: accepted.extend(listener.accept()[0] for _ in range(1)), daemon=True
    ).start()
    dns = DnsServer()
    dns.start()
    web_code = f"""
import socket
socket.create_connection(("127.0.0.1", {port})).close()
for target in [("127.0.0.1", 9), ("{GONE_IP}", 8080), ("{GONE_IP}", 8080)]:
    try:
        socket.create_connection(target, timeout=2).close()
    except OSError:
        pass
"""
    db_code = f"""
import os, socket
from tests.fakes import dnswire as wire
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)          # musl style: sendto / recvfrom
u.sendto(wire.encode_query(1, "billing.shop.svc.cluster.local"), ("{dns.ip}", 53))
u.recvfrom(512)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)          # Go style: connect, write, read
c.connect(("{dns.ip}", 53))
os.write(c.fileno(), wire.encode_query(2, "nothing.shop.svc.cluster.local"))
os.read(c.fileno(), 512)
"""
    agent = AgentRun("--db", db_path, "agent", "--loader", loader, "--node", "test-node", "--output", str(out), "--pods-every", "0.5", "--for", "120")  # fmt: skip
    try:
        with agent:
            time.sleep(1.0)  # the pods read from the store
            subprocess.run(["sh", "-c", f"echo $$ > {cgroups['web'] / 'cgroup.procs'} && exec /bin/echo crumbs-test --password=hunter2"], check=True, capture_output=True)  # fmt: skip
            in_cgroup(cgroups["web"], web_code)
            in_cgroup(cgroups["db"], db_code)
    finally:
        dns.close()
        listener.close()
    err = agent.err
    assert agent.code == 0, err
    assert "0 lost" in err and f"with {loader};" in err, err
    events = [json.loads(line) for line in out.read_text().splitlines()]

    def of(type_: str, pod: str) -> list[dict[str, Any]]:
        return [e for e in events if e["type"] == type_ and (e["pod"] or {}).get("name") == pod]

    (echo,) = [e for e in of("exec", "web-1") if e["process"]["binary"] == "/bin/echo"]
    assert echo["process"]["args"] == ["/bin/echo", "crumbs-test", "--password=[redacted]"]
    assert echo["pod"] == {
        "namespace": "shop",
        "name": "web-1",
        "uid": WEB_UID,
        "container": "web",
        "containerID": f"containerd://{WEB_CID}",
    }
    assert (
        echo["node"] == "test-node"
        and not echo["host"]
        and echo["cgroup"]["path"].endswith(f"cri-containerd-{WEB_CID}.scope")
    )
    connects = {
        (e["connection"]["daddr"], e["connection"]["dport"], e["connection"]["outcome"])
        for e in of("connect", "web-1")
    }
    assert ("127.0.0.1", port, "established") in connects
    assert ("127.0.0.1", 9, "refused") in connects
    assert (GONE_IP, 8080, "refused") in connects
    assert all(
        e["connection"]["dialed"] == f"{e['connection']['daddr']}:{e['connection']['dport']}"
        for e in of("connect", "web-1")
    )
    accepts = [e for e in events if e["type"] == "accept" and e["connection"]["dport"] == port]
    assert accepts and accepts[0]["host"]  # the listener is this test, outside kubepods
    dns_events = {
        (e["dns"]["qname"], e["dns"]["rcode"], tuple(e["dns"]["answers"]))
        for e in of("dns", "db-0")
    }
    assert dns_events >= {
        ("billing.shop.svc.cluster.local", "", ()),
        ("billing.shop.svc.cluster.local", "NOERROR", (GONE_IP,)),
        ("nothing.shop.svc.cluster.local", "", ()),
        ("nothing.shop.svc.cluster.local", "NXDOMAIN", ()),
    }
    assert all(e["pod"]["containerID"] == f"cri-o://{DB_CID}" for e in of("dns", "db-0"))
    assert any(
        e["host"] for e in events if e["type"] == "exec"
    )  # the rest of the machine is the host's
    # the same events went into the store, and the race is found from them
    stored = cli("activity", "--pod", "web-1", "-t", "exec", "-o", "json", db=db_path).json()[
        "events"
    ]
    assert any(e["process"]["binary"] == "/bin/echo" for e in stored)
    found = cli("scan", "-a", "discovery", "-o", "json", db=db_path).json()["findings"]
    race = [f for f in found if f["rule"] == "connect-to-removed-endpoint"]
    assert race and race[0]["subject"]["name"] == "billing" and "shop/web-1" in race[0]["title"]
    assert race[0]["causes"][0]["subject"]["kind"] == "Deployment"
    # the node's own row in `crumbs status`: its loader, what it wrote, what it lost
    rows = cli("status", "-o", "json", db=db_path).json()["resources"]
    (node,) = [r for r in rows if r["kind"] == "NodeAgent"]
    assert node["resource"] == "node/test-node" and node["resourceVersion"] == loader
    assert node["state"] == "stopped" and node["errors"] == 0
    assert node["events"] == len(events) and node["lastEvent"] is not None


def test_glibc_resolver_queries_are_seen(
    cgroups: dict[str, Path], tmp_path: Path, loader: str
) -> None:
    """getent (glibc: connect, sendmmsg, recvfrom) in its own mount namespace, pointed at the loopback server."""
    if shutil.which("unshare") is None or shutil.which("getent") is None:
        pytest.fail("unshare and getent are part of Debian's base system")
    dns = DnsServer()
    dns.start()
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {dns.ip}\noptions attempts:1 timeout:2\n")
    out = tmp_path / "events.jsonl"
    try:
        with AgentRun("agent", "--loader", loader, "--no-store", "--output", str(out), "--for", "120") as agent:  # fmt: skip
            subprocess.run(
                ["unshare", "-m", "sh", "-c", f"mount --bind {resolv} /etc/resolv.conf && getent ahostsv4 billing.shop.svc.cluster.local"],
                check=True, capture_output=True, timeout=30,
            )  # fmt: skip
    finally:
        dns.close()
    err = agent.err
    assert agent.code == 0, err
    events = [json.loads(line) for line in out.read_text().splitlines()]
    answers = [
        e
        for e in events
        if e["type"] == "dns"
        and e["process"]["comm"] == "getent"
        and e["dns"]["rcode"] == "NOERROR"
    ]
    assert (
        answers
        and answers[0]["dns"]["answers"] == [GONE_IP]
        and answers[0]["dns"]["server"] == dns.ip
    )


def test_bpftrace_dying_is_one_line_and_what_was_read_is_kept(
    cgroups: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    with AgentRun("agent", "--loader", "bpftrace", "--no-store", "--output", str(out), "--for", "120") as agent:  # fmt: skip
        subprocess.run(["/bin/echo", "before-the-crash"], check=True, capture_output=True)
        time.sleep(1.0)
        for child in (
            Path(f"/proc/{agent.proc.pid}/task/{agent.proc.pid}/children").read_text().split()
        ):
            os.kill(int(child), signal.SIGKILL)  # bpftrace, both of them
        agent.proc.wait(30)
    assert agent.code == 1, agent.err
    assert agent.err.strip().splitlines()[-1].startswith("crumbs: error: bpftrace stopped after"), (
        agent.err
    )
    assert "Traceback" not in agent.err
    assert any(
        json.loads(line)["process"]["args"][-1:] == ["before-the-crash"]
        for line in out.read_text().splitlines()
    ), agent.err


def test_sigterm_stops_the_agent_at_once_whatever_for_says(
    cgroups: dict[str, Path], tmp_path: Path
) -> None:
    """Issue 12 item 3: `--for 600` does not keep the agent alive after SIGTERM."""
    db = str(tmp_path / "crumbs.db")
    agent = AgentRun("--db", db, "agent", "--for", "600")
    with agent:
        pass
    agent = AgentRun("--db", db, "agent", "--for", "600")
    agent.__enter__()
    asked = time.monotonic()
    agent.proc.send_signal(signal.SIGTERM)
    _, err = agent.proc.communicate(timeout=30)
    took = time.monotonic() - asked
    assert agent.proc.returncode == 0, err
    assert "stopped:" in err and "Traceback" not in err
    assert took < 4.0, f"took {took:.1f}s to stop after SIGTERM"
    check = subprocess.run(
        ["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True
    )
    assert check.stdout.strip() == "ok"


def test_libbpf_and_bpftrace_see_the_same_events_one_to_one(
    cgroups: dict[str, Path], tmp_path: Path
) -> None:
    """Both loaders at once on one workload in a pod's cgroup (execs with arguments, exits, an
    accepted and a refused connect, DNS both ways): the same events, field for field, at the
    same times (each loader reads the clock in the same tracepoint)."""
    need_libbpf()
    dns = DnsServer()
    dns.start()
    work = f"""
import os, socket, subprocess
from tests.fakes import dnswire as wire
subprocess.run(["/bin/echo", "one-to-one", "--token", "s3cret"], check=True, capture_output=True)
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(4)
port = listener.getsockname()[1]
for _ in range(3):
    socket.create_connection(("127.0.0.1", port)).close()
    listener.accept()[0].close()
for _ in range(2):
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=2).close()
    except OSError:
        pass
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(wire.encode_query(7, "billing.shop.svc.cluster.local"), ("{dns.ip}", 53))
u.recvfrom(512)
"""
    outs = {name: tmp_path / f"{name}.jsonl" for name in ("bpftrace", "libbpf")}
    runs = [AgentRun("agent", "--loader", name, "--no-store", "--output", str(out), "--for", "120")
            for name, out in outs.items()]  # fmt: skip
    try:
        with runs[0], runs[1]:
            in_cgroup(cgroups["web"], work)
    finally:
        dns.close()
    assert [r.code for r in runs] == [0, 0], [r.err for r in runs]
    web = str(cgroups["web"]).removeprefix(cgroup2_mount() or "")

    def seen(out: Path) -> list[tuple[str, int]]:
        events = [json.loads(line) for line in out.read_text().splitlines()]
        mine = [e for e in events if (e["cgroup"] or {}).get("path") == web]
        return sorted(
            (json.dumps({**e, "time": None}, sort_keys=True), _ns(e["time"])) for e in mine
        )

    a, b = seen(outs["bpftrace"]), seen(outs["libbpf"])
    kinds = sorted(json.loads(e)["type"] for e, _ in a)
    assert kinds.count("connect") == 5 and kinds.count("accept") == 3 and kinds.count("dns") == 2
    # echo's exec, and the exits of echo and python (at least: whatever else the child's
    # runtime starts in the cgroup is seen by both loaders alike, which the next line checks)
    assert kinds.count("exec") >= 1 and kinds.count("exit") >= 2, kinds
    assert [e for e, _ in a] == [e for e, _ in b]
    assert all(abs(ta - tb) < 5_000_000 for (_, ta), (_, tb) in zip(a, b, strict=True))
    echo = [json.loads(e) for e, _ in b if '"/bin/echo"' in e and '"exec"' in e]
    assert echo[0]["process"]["args"] == ["/bin/echo", "one-to-one", "--token", "[redacted]"]


def _ns(text: str) -> int:
    from crumbs.timeutil import parse_time

    t = parse_time(text)
    assert t is not None
    return t
