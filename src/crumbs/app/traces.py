"""``trace list`` and ``trace show``: the copilot's decision traces as kept in the store."""

from __future__ import annotations

from crumbs import contract
from crumbs.store import Store
from crumbs.store import traces as stored
from crumbs.store.traces import Trace
from crumbs.timeutil import format_time


def summary(t: Trace) -> contract.TraceRef:
    """A trace without its steps (the JSON contract's ``trace``)."""
    return {"id": t.id, "started": format_time(t.started_at), "question": t.question, "mode": t.mode, "model": t.model,
            "params": t.params, "systemHash": t.system_hash, "status": t.status, "error": t.error or None, "answer": t.answer,
            "tokens": {"in": t.tokens_in, "out": t.tokens_out}, "cost": t.cost, "latencyMs": t.latency_ms, "replayOf": t.replay_of}  # fmt: skip


def trace_list(store: Store, limit: int = 20) -> tuple[list[Trace], contract.TraceList]:
    """The latest runs, newest first, and ``trace list -o json``."""
    runs = stored.list_traces(store.db, limit)
    return runs, {"traces": [summary(t) for t in runs]}


def trace_show(store: Store, trace_id: int) -> tuple[Trace, contract.TraceDetail]:
    """One run with every step, and ``trace show -o json``."""
    t = stored.load_trace(store.db, trace_id)
    steps: list[contract.TraceStep] = [{"n": s.n, "kind": s.kind, "name": s.name, "tokens": s.tokens, "latencyMs": s.latency_ms,
              "payload": s.payload} for s in t.steps]  # fmt: skip
    return t, contract.TraceDetail(**summary(t), steps=steps)
