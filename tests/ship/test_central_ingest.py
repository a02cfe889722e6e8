"""Central ingest (issue 19): recorders ship to ``crumbs serve`` over HTTP into one PostgreSQL
store. The server is killed and restarted while three recorders ship (nothing lost, nothing
twice: each cluster's central history equals a direct recording of the same streams); tokens
bind clusters; the spool's bound drops the oldest undelivered history, never current state;
a busy server's 429 is waited out."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crumbs.cluster.status import load_status
from crumbs.errors import StoreError
from crumbs.model import ObjectKey, Revision
from crumbs.store import Selector, Store
from crumbs.store.codec import pack_text
from crumbs.timeutil import NS, parse_time
from tests.cluster.conftest import stored_revisions, stored_state, wait_for
from tests.fakes.apiserver import FakeAPIServer
from tests.fakes.kube_state import script
from tests.serve.conftest import free_port

pytestmark = pytest.mark.postgres
CRUMBS = [sys.executable, "-m", "crumbs"]
CLUSTERS = ("east", "west", "north")


def _tokens(tmp: Path) -> tuple[Path, dict[str, Path]]:
    lines, files = ["# token,cluster"], {}
    for c in CLUSTERS:
        token = f"{c}-token-0123456789abcdef"
        lines.append(f"{token},{c}")
        files[c] = tmp / f"{c}.token"
        files[c].write_text(token + "\n")
        files[c].chmod(0o600)
    path = tmp / "ingest-tokens"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path, files


class Central:
    """``crumbs serve --ingest-tokens`` as its own process, to be killed and started again."""

    def __init__(self, db: str, tokens: Path, log: Path) -> None:
        self.db, self.tokens, self.log = db, tokens, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([*CRUMBS, "--db", self.db, "serve", "--port", str(self.port), "--offline",
                                          "--ingest-tokens", str(self.tokens)], stderr=log)  # fmt: skip
        wait_for(self._up, 30, "crumbs serve to answer")

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def central(postgres_server, tmp_path: Path) -> Iterator[tuple[Central, dict[str, Path]]]:
    tokens, files = _tokens(tmp_path)
    c = Central(postgres_server.database(), tokens, tmp_path / "serve.log")
    c.start()
    yield c, files
    c.stop()


def _central_revisions(db: str, cluster: str) -> list:
    with Store.open(db, create=False) as store:
        return [((r.key.group, r.key.kind, r.key.namespace, r.key.name), str(r.doc["metadata"].get("resourceVersion")), r.type)
                for r in store.queries.history(Selector(cluster=cluster))]  # fmt: skip


def _direct_state(db: Path) -> dict:
    """The direct recorder's live state; empty until it has created its store."""
    try:
        return stored_state(str(db))
    except (StoreError, sqlite3.Error):  # not created yet, or its schema half-written
        return {}


def _both_caught_up(server: Central, c: str, api: FakeAPIServer, tmp_path: Path) -> bool:
    """The central store and the direct recording both hold the cluster's current state: a
    change made before the direct recorder's first list would reach it only as that list's
    ADDED, never as the revisions between, so the streams are compared from there on."""
    now = api.cluster.current()
    return _central_state(server.db, c) == now and _direct_state(tmp_path / f"{c}-direct.db") == now


def _central_state(db: str, cluster: str) -> dict:
    with Store.open(db, create=False) as store:
        return {(r.key.group, r.key.kind, r.key.namespace, r.key.name): str(r.doc["metadata"].get("resourceVersion"))
                for r in store.queries.state_at(2**62, Selector(cluster=cluster))}  # fmt: skip


@pytest.mark.slow
def test_three_recorders_ship_through_a_restart_of_the_server_and_nothing_is_lost_or_doubled(
    central: tuple[Central, dict[str, Path]], tmp_path: Path
) -> None:
    server, token_files = central
    apis = {c: FakeAPIServer().start() for c in CLUSTERS}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, (c, api) in enumerate(apis.items()):
            for _ in script(api.cluster, 20, seed=i):
                pass
            kc = api.kubeconfig(tmp_path / f"{c}.kubeconfig")
            procs.append(subprocess.Popen([*CRUMBS, "--db", str(tmp_path / f"{c}-spool.db"), "watch", "--kubeconfig", str(kc),
                                           "--to", server.url, "--token-file", str(token_files[c])], stderr=subprocess.PIPE))  # fmt: skip
            procs.append(subprocess.Popen([*CRUMBS, "--db", str(tmp_path / f"{c}-direct.db"), "watch", "--kubeconfig", str(kc)],
                                          stderr=subprocess.PIPE))  # fmt: skip
        for c, api in apis.items():
            wait_for(
                lambda c=c, api=api: _both_caught_up(server, c, api, tmp_path),
                60,
                f"{c} shipped",
            )
        for i, api in enumerate(apis.values()):
            for _ in script(api.cluster, 30, seed=10 + i):
                pass
        time.sleep(0.5)
        server.kill()  # mid-stream: some deliveries fail, the spools grow
        for i, api in enumerate(apis.values()):
            for _ in script(api.cluster, 30, seed=20 + i):
                pass
        time.sleep(2)
        server.start()
        for i, api in enumerate(apis.values()):
            for _ in script(api.cluster, 10, seed=30 + i):
                pass
        for c, api in apis.items():
            wait_for(
                lambda c=c, api=api: _both_caught_up(server, c, api, tmp_path),
                90,
                f"{c} after the restart",
            )
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        errors = [p.communicate(timeout=60)[1].decode() for p in procs]
        for api in apis.values():
            api.stop()
    assert all(p.returncode == 0 for p in procs), errors
    for c in CLUSTERS:
        shipped = _central_revisions(server.db, c)
        direct = stored_revisions(str(tmp_path / f"{c}-direct.db"))
        assert len(shipped) == len(set(shipped)), f"{c}: a revision stored twice"
        assert sorted(shipped) == sorted(direct), c
    status = json.loads(subprocess.run([*CRUMBS, "--db", server.db, "status", "-o", "json"], capture_output=True, check=True).stdout)  # fmt: skip
    received = {s["cluster"]: s for s in status["shipping"] if s["role"] == "receiver"}
    assert set(received) == set(CLUSTERS) and all(r["shipped"] > 0 for r in received.values())
    # the recorders' resource rows, centrally
    assert {r["cluster"] for r in status["resources"]} >= set(CLUSTERS), (
        status["shipping"],
        errors,
    )
    sender = json.loads(subprocess.run([*CRUMBS, "--db", str(tmp_path / "east-spool.db"), "status", "-o", "json"],
                                       capture_output=True, check=True).stdout)["shipping"]  # fmt: skip
    assert (
        sender[0]["role"] == "sender" and sender[0]["pending"] == 0 and sender[0]["errors"] >= 1
    )  # it saw the outage


def _post(url: str, body: bytes, token: str | None, zstd: bool = False) -> tuple[int, dict]:
    headers = {"Content-Type": "application/x-ndjson"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if zstd:
        headers["Content-Encoding"] = "zstd"
        body = pack_text(body)
    req = urllib.request.Request(url + "/api/v1/ingest", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _line(name: str, rv: str = "1") -> bytes:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns", "uid": f"u-{name}",
           "resourceVersion": rv}, "data": {"k": rv}}  # fmt: skip
    return json.dumps({"type": "ADDED", "object": obj, "time": "2026-11-27T10:00:00Z", "at": parse_time("2026-11-27T10:00:00Z")}).encode()  # fmt: skip


def test_a_token_writes_its_own_cluster_only(central: tuple[Central, dict[str, Path]]) -> None:
    server, tokens = central
    east = tokens["east"].read_text().strip()
    assert _post(server.url, _line("a"), None)[0] == 401
    assert _post(server.url, _line("a"), "not-a-known-token-0000000000")[0] == 401
    code, doc = _post(
        server.url, json.dumps({"cluster": "west", **json.loads(_line("b"))}).encode(), east
    )
    assert code == 400 and "names a cluster" in doc["error"]
    code, doc = _post(server.url, _line("c") + b"\n{broken", east, zstd=True)
    assert code == 400 and doc["error"].startswith("line 2:")
    code, doc = _post(server.url, _line("d"), east, zstd=True)
    assert code == 200 and doc == {
        "cluster": "east",
        "records": 1,
        "revisions": 1,
        "unchanged": 0,
        "events": 0,
        "nodeEvents": 0,
    }
    assert _post(server.url, _line("d"), east)[1]["unchanged"] == 1  # sent again: nothing new
    with Store.open(server.db, create=False) as store:
        names = {(r.key.cluster, r.key.name) for r in store.queries.between(None, None)}
    assert names == {("east", "d")}  # nothing of the refused bodies


def _spool_with(path: str, objects: int, revisions: int) -> None:
    t0 = parse_time("2026-11-27T10:00:00Z")
    with Store.open(path) as store, store.writer() as w:
        for n in range(revisions):
            for i in range(objects):
                doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm{i}", "namespace": "ns", "uid": f"u{i}",
                       "resourceVersion": str(n)}, "data": {"v": os.urandom(400).hex()}}  # fmt: skip
                w.add(Revision(ObjectKey("fake", "", "ConfigMap", "ns", f"cm{i}"), f"u{i}", t0 + (n * objects + i) * NS, None, doc))  # fmt: skip


def test_a_full_spool_drops_the_oldest_history_but_never_the_current_state(
    central: tuple[Central, dict[str, Path]], tmp_path: Path
) -> None:
    from crumbs.ship.sender import Shipper

    server, tokens = central
    spool = str(tmp_path / "spool.db")
    _spool_with(spool, 50, 20)
    token = tokens["west"].read_text().strip()
    down = Shipper(spool, f"http://127.0.0.1:{free_port()}", token, "fake", spool_max_bytes=200_000)
    with Store.open(spool) as store:
        down.step(store)
        assert down.status.state == "full" and down.status.lost > 0
        kept = {
            r.key.name: r.doc["metadata"]["resourceVersion"] for r in store.queries.state_at(2**62)
        }
        assert kept == {f"cm{i}": "19" for i in range(50)}  # every object's newest revision stays
    up = Shipper(spool, server.url, token, "fake", spool_max_bytes=10**9)
    with Store.open(spool) as store:
        for _ in range(20):
            up.step(store)
            if up.status.pending == 0:
                break
        assert up.status.pending == 0 and up.status.shipped > 0
    assert {k[3]: rv for k, rv in _central_state(server.db, "west").items()} == {
        f"cm{i}": "19" for i in range(50)
    }


def test_a_busy_server_is_waited_out(
    postgres_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """429 with Retry-After: the shipper waits that long and keeps everything."""
    from crumbs.serve import ingest
    from crumbs.ship.sender import Shipper
    from tests.serve.conftest import start

    tokens, files = _tokens(tmp_path)
    monkeypatch.setattr(ingest, "CONCURRENT", 0)
    spool = str(tmp_path / "spool.db")
    _spool_with(spool, 3, 2)
    with start(postgres_server.database(), ingest_tokens=str(tokens)) as served:
        shipper = Shipper(spool, served.base, files["north"].read_text().strip(), "fake", 10**9)
        with Store.open(spool) as store:
            assert shipper.step(store) == 1.0  # Retry-After: 1
            assert (
                shipper.status.state == "busy"
                and shipper.status.pending == 6
                and shipper.status.lost == 0
            )


def test_node_events_ship_as_agent_to_sends_them(
    central: tuple[Central, dict[str, Path]], tmp_path: Path
) -> None:
    """What `crumbs agent --to` ships: the node event chunks of its spool, with their rollups
    rebuilt centrally; the CLI refuses --to without a store to spool in."""
    from crumbs.activity import NodeEvent
    from crumbs.cli import main
    from crumbs.ship.sender import Shipper

    server, tokens = central
    spool = str(tmp_path / "agent-spool.db")
    t0 = parse_time("2026-11-27T10:00:00Z")
    with Store.open(spool) as store:
        writer = store.activity_writer("fake")
        writer.write([NodeEvent(at=t0 + i * NS, type="connect", node="n1", namespace="shop", pod="api-1",
                                daddr="10.0.0.9", dport=5432, outcome="refused") for i in range(300)])  # fmt: skip
        writer.close()
        from crumbs.agent.run import AgentStats
        from crumbs.agent.status import save_node_status

        save_node_status(
            store, "fake", "n1", AgentStats(events=300, lost=7, loader="libbpf", newest_at=t0)
        )
        shipper = Shipper(spool, server.url, tokens["north"].read_text().strip(), "fake", 10**9)
        for _ in range(5):
            shipper.step(store)
            if shipper.status.pending == 0:
                break
        assert shipper.status.pending == 0 and shipper.status.shipped >= 300
    with Store.open(server.db, create=False) as store:
        got = store.activity.events(cluster="north")
        assert len(got) == 300 and {(e.pod, e.daddr, e.result) for e in got} == {
            ("api-1", "10.0.0.9", "refused")
        }
        assert sum(r.count for r in store.activity.rollups(cluster="north")) == 300
        # the node's own row: per node, what it wrote and lost, centrally
        (node,) = [r for r in load_status(store, "north") if r.kind == "NodeAgent"]
        assert (node.resource, node.resource_version, node.events, node.errors) == (
            "node/n1",
            "libbpf",
            300,
            7,
        )
        assert "7 events lost" in node.last_error
    assert main(["--db", spool, "agent", "--no-store", "--output", "-", "--to", server.url]) == 2
