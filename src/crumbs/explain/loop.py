"""The copilot's loop: ask the model, run the tools it calls, until it answers; record every step.

Each turn, the request (the whole context: system prompt, question, the
conversation so far, the tool specs) and the response are recorded. A tool
call's arguments are parsed and checked; malformed ones, unknown tools and
failing commands come back to the model as an error message to act on. Tool
outputs are redacted and trimmed to the budget before the model sees them, and
that is what is recorded: the trace holds exactly what left the machine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs import contract
from crumbs.explain import citations
from crumbs.explain.context import compact, count_tokens, fit, redact
from crumbs.explain.model import Model, ModelError, ToolCall
from crumbs.explain.prompt import prompt_hash, system_prompt
from crumbs.explain.tools import TOOLS, run_tool
from crumbs.explain.trace import Recorder, Step
from crumbs.store import Store

MAX_TURNS = 12
BUDGET = 24_000
"""Tokens per request (everything sent: prompt, conversation, tool specs); each tool output gets
what is left, up to a third of it, shared among the calls of a turn."""
MAX_CALLS_PER_TURN = 8
"""Tool calls run per turn; the model is told when it asked for more."""
MAX_ARGUMENTS = 4_000
"""Characters of one call's arguments (a tool's arguments are names, times and kinds)."""
MIN_OUTPUT = 200
"""Below this many tokens left, a tool output is left out (the model is told) rather than cut."""


@dataclass
class Answer:
    text: str
    trace_id: int
    status: str
    unverified: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0

    def json(self) -> contract.Asked:
        return {"answer": self.text, "trace": self.trace_id, "status": self.status, "unverified": self.unverified,
                "tokens": {"in": self.tokens_in, "out": self.tokens_out}}  # fmt: skip


def tool_specs() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.schema()},
        }
        for t in TOOLS
    ]


def ask(
    store: Store,
    question: str,
    model: Model,
    store_at: int | None,
    budget: int = BUDGET,
    replay_of: int | None = None,
    listen: Callable[[Step], None] | None = None,
) -> Answer:
    """The model's answer to ``question``; ``listen`` is told every step as it is recorded."""
    system = system_prompt(store, store_at)
    rec = Recorder(store, question, model.mode, model.name, {**model.params, "budget": budget},
                   prompt_hash(system), store_at, replay_of, listen)  # fmt: skip
    rec.step("system", "prompt", {"content": system})
    rec.step("user", "question", {"content": question})
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": question},
    ]
    specs = tool_specs()
    specs_tokens = count_tokens(orjson.dumps(specs).decode(), model.name)
    known: set[str] = set()
    try:
        for _ in range(MAX_TURNS):
            sent = _within(messages, budget - specs_tokens, model.name)
            rec.step("request", model.name, {"messages": messages, "tools": [s["function"]["name"] for s in specs]},
                     tokens=specs_tokens + sent)  # fmt: skip
            t = time.monotonic()
            turn = model.complete(messages, specs)
            rec.usage(turn.tokens_in, turn.tokens_out, turn.cost)
            rec.step(
                "response",
                model.name,
                turn.raw,
                tokens=turn.tokens_out,
                latency_ms=int((time.monotonic() - t) * 1000),
            )
            if not turn.tool_calls:
                text, unknown = citations.check(turn.content, known)
                rec.step(
                    "answer",
                    model.name,
                    {
                        "content": text,
                        "unverified": unknown,
                        "cited": sorted(set(citations.CITATION.findall(text))),
                    },
                )
                rec.finish(text)
                return Answer(text, rec.id, "ok", unknown, rec.tokens_in, rec.tokens_out)
            calls = turn.tool_calls[:MAX_CALLS_PER_TURN]
            messages.append(_assistant(turn.content, calls))
            used = specs_tokens + count_tokens(orjson.dumps(messages).decode(), model.name)
            for i, call in enumerate(calls):
                share = (budget - used) // (len(calls) - i)  # what is left, shared with the rest
                content = _run(store.path, call, known, rec, min(budget // 3, share), model.name)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
                used += count_tokens(content, model.name) + 10
            if len(turn.tool_calls) > len(calls):
                messages.append({"role": "user", "content": (
                    f"Only the first {len(calls)} of your {len(turn.tool_calls)} tool calls were run "
                    f"(at most {MAX_CALLS_PER_TURN} a turn); call the others next if you still need them.")})  # fmt: skip
        text = "The copilot stopped after too many steps without an answer."
        rec.finish(text, "stopped")
        return Answer(text, rec.id, "stopped", [], rec.tokens_in, rec.tokens_out)
    except ModelError as err:
        rec.finish("", "error", str(err))
        raise
    except BaseException as err:
        rec.finish("", "error", f"{type(err).__name__}: {err}")
        raise


def _assistant(content: str, calls: list[ToolCall]) -> dict[str, Any]:
    """The model's turn as it is sent back: arguments too long to be real are not echoed whole."""
    return {
        "role": "assistant",
        "content": content or None,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": (
                c.arguments if len(c.arguments) <= MAX_ARGUMENTS
                else orjson.dumps({"left out": f"{len(c.arguments):,} characters"}).decode())}}
            for c in calls
        ],
    }  # fmt: skip


_LEFT_OUT = orjson.dumps(
    {"error": "left out to fit the context budget: call the tool again, asking for less"}
).decode()


def _within(messages: list[dict[str, Any]], budget: int, model: str) -> int:
    """Make the conversation fit ``budget`` tokens, oldest tool outputs first; its size.

    A conversation that cannot fit even then (a huge question) is a ModelError."""
    size = count_tokens(orjson.dumps(messages).decode(), model)
    for m in messages:
        if size <= budget:
            break
        if m.get("role") == "tool" and m.get("content") != _LEFT_OUT:
            size -= count_tokens(str(m["content"]), model) - count_tokens(_LEFT_OUT, model)
            m["content"] = _LEFT_OUT
    if size > budget:
        raise ModelError(
            f"the conversation needs {size:,} tokens, over the budget of {budget:,} (a shorter question, or --budget)"
        )
    return size


def _run(db: str, call: ToolCall, known: set[str], rec: Recorder, budget: int, model: str) -> str:
    args: Any = None
    error: str | None = None
    if len(call.arguments) > MAX_ARGUMENTS:
        error = f"{call.name}: {len(call.arguments):,} characters of arguments, at most {MAX_ARGUMENTS:,}"
    elif budget < MIN_OUTPUT:
        error = "not run: the context budget of this request is spent; call it again next turn"
    else:
        try:
            args = orjson.loads(call.arguments) if call.arguments.strip() else {}
        except orjson.JSONDecodeError as err:
            error = f"{call.name}: the arguments are not valid JSON ({err}); send a JSON object"
    shown = (
        call.arguments
        if len(call.arguments) <= MAX_ARGUMENTS
        else f"({len(call.arguments):,} characters)"
    )
    rec.step("tool_call", call.name, {"id": call.id, "arguments": shown})
    t = time.monotonic()
    if error is None:
        result = run_tool(db, call.name, args)
        ok, output = result.ok, result.output
    else:
        ok, output = False, error
    if ok:
        output = compact(redact(output))
        content, trimmed = fit(output, budget, model, call.name)
        with contextlib.suppress(
            orjson.JSONDecodeError
        ):  # only what the model was shown can be cited
            citations.citable(orjson.loads(content), known)
    else:
        content, trimmed = orjson.dumps({"error": output}).decode(), False
    rec.step("tool_result", call.name, {"id": call.id, "ok": ok, "trimmed": trimmed, "content": content},
             tokens=count_tokens(content, model), latency_ms=int((time.monotonic() - t) * 1000))  # fmt: skip
    return content
