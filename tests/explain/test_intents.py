"""Issue 21 item 3: the offline copilot's router, on a table of phrasings (several per intent,
typos and mixed case included): the intent, the tool, and the arguments that matter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crumbs.explain.intents import route

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

# (question, intent, tool, expected arguments (a subset))
TABLE: list[tuple[str, str, str, dict[str, Any]]] = [
    # what changed
    ("what changed in the last 2 hours?", "changes", "timeline", {"since": "2h"}),
    ("What changed in kube-system on 2020-06-03?", "changes", "timeline", {"start": "2020-06-03", "end": "2020-06-04", "namespace": "kube-system"}),
    ("what chnaged since 30m", "changes", "timeline", {"since": "30m"}),
    ("WHAT CHANGED YESTERDAY", "changes", "timeline", {"start": "2026-11-26", "end": "2026-11-27"}),
    ("what changed today in namespace shop", "changes", "timeline", {"start": "2026-11-27", "namespace": "shop"}),
    ("show me the changes between 2026-11-27T10:00:00Z and 2026-11-27T12:00:00Z", "changes", "timeline", {"start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:00:00Z"}),
    ("which configmaps were modified in the past 3 days", "changes", "timeline", {"since": "3d", "kind": ["configmaps"]}),
    ("what was deployed this week?", "changes", "timeline", {"since": "7d"}),
    ("any rollouts in the last hour in the shop namespace?", "changes", "timeline", {"since": "1h", "namespace": "shop"}),
    ("what happened since 2026-11-27T09:00:00Z", "changes", "timeline", {"start": "2026-11-27T09:00:00Z"}),
    ("recent changes", "changes", "timeline", {"since": "24h"}),
    ("what has been updated in the last 45 minutes", "changes", "timeline", {"since": "45m"}),
    ("Were any secrets edited over the past 2 days?", "changes", "timeline", {"since": "2d", "kind": ["secrets"]}),
    ("what changed on 2026-11-20", "changes", "timeline", {"start": "2026-11-20", "end": "2026-11-21"}),
    ("what changed in -n payments since 6h", "changes", "timeline", {"since": "6h", "namespace": "payments"}),
    ("what's new in the last day", "changes", "timeline", {"since": "1d"}),
    ("list every change from 2026-11-01 to 2026-11-02", "changes", "timeline", {"start": "2026-11-01", "end": "2026-11-02"}),
    ("what was patched in the last 10 min", "changes", "timeline", {"since": "10m"}),
    # who changed it
    ("who changed deploy/billing?", "who", "timeline", {"target": "deploy/billing"}),
    ("Who edited the billing deployment", "who", "timeline", {"target": "deployment/billing"}),
    ("who touched cj/nightly", "who", "timeline", {"target": "cj/nightly"}),
    ("who modified configmap billing-config in shop namespace", "who", "timeline", {"target": "configmap/billing-config", "namespace": "shop"}),
    ("WHO CHANGED SVC/CHECKOUT", "who", "timeline", {"target": "svc/checkout"}),
    ("which user changed the checkout service?", "who", "timeline", {"target": "service/checkout"}),
    ("blame deployment billing", "who", "timeline", {"target": "deployment/billing"}),
    ("who last updated the billing-invoices cronjob", "who", "timeline", {"target": "cronjob/billing-invoices"}),
    ("what changed in deploy/billing", "who", "timeline", {"target": "deploy/billing"}),
    ("history of the checkout deploymnet", "who", "timeline", {"target": "deployment/checkout"}),
    ("who did change secret billing-db?", "who", "timeline", {"target": "secret/billing-db"}),
    ("by whom was statefulset postgres edited", "who", "timeline", {"target": "statefulset/postgres"}),
    # why is it failing
    ("why is deploy/billing failing?", "why", "why", {"target": "deploy/billing"}),
    ("Why does the billing-invoices cronjob fail", "why", "why", {"target": "cronjob/billing-invoices"}),
    ("what's wrong with svc/checkout", "why", "why", {"target": "svc/checkout"}),
    ("why is pod web-1 crashing in shop namespace", "why", "why", {"target": "pod/web-1", "namespace": "shop"}),
    ("why is the checkout service broken", "why", "why", {"target": "service/checkout"}),
    ("Why is deployment billing not ready?", "why", "why", {"target": "deployment/billing"}),
    ("why are the billing pods pending", "why", "why", {"target": "pods/billing"}),
    ("why is node worker-2 down", "why", "why", {"target": "node/worker-2"}),
    ("cj/nightly errors", "why", "why", {"target": "cj/nightly"}),
    ("explain deploy/api", "why", "why", {"target": "deploy/api"}),
    ("whats wrong with the api deployment", "why", "why", {"target": "deployment/api"}),
    ("pvc/data-0 is pending, why?", "why", "why", {"target": "pvc/data-0"}),
    # what the node agent saw
    ("what processes ran in pod web-1?", "node", "activity", {"pod": "web-1", "type": ["exec"]}),
    ("which connections did the billing pods make in the last hour", "node", "activity", {"since": "1h", "type": ["connect"]}),
    ("DNS lookups in namespace shop", "node", "activity", {"namespace": "shop", "type": ["dns"]}),
    ("what did pod/api-7f exec", "node", "activity", {"pod": "api-7f", "type": ["exec"]}),
    ("who talked to the database since 2h", "node", "activity", {"since": "2h", "type": ["connect"]}),
    ("what did the node agent see", "node", "activity", {}),
    ("show execs and dns resolutions in pod web-1", "node", "activity", {"pod": "web-1", "type": ["exec", "dns"]}),
    ("what network calls failed in the shop namespace", "node", "activity", {"namespace": "shop", "type": ["connect"]}),
    # what still runs an image
    ("what still uses ghcr.io/acme/billing:1.4.2?", "uses", "get", {"target": "pods"}),
    ("Which pods run billing:1.4.2 in namespace shop", "uses", "get", {"target": "pods", "namespace": "shop"}),
    ("where is nginx:1.19 still running", "uses", "get", {"target": "pods"}),
    # what the copilot did before
    ("what did you find last time?", "copilot", "traces", {}),
    ("Show my previous questions", "copilot", "traces", {}),
    ("what did the copilot answer earlier? your last answer please", "copilot", "traces", {}),
    # is anything broken
    ("is anything broken?", "broken", "scan", {}),
    ("Is the cluster healthy", "broken", "scan", {}),
    ("any problems in namespace shop?", "broken", "scan", {"namespace": "shop"}),
    ("what's broken", "broken", "scan", {}),
    ("are there any errors", "broken", "scan", {}),
    ("is everything ok?", "broken", "scan", {}),
    ("what is failing", "broken", "scan", {}),
    ("any incidents?", "broken", "scan", {}),
    # unknown: the scan, and a line saying how to ask
    ("hello", "unknown", "scan", {}),
    ("tell me a joke", "unknown", "scan", {}),
    ("summarize", "unknown", "scan", {}),
]  # fmt: skip


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 60
    assert {intent for _, intent, _, _ in TABLE} == {
        "changes",
        "who",
        "why",
        "node",
        "uses",
        "copilot",
        "broken",
        "unknown",
    }


@pytest.mark.parametrize(("question", "intent", "tool", "args"), TABLE)
def test_questions_are_routed(question: str, intent: str, tool: str, args: dict[str, Any]) -> None:
    r = route(question, NOW)
    assert (r.intent, r.tool) == (intent, tool), (question, r)
    got = {
        k: (r.target if k == "target" and tool not in ("why", "get") else r.args.get(k))
        for k in args
    }
    assert got == args, (question, r.args, r.target)
    if intent == "who":  # its kind's changes over the whole record
        assert r.args["kind"] == [r.target.split("/")[0]] and r.args["since"] == "36500d"


def _ask(demo_cli, question: str) -> dict[str, Any]:
    result = demo_cli("ask", question, "-o", "json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["unverified"] == [] and doc["status"] == "ok", doc  # every citation was read
    shown = demo_cli("trace", "show", str(doc["trace"]), "-o", "json").json()
    doc["tools"] = [
        s.get("tool") or s.get("name") for s in shown["steps"] if s["kind"] == "tool_call"
    ]
    return doc


def test_offline_answers_what_changed_with_who_and_citations(demo_cli) -> None:
    doc = _ask(demo_cli, "What changed in the last 2 hours?")
    answer = doc["answer"]
    assert (
        "Deployment shop/billing: image ghcr.io/acme/billing:1.4.2 → 2.0.0 — by kubectl-patch (human) [R"
        in answer
    )
    assert (
        "Service shop/checkout: selector app=checkout → app=checkout-api — by kubectl-edit (human)"
        in answer
    )
    assert "BackoffLimitExceeded" in answer and "[E" in answer
    assert "Service checkout: 2 pods selected" not in answer  # not the scan: what was asked
    quiet = _ask(demo_cli, "what changed on 1999-01-01")["answer"]
    assert quiet.startswith("Nothing was recorded as changing between 1999-01-01 and 1999-01-02")


def test_offline_answers_who_changed_an_object(demo_cli) -> None:
    answer = _ask(demo_cli, "who touched the billing deploymnet?")["answer"]
    assert answer.startswith("deployment/billing changed 6 time(s)")
    assert "kubectl-patch (human) (1)" in answer and "helm (helm) (2)" in answer
    assert "checkout" not in answer  # only that object's changes


def test_offline_says_how_to_ask_when_it_cannot_route(demo_cli) -> None:
    answer = _ask(demo_cli, "hello there")["answer"]
    assert "To ask without a model" in answer and "[F" in answer  # the scan, and the hint
    why = _ask(demo_cli, "why is cj/billing-invoices failing")["answer"]
    assert "To ask without a model" not in why and "kubectl-patch" in why


def test_offline_answers_what_still_runs_an_image(demo_cli) -> None:
    """The demo's CronJob still fires with the image its Deployment left: it is found; the runs
    that ended are counted, not listed."""
    doc = _ask(demo_cli, "What still uses billing:1.4.2?")
    answer = doc["answer"]
    assert "CronJob shop/billing-invoices (container invoices)" in answer
    assert (
        "finished Pods and Jobs ran it too" in answer and "Pod shop/billing-invoices-" not in answer
    )
    assert "Deployment shop/billing" not in answer  # it runs 2.0.0 now
    assert doc["tools"].count("get") == 6
    none = _ask(demo_cli, "which pods run nginx:0.1")["answer"]
    assert none.startswith("Nothing recorded runs nginx:0.1 now")


def test_offline_says_what_it_did_last_time(demo_cli) -> None:
    first = _ask(demo_cli, "who changed deploy/billing?")
    answer = _ask(demo_cli, "What did you find last time?")["answer"]
    assert (
        f"Last time (trace {first['trace']}" in answer and '"who changed deploy/billing?"' in answer
    )
    assert (
        "deploy/billing changed 6 time(s)" in answer
        and f"crumbs trace show {first['trace']}" in answer
    )
