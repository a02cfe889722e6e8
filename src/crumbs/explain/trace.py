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
from dataclasses import dataclass, field
from typing import Any

import orjson
import zstandard

from crumbs.errors import NotFoundError
from crumbs.store import Store
from crumbs.timeutil import now_ns

_C = zstandard.ZstdCompressor(level=3)
_D = zstandard.ZstdDecompressor()


@dataclass
class Step:
    n: int
    kind: str
    name: str
    payload: Any
    tokens: int = 0
    latency_ms: int = 0


@dataclass
class Trace:
    id: int
    started_at: int
    question: str
    mode: str
    model: str
    params: dict[str, Any]
    system_hash: str
    store_at: int | None
    answer: str = ""
    status: str = "running"
    error: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    latency_ms: int = 0
    replay_of: int | None = None
    steps: list[Step] = field(default_factory=list)


class Recorder:
    """Writes one run's steps into the store as they happen."""

    def __init__(self, store: Store, question: str, mode: str, model: str, params: dict[str, Any],
                 system_hash: str, store_at: int | None, replay_of: int | None = None) -> None:  # fmt: skip
        self.store = store
        self._t0 = time.monotonic()
        self.steps = 0
        self.tokens_in = self.tokens_out = 0
        self.cost: float | None = None
        db = store.db
        db.execute("BEGIN IMMEDIATE")
        cur = db.execute(
            "INSERT INTO traces (started_at, question, mode, model, params, system_hash, store_at, answer, status, error, "
            "tokens_in, tokens_out, cost, latency_ms, replay_of) VALUES (?, ?, ?, ?, ?, ?, ?, '', 'running', '', 0, 0, NULL, 0, ?)",
            (
                now_ns(),
                question,
                mode,
                model,
                orjson.dumps(params).decode(),
                system_hash,
                store_at,
                replay_of,
            ),
        )
        db.execute("COMMIT")
        self.id = int(cur.lastrowid or 0)

    def step(self, kind: str, name: str, payload: Any, tokens: int = 0, latency_ms: int = 0) -> int:
        self.steps += 1
        data = _C.compress(
            orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
        )
        db = self.store.db
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO trace_steps (trace, n, kind, name, payload, tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.id, self.steps, kind, name, data, tokens, latency_ms),
        )
        db.execute("COMMIT")
        return self.steps

    def usage(self, tokens_in: int, tokens_out: int, cost: float | None) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        if cost is not None:
            self.cost = (self.cost or 0.0) + cost

    def finish(self, answer: str, status: str = "ok", error: str = "") -> None:
        db = self.store.db
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "UPDATE traces SET answer = ?, status = ?, error = ?, tokens_in = ?, tokens_out = ?, cost = ?, latency_ms = ? WHERE id = ?",
            (answer, status, error, self.tokens_in, self.tokens_out, self.cost,
             int((time.monotonic() - self._t0) * 1000), self.id),
        )  # fmt: skip
        db.execute("COMMIT")


_TRACE_COLUMNS = "id, started_at, question, mode, model, params, system_hash, store_at, answer, status, error, tokens_in, tokens_out, cost, latency_ms, replay_of"


def _trace(row: tuple[Any, ...]) -> Trace:
    values = list(row)
    values[5] = orjson.loads(values[5])
    return Trace(*values)


def list_traces(store: Store, limit: int = 50) -> list[Trace]:
    rows = store.db.execute(
        f"SELECT {_TRACE_COLUMNS} FROM traces ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [_trace(r) for r in rows]


def load_trace(store: Store, trace_id: int) -> Trace:
    row = store.db.execute(
        f"SELECT {_TRACE_COLUMNS} FROM traces WHERE id = ?", (trace_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no trace {trace_id} in the store (crumbs trace list)")
    t = _trace(row)
    t.steps = [
        Step(n, kind, name, orjson.loads(_D.decompress(payload)), tokens, latency)
        for n, kind, name, payload, tokens, latency in store.db.execute(
            "SELECT n, kind, name, payload, tokens, latency_ms FROM trace_steps WHERE trace = ? ORDER BY n",
            (trace_id,),
        )
    ]
    return t
