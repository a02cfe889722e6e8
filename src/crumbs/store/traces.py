"""Decision traces as the store keeps them (migration 0005): a run and its steps, payloads as
canonical JSON compressed with zstd. :mod:`crumbs.explain.trace` records runs through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs.errors import NotFoundError
from crumbs.store.codec import pack_text, unpack_bytes
from crumbs.store.dbapi import Connection
from crumbs.store.transaction import transaction

_COLUMNS = "id, started_at, question, mode, model, params, system_hash, store_at, answer, status, error, tokens_in, tokens_out, cost, latency_ms, replay_of"


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


def start(db: Connection, started_at: int, question: str, mode: str, model: str,
          params: dict[str, Any], system_hash: str, store_at: int | None, replay_of: int | None) -> int:  # fmt: skip
    """A new run, status ``running``; its id."""
    with transaction(db):
        cur = db.execute(
            "INSERT INTO traces (started_at, question, mode, model, params, system_hash, store_at, answer, status, error, "
            "tokens_in, tokens_out, cost, latency_ms, replay_of) VALUES (?, ?, ?, ?, ?, ?, ?, '', 'running', '', 0, 0, NULL, 0, ?) RETURNING id",
            (started_at, question, mode, model, orjson.dumps(params).decode(), system_hash, store_at, replay_of),
        )  # fmt: skip
        return int(cur.fetchall()[0][0])


def add_step(db: Connection, trace: int, n: int, kind: str, name: str, payload: Any, tokens: int, latency_ms: int) -> None:  # fmt: skip
    data = pack_text(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS))
    with transaction(db):
        db.execute(
            "INSERT INTO trace_steps (trace, n, kind, name, payload, tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (trace, n, kind, name, data, tokens, latency_ms),
        )


def finish(db: Connection, trace: int, answer: str, status: str, error: str,
           tokens_in: int, tokens_out: int, cost: float | None, latency_ms: int) -> None:  # fmt: skip
    with transaction(db):
        db.execute(
            "UPDATE traces SET answer = ?, status = ?, error = ?, tokens_in = ?, tokens_out = ?, cost = ?, latency_ms = ? WHERE id = ?",
            (answer, status, error, tokens_in, tokens_out, cost, latency_ms, trace),
        )


def _trace(row: tuple[Any, ...]) -> Trace:
    values = list(row)
    values[5] = orjson.loads(values[5])
    return Trace(*values)


def list_traces(db: Connection, limit: int = 50) -> list[Trace]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM traces ORDER BY id DESC LIMIT ?", (limit,))
    return [_trace(r) for r in rows]


def load_trace(db: Connection, trace_id: int) -> Trace:
    row = db.execute(f"SELECT {_COLUMNS} FROM traces WHERE id = ?", (trace_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no trace {trace_id} in the store (crumbs trace list)")
    t = _trace(row)
    t.steps = [
        Step(n, kind, name, orjson.loads(unpack_bytes(payload)), tokens, latency)
        for n, kind, name, payload, tokens, latency in db.execute(
            "SELECT n, kind, name, payload, tokens, latency_ms FROM trace_steps WHERE trace = ? ORDER BY n",
            (trace_id,),
        )
    ]
    return t


@dataclass
class Totals:
    runs: int
    tokens_in: int
    tokens_out: int
    cost: float


def totals(db: Connection) -> Totals:
    """Every run's tokens and cost added up (``/metrics``)."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), coalesce(sum(cost), 0) FROM traces"
    ).fetchone()
    return Totals(int(row[0]), int(row[1]), int(row[2]), float(row[3]))
