"""Replaying a run without the model, and comparing two runs.

**Replay**: the recorded responses stand in for the model, in order, and the
tools run again against the store as it is now; every tool output that differs
from the recorded one is reported (the data changed under the answer), and the
replay is itself a trace (mode ``replay``). A model that answered from what it
saw would now see something else: the report says where.

**Diff**: two traces step by step; the first step where they part (another
tool, other arguments, another output, another answer) and how.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs import contract
from crumbs.app.traces import summary
from crumbs.explain.loop import Answer, ask
from crumbs.explain.model import ModelError, Turn, turn_from_message
from crumbs.explain.trace import Step, Trace, load_trace
from crumbs.store import Store


class ReplayModel:
    mode = "replay"

    def __init__(self, trace: Trace) -> None:
        self.name = trace.model
        self.params = {**trace.params, "replay_of": trace.id}
        self._turns = [s.payload for s in trace.steps if s.kind == "response"]

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn:
        if not self._turns:
            raise ModelError(
                "the recording ends here: the replayed run asked for more turns than were recorded"
            )
        raw = self._turns.pop(0)
        turn = turn_from_message(raw.get("message") or {}, raw.get("usage") or {})
        turn.raw = raw
        return turn


@dataclass
class Difference:
    step: int
    tool: str
    arguments: str
    was: str
    now: str

    def summary(self, width: int = 3) -> str:
        """What changed, field by field (items of lists by their title), else a unified diff."""
        a, b = _parsed(self.was), _parsed(self.now)
        if isinstance(a, dict) and isinstance(b, dict):
            parts = []
            for k in sorted(set(a) | set(b), key=str):
                va, vb = a.get(k), b.get(k)
                if va == vb:
                    continue
                if isinstance(va, list) and isinstance(vb, list):
                    la, lb = [_label(x) for x in va], [_label(x) for x in vb]
                    gone = [x for x in la if x not in lb][:5]
                    new = [x for x in lb if x not in la][:5]
                    items = [f"- {x}" for x in gone] + [f"+ {x}" for x in new]
                    parts.append(
                        f"{k}:"
                        + ("\n  " + "\n  ".join(items) if items else " the same items, changed")
                    )
                else:
                    parts.append(f"{k}: {_short(va)} → {_short(vb)}")
            return "\n".join(parts)
        diff = list(
            difflib.unified_diff(
                _lines(self.was), _lines(self.now), "recorded", "now", n=width, lineterm=""
            )
        )
        return "\n".join(diff[:60]) + ("\n…" if len(diff) > 60 else "")


@dataclass
class Replay:
    original: Trace
    answer: Answer
    differences: list[Difference] = field(default_factory=list)

    def json(self) -> contract.Replayed:
        return {"replayOf": self.original.id, "trace": self.answer.trace_id, "answer": self.answer.text,
                "same": not self.differences,
                "differences": [{"step": d.step, "tool": d.tool, "arguments": d.arguments, "diff": d.summary()}
                                for d in self.differences]}  # fmt: skip


def _parsed(content: str) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def _label(item: Any) -> str:
    if isinstance(item, dict):
        for k in ("title", "summary", "id", "name"):
            if item.get(k):
                rule = f"{item.get('analyzer')}/{item.get('rule')} " if item.get("rule") else ""
                return f"{rule}{item[k]}"
    return _short(item)


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 100 else text[:97] + "…"


def _lines(content: str) -> list[str]:
    try:
        return (
            orjson.dumps(orjson.loads(content), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
            .decode()
            .splitlines()
        )
    except orjson.JSONDecodeError:
        return content.splitlines()


def replay(store: Store, trace_id: int, store_at: int | None) -> Replay:
    original = load_trace(store, trace_id)
    budget = int(original.params.get("budget") or 24_000)
    answer = ask(
        store,
        original.question,
        ReplayModel(original),
        store_at,
        budget,
        replay_of=trace_id,
    )
    again = load_trace(store, answer.trace_id)
    out = Replay(original, answer)
    was = [s for s in original.steps if s.kind == "tool_result"]
    now = [s for s in again.steps if s.kind == "tool_result"]
    calls = [s for s in again.steps if s.kind == "tool_call"]
    for i, (a, b) in enumerate(zip(was, now, strict=False)):
        if a.payload.get("content") != b.payload.get("content"):
            args = str(calls[i].payload.get("arguments")) if i < len(calls) else ""
            out.differences.append(
                Difference(
                    b.n, b.name, args, str(a.payload.get("content")), str(b.payload.get("content"))
                )
            )
    return out


@dataclass
class Divergence:
    agreed: int
    """How many steps the two runs share before they part."""
    a: Step | None
    b: Step | None
    how: str


_COMPARED = ("response", "tool_call", "tool_result", "answer")


def diff_json(a: Trace, b: Trace, d: Divergence | None) -> contract.TraceDiff:
    """``trace diff -o json``."""
    return {"a": summary(a), "b": summary(b), "same": d is None,
            "divergence": None if d is None else {"agreedSteps": d.agreed, "how": d.how,
                                                  "a": d.a.n if d.a else None, "b": d.b.n if d.b else None}}  # fmt: skip


def diff_traces(store: Store, a_id: int, b_id: int) -> tuple[Trace, Trace, Divergence | None]:
    """The first step where two runs part, comparing what was chosen and what came back."""
    a, b = load_trace(store, a_id), load_trace(store, b_id)
    sa = [s for s in a.steps if s.kind in _COMPARED]
    sb = [s for s in b.steps if s.kind in _COMPARED]
    for i in range(max(len(sa), len(sb))):
        x = sa[i] if i < len(sa) else None
        y = sb[i] if i < len(sb) else None
        how = _compare(x, y)
        if how:
            return a, b, Divergence(i, x, y, how)
    return a, b, None


def _compare(x: Step | None, y: Step | None) -> str:
    """How two steps differ in what was decided or seen ('' when they agree).

    A step's name is the model for responses and answers: two models that made
    the same calls agree, whatever they are called, whatever ids they gave.
    """
    if x is None or y is None:
        longer = "B" if x is None else "A"
        s = y if x is None else x
        assert s is not None
        return f"run {longer} goes on: {s.kind} {s.name}"
    if x.kind != y.kind or (x.kind in ("tool_call", "tool_result") and x.name != y.name):
        return f"A: {x.kind} {x.name}; B: {y.kind} {y.name}"
    if x.kind == "response":
        ca, cb = _choice(x.payload), _choice(y.payload)
        return "" if ca == cb else f"the models chose differently: A {ca}; B {cb}"
    if x.kind == "tool_call":
        aa, ab = _arguments(x.payload.get("arguments")), _arguments(y.payload.get("arguments"))
        return "" if aa == ab else f"{x.name} with other arguments: A {aa}; B {ab}"
    if x.kind == "tool_result":
        return (
            ""
            if x.payload.get("content") == y.payload.get("content")
            else f"{x.name} returned something else (the store changed in between)"
        )
    return "" if x.payload.get("content") == y.payload.get("content") else "the answers differ"


def _arguments(raw: Any) -> str:
    """A call's arguments in one canonical form (models space and order their JSON differently)."""
    value = raw
    if isinstance(raw, (str, bytes)):
        try:
            value = orjson.loads(raw or "{}")
        except orjson.JSONDecodeError:
            return str(raw)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _choice(payload: Any) -> str:
    """What a response decided: the tools it called with their arguments, or to answer."""
    m = (payload or {}).get("message") or {}
    calls = [
        f"{c['function']['name']}({_arguments(c['function'].get('arguments'))})"
        for c in m.get("tool_calls") or []
        if isinstance(c, dict) and isinstance(c.get("function"), dict)
    ]
    return "calls " + ", ".join(calls) if calls else "answers"
