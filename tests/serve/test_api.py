"""Every endpoint of the JSON API answers exactly what the CLI prints for the same query
(``crumbs --redact COMMAND -o json``), over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from crumbs.cli import main
from crumbs.serve.api import ENDPOINTS
from tests.conftest import BACKENDS
from tests.serve.conftest import POD, Served, build_store, request

# (API path, CLI argv): the same question asked both ways
CASES: list[tuple[str, list[str]]] = [
    ("/timeline", ["timeline"]),
    ("/timeline?namespace=shop&kind=deploy&kind=svc", ["timeline", "-n", "shop", "--kind", "deploy", "--kind", "svc"]),
    ("/timeline?channel=human", ["timeline", "--channel", "human"]),
    ("/events?namespace=shop", ["events", "-n", "shop"]),
    ("/objects/Service/shop/checkout/history", ["history", "svc/checkout", "-n", "shop"]),
    ("/objects/Node/_/node-a/history", ["history", "node/node-a"]),
    ("/objects/Service/shop/checkout/diff", ["diff", "svc/checkout", "-n", "shop"]),
    ("/objects/Deployment/shop/billing/diff?from=1&to=2", ["diff", "deploy/billing", "-n", "shop", "--from", "1", "--to", "2"]),
    ("/objects/Service/shop/checkout/blame", ["blame", "svc/checkout", "-n", "shop"]),
    ("/objects/Deployment/shop/billing/rollouts", ["rollouts", "deploy/billing", "-n", "shop"]),
    ("/objects/Deployment/shop/billing/get", ["get", "deploy/billing", "-n", "shop"]),
    ("/objects/Secret/shop/billing-db/get", ["get", "secret/billing-db", "-n", "shop"]),
    ("/releases", ["releases"]),
    ("/drift", ["drift"]),
    ("/scan", ["scan"]),
    ("/scan?severity=error&namespace=shop", ["scan", "--severity", "error", "-n", "shop"]),
    ("/why/Service/shop/checkout", ["why", "svc/checkout", "-n", "shop"]),
    ("/activity", ["activity"]),
    ("/logs?pod=" + POD + "&namespace=shop", ["logs", POD, "-n", "shop"]),
    ("/info", ["info"]),
    ("/status", ["status"]),
    ("/traces", ["trace", "list"]),
    ("/traces/1", ["trace", "show", "1"]),
    ("/traces/1/diff/2", ["trace", "diff", "1", "2"]),
    ("/investigations", ["investigations", "list"]),
    ("/investigations/1", ["investigations", "show", "1"]),
]  # fmt: skip


def cli_json(capsys: pytest.CaptureFixture[str], db: str, argv: list[str]) -> Any:
    capsys.readouterr()
    code = main(["--db", db, "--redact", *argv, "-o", "json"])
    out = capsys.readouterr()
    assert code in (0, 3), (argv, out.err)
    return json.loads(out.out)


@pytest.fixture(scope="module", params=BACKENDS)
def served_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The API is asked over an SQLite store and over a PostgreSQL one (issue 19)."""
    where = tmp_path_factory.mktemp("served")
    if request.param == "sqlite":
        yield build_store(where)
        return
    yield build_store(where, request.getfixturevalue("postgres_server").database())
    from crumbs.store.postgres import close_pools

    close_pools()


@pytest.fixture(scope="module")
def two_runs(served: Served) -> Served:
    """Two copilot runs (the offline explainer) so the trace endpoints have something to show."""
    for question in ("why is checkout failing?", "what changed in shop?"):
        status, _, body = request(served.base + "/api/v1/ask", "POST", json.dumps({"question": question}).encode(),
                                  {"content-type": "application/json"})  # fmt: skip
        assert status == 200 and b"event: answer" in body, body[-500:]
    from tests.serve.test_alerts import KUBE_JOB_FAILED, payload, wait_for

    status, _, body = request(served.base + "/api/v1/alerts/alertmanager", "POST", payload("firing", [KUBE_JOB_FAILED]),
                              {"content-type": "application/json"})  # fmt: skip
    assert status == 200, body
    wait_for(served, 1)
    return served


def test_every_endpoint_is_asked(served: Served) -> None:
    """The cases cover every row of the endpoint table."""
    import re

    asked = {re.sub(r"\?.*", "", path) for path, _ in CASES}
    for e in ENDPOINTS:
        pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", e.path) + "$"
        assert any(re.match(pattern, p) for p in asked), e.path


@pytest.mark.parametrize(("path", "argv"), CASES, ids=[c[0] for c in CASES])
def test_the_api_answers_what_the_cli_prints(two_runs: Served, capsys: pytest.CaptureFixture[str], path: str, argv: list[str]) -> None:  # fmt: skip
    api = two_runs.json("/api/v1" + path)
    cli = cli_json(capsys, two_runs.db, argv)
    if path == "/status":  # lag is counted from now
        for doc in (api, cli):
            for r in doc["resources"]:
                r.pop("lagSeconds")
    assert api == cli


def test_secrets_do_not_leave(two_runs: Served) -> None:
    """The log's password and the Secret's data reach no client, whatever the endpoint."""
    for path in (
        "/logs?pod=" + POD + "&namespace=shop",
        "/objects/Secret/shop/billing-db/get",
        "/timeline",
        "/traces/1",
    ):
        _, _, body = two_runs.get("/api/v1" + path)
        assert b"hunter2" not in body, path
    log = two_runs.json("/api/v1/logs?pod=" + POD + "&namespace=shop")
    assert any(
        "password=" in line for chunk in log["logs"] for line in chunk["lines"]
    )  # the line is there, masked


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/objects/Deployment/shop/nope/history", 404, "not in the store"),
    ("/timeline?from=yesterday-ish", 400, "yesterday-ish"),
    ("/logs", 400, "?pod="),
    ("/traces/abc", 400, "a trace id is a number"),
    ("/traces?limit=0", 400, "between"),
    ("/timeline?channel=telepathy", 400, "telepathy"),
])  # fmt: skip
def test_bad_questions_get_one_line(served: Served, path: str, status: int, words: str) -> None:
    got, headers, body = served.get("/api/v1" + path)
    assert got == status and headers["content-type"] == "application/json"
    message = json.loads(body)["error"]
    assert words in message and "\n" not in message and "Traceback" not in message


def test_ask_streams_steps_then_the_answer(served: Served) -> None:
    status, headers, body = request(served.base + "/api/v1/ask", "POST", json.dumps({"question": "why is checkout failing?"}).encode(),
                                    {"content-type": "application/json"})  # fmt: skip
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = [(block.split("\n")[0].removeprefix("event: "), json.loads(block.split("\n")[1].removeprefix("data: ")))
              for block in body.decode().strip().split("\n\n")]  # fmt: skip
    kinds = [data["kind"] for name, data in events if name == "step"]
    assert kinds[:2] == ["system", "user"] and "tool_call" in kinds and kinds[-1] == "answer"
    name, answer = events[-1]
    assert name == "answer" and answer["status"] == "ok" and "checkout" in answer["answer"]
    trace = served.json(f"/api/v1/traces/{answer['trace']}")
    assert len(trace["steps"]) == len(kinds)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"question": ""}',
        b'{"question": 7}',
        json.dumps({"question": "x" * 5000}).encode(),
    ],
)
def test_ask_refuses_what_is_no_question(served: Served, body: bytes) -> None:
    status, _, answer = request(
        served.base + "/api/v1/ask", "POST", body, {"content-type": "application/json"}
    )
    assert status == 400 and "error" in json.loads(answer)


def test_replay_writes_a_trace_and_compares(two_runs: Served) -> None:
    status, _, body = request(two_runs.base + "/api/v1/traces/1/replay", "POST", b"", {})
    assert status == 200, body
    replayed = json.loads(body)
    assert replayed["replayOf"] == 1 and replayed["same"] is True
    assert two_runs.json(f"/api/v1/traces/{replayed['trace']}")["replayOf"] == 1
