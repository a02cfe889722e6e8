"""The copilot without a model: tools, the offline explainer, citations, traces, context discipline."""

from __future__ import annotations

import re
from pathlib import Path

from crumbs.explain import citations
from crumbs.explain.context import count_tokens, fit, redact
from crumbs.explain.tools import BY_NAME, ToolResult, run_tool

INCIDENTS = Path(__file__).parent.parent / "scenarios" / "incidents"


def tool(db: str, name: str, args: object) -> ToolResult:
    return run_tool(db, name, args)


def test_ask_offline_answers_with_the_cause_and_verified_citations(demo_cli) -> None:
    result = demo_cli("ask", "why is checkout returning 503?", "-o", "json")
    assert result.code == 0, result.err
    doc = result.json()
    answer = doc["answer"]
    assert (
        "Service checkout" in answer and "kubectl-edit" in answer and "app=checkout-api" in answer
    )
    assert "no language model was used" in answer
    cited = re.findall(r"\[(F[0-9a-f]{12}|R\d+|E\d+)\]", answer)
    assert any(c.startswith("F") for c in cited) and any(c.startswith("R") for c in cited)
    assert doc["unverified"] == [] and doc["status"] == "ok"
    shown = demo_cli("trace", "show", str(doc["trace"]), "-o", "json").json()
    kinds = [s["kind"] for s in shown["steps"]]
    assert kinds[:2] == ["system", "user"] and kinds[-1] == "answer"
    assert kinds.count("tool_call") == kinds.count("tool_result") >= 2
    assert shown["mode"] == "offline" and shown["answer"] == answer
    # the revision cited as the cause is the Service's selector edit
    rev = next(c for c in cited if c.startswith("R"))
    history = demo_cli("history", "svc/checkout", "-n", "shop", "-o", "json").json()
    edit = next(r for r in history["revisions"] if "checkout-api" in r["summary"])
    assert rev == f"R{edit['id']}"


def test_ask_offline_follows_the_cron_that_still_fires(demo_cli) -> None:
    answer = demo_cli("ask", "why do the billing invoices fail?", "-o", "json").json()["answer"]
    first = answer.splitlines()[0]
    assert "CronJob billing-invoices" in first
    assert "Deployment billing" in answer and "kubectl-patch" in answer and "2.0.0" in answer


def test_ask_offline_on_an_empty_store(cli, store) -> None:
    doc = cli("ask", "is anything broken?", "-o", "json").json()
    assert "nothing wrong" in doc["answer"] and doc["status"] == "ok"


def test_trace_list(demo_cli) -> None:
    demo_cli("ask", "why is checkout returning 503?")
    demo_cli("ask", "anything wrong with billing?")
    runs = demo_cli("trace", "list", "-o", "json").json()["traces"]
    assert [r["question"] for r in runs] == [
        "anything wrong with billing?",
        "why is checkout returning 503?",
    ]
    assert demo_cli("trace", "show", "999").code == 1


def test_tools_refuse_what_is_not_theirs(demo_cli, store_path: str) -> None:
    db = store_path
    assert tool(db, "ingest", {"paths": ["/etc"]}).ok is False
    bad = tool(db, "history", {"target": "--db=/tmp/other.db"})
    assert not bad.ok and "cannot start with '-'" in bad.output
    assert "unknown argument" in tool(db, "scan", {"verbose": "yes"}).output
    assert "must be a string" in tool(db, "why", {"target": {"kind": "svc"}}).output
    assert "required" in tool(db, "diff", {}).output
    assert "not in the store" in tool(db, "why", {"target": "svc/nope", "namespace": "shop"}).output
    ok = tool(db, "get", {"target": "deploy/billing", "namespace": "shop"})
    assert ok.ok and "managedFields" not in ok.output["metadata"]
    # exactly the reading commands: nothing that ingests, watches or serves
    assert set(BY_NAME) == {"timeline", "events", "history", "diff", "blame", "rollouts", "releases", "drift", "scan", "why", "get", "cluster", "activity", "logs", "traces"}  # fmt: skip
    assert {t.command for t in BY_NAME.values()}.isdisjoint(
        {"ingest", "watch", "mcp", "demo", "ask"}
    )


def test_citations_flag_what_no_tool_returned() -> None:
    known = citations.citable({"findings": [{"id": "F0123456789ab", "causes": [{"revision": 41}]}],
                               "entries": [{"type": "event", "event": {"id": 7, "reason": "BackOff"}}]})  # fmt: skip
    assert known == {"F0123456789ab", "R41", "E7"}
    text, unknown = citations.check("see [F0123456789ab] and [R41], [R42] and [E7]", known)
    assert unknown == ["R42"] and "[R42](unverified)" in text and "[R41](unverified)" not in text
    # node events: from `activity` and from a finding's evidence
    nodes = citations.citable({"events": [{"schema": "crumbs.node-event/v1", "id": 65537}],
                               "findings": [{"evidence": [{"kind": "node-event", "id": 65540}]}]})  # fmt: skip
    assert nodes == {"N65537", "N65540"}
    assert citations.check("the pod connected [N65537]; [N9]", nodes)[1] == ["N9"]


def test_redaction_before_anything_leaves() -> None:
    doc = {
        "env": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "LOG_LEVEL", "value": "debug"},
        ],
        "spec": {"secretName": "db-credentials", "apiKey": "abc123", "token": 12345},
        "message": "login with Bearer abcdefghijklmnopqrstuvwxyz012345 at postgres://app:s3cr3t@db:5432/x",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
        "aws": "key AKIAIOSFODNN7EXAMPLE here",
    }
    out = redact(doc)
    masked = re.compile(r"^\[redacted:[0-9a-f]{8}\]$")
    assert masked.match(out["env"][0]["value"]) and out["env"][1]["value"] == "debug"
    assert out["spec"]["secretName"] == "db-credentials"
    assert masked.match(out["spec"]["apiKey"]) and masked.match(out["spec"]["token"])
    text = str(out)
    for secret in (
        "hunter2",
        "abc123",
        "abcdefghijklmnopqrstuvwxyz012345",
        "s3cr3t",
        "eyJhbGciOiJIUzI1NiJ9",
        "AKIAIOSFODNN7EXAMPLE",
    ):
        assert secret not in text, secret
    assert "postgres://" in text and "@db:5432" in text


def test_fit_keeps_the_head_and_says_what_was_left_out() -> None:
    doc = {"entries": [{"summary": f"change {i} " + "x" * 200} for i in range(500)]}
    text, trimmed = fit(doc, 2_000, tool="timeline")
    assert trimmed and count_tokens(text) <= 2_000
    assert (
        '"entriesTruncated"' in text
        and '"total":500' in text
        and "change 0 " in text
        and "change 499" not in text
    )
    small, cut = fit({"entries": [1, 2]}, 2_000)
    assert not cut and small == '{"entries":[1,2]}'


def test_the_why_tool_carries_the_path_of_each_cause(cli, store_path: str) -> None:
    """What the copilot's why tool returns is why's JSON: each cause with its path of edges."""
    assert cli("ingest", str(INCIDENTS / "upstream-scaled-to-zero.jsonl")).code == 0
    result = tool(store_path, "why", {"target": "deploy/checkout", "namespace": "shop"})
    assert result.ok, result.output
    crash = next(f for f in result.output["findings"] if f["rule"] == "crashloop")
    first = crash["causes"][0]
    assert first["subject"]["name"] == "payments" and first["subject"]["kind"] == "Deployment"
    assert [(e["edge"], e["to"]["kind"]) for e in first["path"]] == [
        ("calls", "Service"),
        ("selects", "Deployment"),
    ]


def test_the_logs_tool_reads_what_was_kept_redacted(cli, store_path: str, tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    log.write_text(
        "2026-11-27T14:05:01Z starting api v2\n"
        "2026-11-27T14:05:02Z ERROR connect postgres://app:hunter2@db:5432/shop failed\n"
    )
    assert cli("ingest", str(log), "--pod", "shop/api-1", "-c", "api", "--previous").code == 0
    result = tool(store_path, "logs", {"pod": "api-1", "grep": "ERROR"})
    assert result.ok, result.output
    [chunk] = result.output["logs"]
    assert chunk["container"] == "api" and chunk["previous"] is True
    assert len(chunk["lines"]) == 1 and "ERROR connect" in chunk["lines"][0]
    assert "hunter2" not in str(result.output)
    missing = tool(store_path, "logs", {"pod": "nope"})
    assert not missing.ok and "no logs of a pod nope" in missing.output


def test_the_offline_answer_quotes_the_log_it_cites(cli, store_path: str) -> None:
    name = "crashloop-after-image-change-logged"
    assert cli("ingest", str(INCIDENTS / f"{name}.jsonl")).code == 0
    for log in sorted((INCIDENTS / f"{name}.logs").glob("*.log")):
        pod, container, *previous = log.stem.split("__")
        flags = ["--previous"] if previous else []
        assert cli("ingest", str(log), "--pod", f"shop/{pod}", "-c", container, *flags).code == 0
    doc = cli("ask", "why is deploy/inventory crashing?", "-o", "json").json()
    answer = doc["answer"]
    assert (
        "panic: config: required key INVENTORY_REGION missing" in answer
        and "new since the change" in answer
    )
    assert re.search(r"\[L\d+\]", answer) and doc["unverified"] == []


def test_scan_why_and_logs_tools_call_the_application_layer_not_the_cli(
    demo_cli, store_path: str
) -> None:
    for name, args, argv in (
        ("scan", {"severity": "warning"}, ["scan", "--severity", "warning"]),
        (
            "why",
            {"target": "svc/checkout", "namespace": "shop"},
            ["why", "svc/checkout", "-n", "shop"],
        ),
    ):
        direct = run_tool(store_path, name, args)
        printed = demo_cli("--redact", *argv, "-o", "json").json()
        assert direct.ok and direct.output == printed  # the same contract, no CLI involved
    assert "no logs of a pod nope" in run_tool(store_path, "logs", {"pod": "nope"}).output
    bad = run_tool(store_path, "scan", {"severity": "loud"})
    assert not bad.ok and "--severity 'loud'" in bad.output


def test_every_tool_answers_from_the_application_layer() -> None:
    from crumbs.explain.tools import TOOLS

    assert all(t.direct is not None for t in TOOLS), [t.name for t in TOOLS if t.direct is None]
