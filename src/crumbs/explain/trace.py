"""Decision traces: every copilot run and every step of it, kept in the store.

A run is written as it goes (a crash leaves the steps so far): the question,
the model and its parameters, the hash of the system prompt, then steps — the
request sent (the whole context the model had), the response (what it chose:
tool calls or an answer, with its own words for why), each tool call with its
arguments and the output as given back, and the answer. Payloads are canonical
JSON compressed with zstd.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from crumbs.store import Store
from crumbs.store import traces as stored
from crumbs.store.traces import Step, Trace
from crumbs.timeutil import now_ns

__all__ = ["Recorder", "Step", "Trace", "list_traces", "load_trace"]


class Recorder:
    """Writes one run's steps into the store as they happen."""

    def __init__(self, store: Store, question: str, mode: str, model: str, params: dict[str, Any],
                 system_hash: str, store_at: int | None, replay_of: int | None = None,
                 listen: Callable[[Step], None] | None = None) -> None:  # fmt: skip
        self.store = store
        self.listen = listen
        """Told each step as it is recorded (``crumbs serve`` streams them)."""
        self._t0 = time.monotonic()
        self.steps = 0
        self.tokens_in = self.tokens_out = 0
        self.cost: float | None = None
        self.id = stored.start(store.db, now_ns(), question, mode, model, params, system_hash, store_at, replay_of)  # fmt: skip

    def step(self, kind: str, name: str, payload: Any, tokens: int = 0, latency_ms: int = 0) -> int:
        self.steps += 1
        stored.add_step(self.store.db, self.id, self.steps, kind, name, payload, tokens, latency_ms)
        if self.listen is not None:
            self.listen(Step(self.steps, kind, name, payload, tokens, latency_ms))
        return self.steps

    def usage(self, tokens_in: int, tokens_out: int, cost: float | None) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        if cost is not None:
            self.cost = (self.cost or 0.0) + cost

    def finish(self, answer: str, status: str = "ok", error: str = "") -> None:
        stored.finish(self.store.db, self.id, answer, status, error, self.tokens_in, self.tokens_out,
                      self.cost, int((time.monotonic() - self._t0) * 1000))  # fmt: skip


def list_traces(store: Store, limit: int = 50) -> list[Trace]:
    return stored.list_traces(store.db, limit)


def load_trace(store: Store, trace_id: int) -> Trace:
    return stored.load_trace(store.db, trace_id)
