"""The copilot within its budget (issue 12 item 12): what is sent is measured and bounded."""

from __future__ import annotations

import json

from crumbs.explain.context import count_tokens
from crumbs.explain.loop import MAX_CALLS_PER_TURN
from tests.fakes.llm import fake_llm

BUDGET = 12_000


def _sent_tokens(request: dict) -> int:
    body = request["body"]
    return count_tokens(json.dumps(body["messages"])) + count_tokens(
        json.dumps(body.get("tools", []))
    )


def test_three_hundred_calls_in_one_turn_stay_within_the_budget(demo_cli) -> None:
    calls = [("timeline", {}), ("scan", {})] * 150
    with fake_llm([{"tool_calls": calls}, {"content": "Done."}]) as llm:
        r = demo_cli(
            "ask",
            "what changed?",
            "--llm",
            llm.url,
            "--model",
            "fake-gpt",
            "--budget",
            str(BUDGET),
            "-o",
            "json",
        )
        assert r.code == 0, r.err
    second = llm.requests[1]
    assert (
        _sent_tokens(second) <= BUDGET * 1.05
    )  # our count of what was sent; the model's may differ a little
    messages = second["body"]["messages"]
    assert len([m for m in messages if m["role"] == "tool"]) == MAX_CALLS_PER_TURN
    assert any(
        m["role"] == "user" and "Only the first 8 of your 300 tool calls" in m["content"]
        for m in messages
    )


def test_a_huge_argument_is_refused_not_echoed(demo_cli) -> None:
    huge = {"target": "deploy/" + "x" * 1_000_000}
    with fake_llm([{"tool_calls": [("why", huge)]}, {"content": "Done."}]) as llm:
        r = demo_cli("ask", "why?", "--llm", llm.url, "--model", "fake-gpt", "-o", "json")
        assert r.code == 0, r.err
    second = llm.requests[1]
    assert len(second["raw"]) < 200_000
    tool = next(m for m in second["body"]["messages"] if m["role"] == "tool")
    assert "characters of arguments, at most 4,000" in tool["content"]


def test_a_question_over_the_budget_is_one_line(demo_cli) -> None:
    with fake_llm([{"content": "never asked"}]) as llm:
        r = demo_cli(
            "ask", "why " * 20_000, "--llm", llm.url, "--model", "fake-gpt", "--budget", "2000"
        )
    assert r.code == 1 and "over the budget" in r.err and len(r.err.strip().splitlines()) == 1
    assert llm.requests == []


def test_token_counting_is_linear_in_the_length() -> None:
    """64k repeated characters took 52 s and 1 MB held a core for minutes: the count is now
    per slice of a long run. Equal text twice as long counts twice as many tokens."""
    one = count_tokens("a" * 500_000)
    two = count_tokens("a" * 1_000_000)
    assert two == 2 * one and one > 0
