"""Read-only by construction: no code path of the live client can send a verb but GET."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crumbs.cluster.transport import Transport, targets
from crumbs.errors import ReadOnlyError
from tests.fakes.apiserver import FakeAPIServer

CLUSTER_PACKAGE = Path(__file__).resolve().parents[2] / "src" / "crumbs" / "cluster"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "delete", "OPTIONS", "HEAD"])
def test_the_transport_refuses_every_verb_but_get(
    server: FakeAPIServer, kubeconfig: Path, method: str
) -> None:
    transport = Transport(targets(None, str(kubeconfig))[0])
    with pytest.raises(ReadOnlyError, match="only reads"):
        transport.request(method, "/api/v1/namespaces/default/pods")
    assert server.cluster.requests == []  # refused before anything was sent


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_the_kubernetes_clients_own_request_path_refuses_too(
    server: FakeAPIServer, kubeconfig: Path, method: str
) -> None:
    transport = Transport(targets(None, str(kubeconfig))[0])
    rest = transport._api.rest_client
    with pytest.raises(ReadOnlyError):
        rest.request(
            method,
            f"{server.url}/api/v1/namespaces/default/pods",
            headers={},
            body={"metadata": {"name": "x"}},
        )
    assert server.cluster.requests == []


def test_get_reaches_the_server(server: FakeAPIServer, kubeconfig: Path) -> None:
    transport = Transport(targets(None, str(kubeconfig))[0])
    assert transport.get("/version")["gitVersion"] == "v1.30.2"
    assert server.cluster.requests == [("GET", "/version")]


def test_no_module_of_the_live_client_names_another_http_method() -> None:
    # a guard against a future helper that builds its own requests around the transport
    verbs = {"POST", "PUT", "PATCH", "DELETE"}
    for path in CLUSTER_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.upper() in verbs
            ):
                pytest.fail(f"{path.name}:{node.lineno} names HTTP method {node.value!r}")
