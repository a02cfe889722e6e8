"""Decision traces: replay without the model against today's store, and the first step where two runs part."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.llm import fake_llm


def _model_run(
    cli, script: list, question: str = "why is svc/checkout failing?", model: str = "fake-gpt"
) -> int:
    with fake_llm(script) as llm:
        result = cli("ask", question, "--llm", llm.url, "--model", model, "-o", "json")
    assert result.code == 0, result.err
    return int(result.json()["trace"])


def test_replay_needs_no_model_and_reports_what_changed_since(demo_cli, tmp_path: Path) -> None:
    script = [
        {"tool_calls": [("why", {"target": "svc/checkout", "namespace": "shop"})]},
        {"content": "The selector."},
    ]
    trace = _model_run(demo_cli, script)
    same = demo_cli("trace", "replay", str(trace), "-o", "json").json()  # the fake server is gone
    assert same["same"] and same["answer"] == "The selector." and same["replayOf"] == trace
    # someone fixes the selector: the replay now sees another world at the why step
    svc = demo_cli("get", "svc/checkout", "-n", "shop", "-o", "json").json()
    svc["spec"]["selector"] = {"app": "checkout"}
    svc["metadata"]["resourceVersion"] = "999999"
    fix = tmp_path / "fix.jsonl"
    fix.write_text(
        json.dumps({"type": "MODIFIED", "object": svc, "time": "2026-11-27T16:00:00Z"}) + "\n"
    )
    assert demo_cli("ingest", str(fix)).code == 0
    now = demo_cli("trace", "replay", str(trace), "-o", "json").json()
    assert not now["same"] and [d["tool"] for d in now["differences"]] == ["why"]
    assert "selector-matches-no-pods" in now["differences"][0]["diff"]
    shown = demo_cli("trace", "show", str(now["trace"]), "-o", "json").json()
    assert shown["mode"] == "replay" and shown["replayOf"] == trace


def test_replay_of_an_offline_run(demo_cli) -> None:
    trace = demo_cli("ask", "why is checkout returning 503?", "-o", "json").json()["trace"]
    r = demo_cli("trace", "replay", str(trace), "-o", "json").json()
    assert r["same"] and "Service checkout" in r["answer"]


def test_diff_finds_where_two_models_part(demo_cli) -> None:
    a = _model_run(
        demo_cli,
        [
            {"tool_calls": [("why", {"target": "svc/checkout", "namespace": "shop"})]},
            {"content": "Selector."},
        ],
    )
    b = _model_run(demo_cli, [{"tool_calls": [("scan", {})]}, {"content": "Selector."}])
    c = _model_run(
        demo_cli,
        [
            {"tool_calls": [("why", {"target": "svc/checkout", "namespace": "shop"})]},
            {"content": "Selector."},
        ],
    )
    d = demo_cli("trace", "diff", str(a), str(b), "-o", "json").json()
    assert (
        not d["same"]
        and d["divergence"]["agreedSteps"] == 0
        and "chose differently" in d["divergence"]["how"]
    )
    assert demo_cli("trace", "diff", str(a), str(c), "-o", "json").json()["same"]
    assert "part" in demo_cli("trace", "diff", str(a), str(b)).out


def test_diff_of_two_models_compares_their_choices_not_their_names(demo_cli) -> None:
    """Issue 12 item 4: other model names, response ids and argument spacing are not choices."""
    a = _model_run(
        demo_cli,
        [
            {"tool_calls": [("why", {"target": "svc/checkout", "namespace": "shop"})]},
            {"content": "The selector."},
        ],
        model="fake-gpt",
    )
    b = _model_run(
        demo_cli,
        [
            {"tool_calls": [("why", '{ "namespace" : "shop", "target": "svc/checkout" }')]},
            {"content": "The Service's selector matches no pods."},
        ],
        model="fake-claude",
    )
    d = demo_cli("trace", "diff", str(a), str(b), "-o", "json").json()
    assert d["a"]["model"] == "fake-gpt" and d["b"]["model"] == "fake-claude"
    # both asked why(svc/checkout), saw the same output and then answered: only the words differ
    assert not d["same"] and d["divergence"]["agreedSteps"] == 4, d
    assert d["divergence"]["how"] == "the answers differ"
    assert "same first 4 step(s)" in demo_cli("trace", "diff", str(a), str(b)).out


def test_why_explain(demo_cli) -> None:
    doc = demo_cli("why", "svc/checkout", "-n", "shop", "--explain", "-o", "json").json()
    assert doc["findings"] and doc["findings"][0]["rule"] == "selector-matches-no-pods"
    assert "kubectl-edit" in doc["explanation"]["answer"] and doc["explanation"]["unverified"] == []
