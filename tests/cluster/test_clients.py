"""Lists in pages, discovery, contexts and the in-cluster account, against the fake API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from crumbs.cluster.discovery import discover
from crumbs.cluster.follow import list_all
from crumbs.cluster.transport import ApiError, Transport, targets
from crumbs.store import Store
from tests.cluster.conftest import recording, stored_state, wait_for
from tests.fakes.apiserver import FakeAPIServer, Resource


def _transport(kubeconfig: Path) -> Transport:
    return Transport(targets(None, str(kubeconfig))[0])


def test_lists_come_in_pages_and_stay_one_snapshot(server: FakeAPIServer, kubeconfig: Path) -> None:
    c = server.cluster
    for i in range(30):
        c.create("Pod", f"p{i:02d}", spec={})
    pods = next(r for r in discover(_transport(kubeconfig)).resources if r.plural == "pods")
    rv, items = list_all(_transport(kubeconfig), pods, page=7)
    assert sorted(i["metadata"]["name"] for i in items) == [f"p{i:02d}" for i in range(30)]
    assert all(
        i["kind"] == "Pod" and i["apiVersion"] == "v1" for i in items
    )  # filled in: typed lists omit them
    assert rv == str(c.rv)
    pages = [p for m, p in c.requests if "/pods?" in p and "limit=7" in p]
    assert len(pages) == 5 and sum("continue=" in p for p in pages) == 4


def test_an_expired_continue_token_starts_the_list_again(
    server: FakeAPIServer, kubeconfig: Path
) -> None:
    c = server.cluster
    for i in range(20):
        c.create("ConfigMap", f"cm{i}", data={})
    c.faults.expire_continue = 1
    cms = next(r for r in discover(_transport(kubeconfig)).resources if r.plural == "configmaps")
    _, items = list_all(_transport(kubeconfig), cms, page=6)
    assert len(items) == 20 and c.faults.expire_continue == 0
    firsts = [p for _, p in c.requests if "/configmaps?" in p and "continue=" not in p]
    assert len(firsts) == 2


def test_discovery(server: FakeAPIServer, kubeconfig: Path) -> None:
    server.cluster.add_resource(Resource("example.com", "v1", "Widget", "widgets"))
    found = discover(_transport(kubeconfig), exclude=["secrets", "batch/Job"])
    names = {r.name for r in found.resources}
    assert {"pods", "deployments.apps", "widgets.example.com", "cronjobs.batch"} <= names
    assert "secrets" not in names and "jobs.batch" not in names
    assert (
        "bindings" not in names and "selfsubjectaccessreviews.authorization.k8s.io" not in names
    )  # not listable
    assert not any("/" in n for n in names)  # subresources
    only = discover(_transport(kubeconfig), include=["Deployment", "pods"])
    assert {r.name for r in only.resources} == {"deployments.apps", "pods"}


def test_bad_token_is_a_401(server: FakeAPIServer, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc")
    kc.write_text(kc.read_text().replace("crumbs-test-token", "wrong"))
    with pytest.raises(ApiError) as err:
        _transport(kc).get("/api")
    assert err.value.code == 401


def test_each_context_is_its_own_cluster(server: FakeAPIServer, tmp_path: Path) -> None:
    kc = server.kubeconfig(tmp_path / "kc", contexts=("eu", "us"))
    server.cluster.create("ConfigMap", "shared", data={"a": "1"})
    path = str(tmp_path / "s.db")
    assert [t.name for t in targets(["eu", "us"], str(kc))] == ["eu", "us"]

    def clusters() -> set[str]:
        with Store.open(path, create=False) as store:
            return {r.key.cluster for r in store.queries.state_at(2**62)}

    with recording(path, kc, contexts=["eu", "us"], include=["configmaps"]):
        wait_for(lambda: clusters() == {"eu", "us"}, what="both clusters")
    assert stored_state(path) == {
        ("", "ConfigMap", "default", "shared"): server.cluster.current()[
            ("", "ConfigMap", "default", "shared")
        ]
    }


def test_in_cluster_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes.config import incluster_config

    token, ca = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("in-cluster-token")
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setenv("CRUMBS_CLUSTER_NAME", "prod-eu")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config
    (t,) = targets(None, None)
    assert t.name == "prod-eu"
    assert t.configuration.host == "https://10.96.0.1:443"
    assert Transport(t)._headers()["Authorization"].lower() == "bearer in-cluster-token"
