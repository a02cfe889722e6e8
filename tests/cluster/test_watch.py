"""List then watch against a fake API server, with faults: the script of changes is the ground truth.

Without a 410 the store must hold exactly the revisions the script made after
the recorder's first list (plus one per object alive at that list). With a 410
(history compacted), intermediate revisions are gone for everyone; the store
must then hold the final state, no revision twice, none the script did not
make, and a deletion for every object deleted while it was not watching.
"""

from __future__ import annotations

from pathlib import Path

from crumbs.model import RevisionType
from crumbs.secrets import is_redacted
from crumbs.store import Store
from tests.cluster.conftest import (
    Key,
    listening,
    recording,
    stored_revisions,
    stored_state,
    wait_for,
)
from tests.fakes.apiserver import FakeAPIServer, Resource
from tests.fakes.kube_state import FakeCluster, script


def _key(c: object) -> Key:
    obj = c.obj  # type: ignore[attr-defined]
    md = obj["metadata"]
    return (c.resource.group, c.resource.kind, md.get("namespace", ""), md["name"])  # type: ignore[attr-defined]


def alive_at(cluster: FakeCluster, rv: int) -> dict[Key, str]:
    state: dict[Key, str] = {}
    for c in cluster.history:
        if c.rv > rv:
            break
        if c.type == "DELETED":
            state.pop(_key(c), None)
        else:
            state[_key(c)] = c.obj["metadata"]["resourceVersion"]
    return state


def exactly(cluster: FakeCluster, listed_at: int) -> list[tuple[Key, str, RevisionType]]:
    """What the store must hold: the objects alive at the first list, then every change."""
    want = [(k, rv, RevisionType.ADDED) for k, rv in alive_at(cluster, listed_at).items()]
    want += [
        (_key(c), c.obj["metadata"]["resourceVersion"], RevisionType[c.type])
        for c in cluster.history
        if c.rv > listed_at
    ]
    return sorted(want)


def consistent(path: str, cluster: FakeCluster, since: int) -> None:
    """The weaker promise after a 410: final state, no duplicates, nothing invented, deletions seen."""
    revs = stored_revisions(path)
    assert stored_state(path) == cluster.current()
    assert len(revs) == len(set(revs)), "a revision was stored twice"
    truth = {(_key(c), c.obj["metadata"]["resourceVersion"]) for c in cluster.history}
    invented = [(k, rv) for k, rv, _ in revs if (k, rv) not in truth]
    assert invented == []
    last = {}
    for k, _, t in revs:
        last[k] = t
    deleted_later = {_key(c) for c in cluster.history if c.type == "DELETED" and c.rv > since}
    recorded_before = {k for k, _, _ in revs}
    for k in deleted_later & recorded_before:
        if k not in cluster.current():
            assert last[k] == RevisionType.DELETED, k


def run_story(
    server: FakeAPIServer,
    kubeconfig: Path,
    path: str,
    during: object = None,
    steps: int = 300,
    **options: object,
) -> int:
    cluster = server.cluster
    for _ in script(cluster, 60):
        pass
    with recording(path, kubeconfig, **options) as rec:
        wait_for(lambda: listening(rec), what="the first lists")
        listed_at = cluster.rv
        for i, _ in enumerate(script(cluster, steps, seed=2)):
            if callable(during):
                during(i)
        wait_for(
            lambda: stored_state(path) == cluster.current(),
            timeout=30,
            what="the store to catch up",
        )
    return listed_at


def test_records_exactly_what_happened(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    path = str(tmp_path / "s.db")
    listed_at = run_story(server, kubeconfig, path)
    assert sorted(stored_revisions(path)) == exactly(server.cluster, listed_at)
    assert {method for method, _ in server.cluster.requests} == {"GET"}


def test_connections_dropped_every_few_events(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    server.cluster.faults.drop_every = 7
    path = str(tmp_path / "s.db")
    listed_at = run_story(server, kubeconfig, path)
    assert sorted(stored_revisions(path)) == exactly(server.cluster, listed_at)


def test_slow_server(server: FakeAPIServer, kubeconfig: Path, tmp_path: Path) -> None:
    server.cluster.faults.slow = 0.05
    path = str(tmp_path / "s.db")
    listed_at = run_story(server, kubeconfig, path, steps=80)
    assert sorted(stored_revisions(path)) == exactly(server.cluster, listed_at)


def test_server_restart(server: FakeAPIServer, kubeconfig: Path, tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")

    def during(i: int) -> None:
        if i in (100, 200):
            server.restart()

    listed_at = run_story(server, kubeconfig, path, during=during)
    assert sorted(stored_revisions(path)) == exactly(server.cluster, listed_at)


def test_gone_in_mid_stream(server: FakeAPIServer, kubeconfig: Path, tmp_path: Path) -> None:
    server.cluster.faults.gone_after = 25
    path = str(tmp_path / "s.db")
    listed_at = run_story(server, kubeconfig, path)
    assert server.cluster.gone_sent
    consistent(path, server.cluster, listed_at)


def test_compacted_while_down_relists_and_finds_deletions(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """The server goes away; meanwhile objects change and are deleted and history is compacted."""
    cluster = server.cluster
    path = str(tmp_path / "s.db")
    victims: list[dict] = []

    def during(i: int) -> None:
        if i == 150:
            # everything so far is recorded; then the server goes away
            wait_for(lambda: stored_state(path) == cluster.current(), what="the store to catch up")
            server.stop()
            alive = [
                o
                for objs in cluster.objects.values()
                for o in objs.values()
                if o["kind"] in ("Pod", "ConfigMap")
            ]
            victims.extend(alive[:5])
            for obj in alive[:5]:
                cluster.delete(obj)
            cluster.compact()
            server.start()

    listed_at = run_story(server, kubeconfig, path, during=during)
    consistent(path, cluster, listed_at)
    revs = stored_revisions(path)
    for obj in victims:
        key = (
            obj["apiVersion"].rpartition("/")[0],
            obj["kind"],
            obj["metadata"].get("namespace", ""),
            obj["metadata"]["name"],
        )
        mine = [t for k, _, t in revs if k == key]
        assert mine and mine[-1] == RevisionType.DELETED, key


def test_restart_of_crumbs_finds_what_happened_meanwhile(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    cluster = server.cluster
    path = str(tmp_path / "s.db")
    run_story(server, kubeconfig, path, steps=50)
    run_end = cluster.rv
    gone = next(o for objs in cluster.objects.values() for o in objs.values())
    cluster.delete(gone)
    for _ in script(cluster, 40, seed=9):
        pass
    with recording(path, kubeconfig) as rec:
        wait_for(lambda: listening(rec))
        wait_for(lambda: stored_state(path) == cluster.current(), what="the second run to catch up")
    consistent(path, cluster, 0)
    # it resumed where the first run stopped: every change made meanwhile is a revision
    assert all(p.resumed_from and not p.lists for _, p in rec.progress)
    stored = set(stored_revisions(path))
    meanwhile = [(k, rv, t) for k, rv, t in exactly(cluster, 0) if int(rv) > run_end]
    assert meanwhile and all(r in stored for r in meanwhile)
    deletion = next(
        c for c in cluster.history
        if c.type == "DELETED" and c.obj["metadata"]["uid"] == gone["metadata"]["uid"]
    )  # fmt: skip
    assert (
        _key(deletion),
        deletion.obj["metadata"]["resourceVersion"],
        RevisionType.DELETED,
    ) in stored


def test_forbidden_kinds_are_skipped_with_one_warning(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    server.cluster.forbidden.add(("", "secrets"))
    path = str(tmp_path / "s.db")
    warnings: list[str] = []
    with recording(path, kubeconfig, warn=warnings.append) as rec:
        wait_for(
            lambda: any(
                p.resource.plural == "secrets" and p.state == "forbidden" for _, p in rec.progress
            )
        )
        wait_for(lambda: all(p.state in ("watching", "forbidden") for _, p in rec.progress))
        server.cluster.create("Pod", "after", spec={})
        wait_for(lambda: ("", "Pod", "default", "after") in stored_state(path))
    secret_warnings = [w for w in warnings if "secrets" in w]
    assert len(secret_warnings) == 1 and "forbidden" in secret_warnings[0]


def test_a_crd_added_while_running_is_followed(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    path = str(tmp_path / "s.db")
    with recording(path, kubeconfig, rediscover_every=0.3) as rec:
        wait_for(lambda: listening(rec))
        server.cluster.add_resource(Resource("example.com", "v1", "Widget", "widgets"))
        server.cluster.create("Widget", "w1", spec={"size": 3})
        wait_for(
            lambda: ("example.com", "Widget", "default", "w1") in stored_state(path),
            what="the widget",
        )


def test_secrets_keep_keys_not_values(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    import base64

    path = str(tmp_path / "s.db")
    secret_value = "hunter2-live-secret"
    with recording(path, kubeconfig) as rec:
        wait_for(lambda: listening(rec))
        server.cluster.create(
            "Secret",
            "db",
            type="Opaque",
            data={"password": base64.b64encode(secret_value.encode()).decode()},
        )
        wait_for(lambda: ("", "Secret", "default", "db") in stored_state(path))
    with Store.open(path, create=False) as store:
        doc = store.queries.state_at(2**62)[0].doc
    assert list(doc["data"]) == ["password"] and is_redacted(doc["data"]["password"])
    assert secret_value not in str(doc) and base64.b64encode(
        secret_value.encode()
    ).decode() not in str(doc)
    raw = Path(path).read_bytes() + (
        Path(path + "-wal").read_bytes() if Path(path + "-wal").exists() else b""
    )
    assert secret_value.encode() not in raw


def test_a_field_selector_keeps_one_nodes_pods(
    server: FakeAPIServer, kubeconfig: Path, tmp_path: Path
) -> None:
    """What the agent's DaemonSet runs: `crumbs watch --include pods --field-selector pods=spec.nodeName=$NODE`."""
    c = server.cluster
    c.create("Pod", "here-1", spec={"nodeName": "node-1"})
    c.create("Pod", "there-1", spec={"nodeName": "node-2"})
    pending = c.create("Pod", "pending-1", spec={})
    path = str(tmp_path / "s.db")
    selectors = {"pods": "spec.nodeName=node-1"}
    with recording(path, kubeconfig, include=["pods"], field_selectors=selectors) as rec:
        wait_for(lambda: listening(rec))
        c.update(pending, spec={"nodeName": "node-1"})  # scheduled here: it comes to match
        c.create("Pod", "there-2", spec={"nodeName": "node-2"})
        moved = c.create("Pod", "here-2", spec={"nodeName": "node-1"})
        c.delete(moved)
        wait_for(
            lambda: ("", "Pod", "default", "pending-1") in stored_state(path),
            what="the scheduled pod",
        )
        wait_for(
            lambda: (
                ("", "Pod", "default", "here-2") not in stored_state(path)
                and len(stored_revisions(path)) >= 4
            )
        )
    names = {k[3] for k in stored_state(path)}
    assert names == {"here-1", "pending-1"}
    assert not any(k[3].startswith("there") for k, _, _ in stored_revisions(path))
    pod_requests = [path for _, path in c.requests if "/pods" in path]
    assert pod_requests and all("fieldSelector=spec.nodeName%3Dnode-1" in p for p in pod_requests)
