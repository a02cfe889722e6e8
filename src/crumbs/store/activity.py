"""Node events in the store: raw events (bounded) and per-minute rollups.

Rollups count, per minute, node and pod: connections per destination and
outcome, execs per binary, DNS names per response code. They outlive the raw
events, which are pruned oldest first beyond ``retain`` rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from crumbs.activity import NodeEvent
from crumbs.store.connection import connect

MINUTE = 60_000_000_000
DEFAULT_RETAIN = 1_000_000

_INSERT = (
    "INSERT INTO node_events (cluster, at, node, type, namespace, pod, pod_uid, subject, result, doc)"
    " VALUES (?,?,?,?,?,?,?,?,?,?)"
)
_ROLLUP = (
    "INSERT INTO node_rollups (cluster, minute, node, type, namespace, pod, subject, result, count,"
    " first_at, last_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
    " count = count + excluded.count, first_at = min(first_at, excluded.first_at),"
    " last_at = max(last_at, excluded.last_at)"
)


def _pod_label(e: NodeEvent) -> str:
    return e.pod or ("host" if e.host else e.pod_uid)


class ActivityWriter:
    """Writes batches of node events in one transaction each, on a connection of its own."""

    def __init__(self, path: str, cluster: str = "default", retain: int = DEFAULT_RETAIN) -> None:
        self.db = connect(path)
        self.retain = retain
        self.cluster = self._cluster_id(cluster)
        self.written = 0
        self.pruned = 0

    def _cluster_id(self, name: str) -> int:
        self.db.execute("INSERT OR IGNORE INTO clusters (name) VALUES (?)", (name,))
        return int(self.db.execute("SELECT id FROM clusters WHERE name = ?", (name,)).fetchone()[0])

    def write(self, events: Sequence[NodeEvent]) -> None:
        if not events:
            return
        c = self.cluster
        dumps = orjson.dumps
        rows = []
        rollups: dict[tuple[int, str, str, str, str, str, str], list[int]] = {}
        for e in events:
            subject, result, pod = e.subject, e.result, _pod_label(e)
            rows.append(
                (c, e.at, e.node, e.type, e.namespace, e.pod, e.pod_uid, subject, result, dumps(e))
            )
            key = (e.at - e.at % MINUTE, e.node, e.type, e.namespace, pod, subject, result)
            r = rollups.get(key)
            if r is None:
                rollups[key] = [1, e.at, e.at]
            else:
                r[0] += 1
                if e.at < r[1]:
                    r[1] = e.at
                if e.at > r[2]:
                    r[2] = e.at
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(_INSERT, rows)
            db.executemany(_ROLLUP, [(c, *k, *v) for k, v in rollups.items()])
            self.written += len(rows)
            if self.written // 65536 != (self.written - len(rows)) // 65536:
                self._prune()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _prune(self) -> None:
        top = self.db.execute("SELECT max(id) FROM node_events").fetchone()[0]
        if top is not None and top > self.retain:
            cur = self.db.execute("DELETE FROM node_events WHERE id <= ?", (top - self.retain,))
            self.pruned += cur.rowcount

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True, slots=True)
class Rollup:
    minute: int
    node: str
    type: str
    namespace: str
    pod: str
    subject: str
    result: str
    count: int
    first_at: int
    last_at: int


def _window(start: int | None, end: int | None, column: str, params: list[object]) -> list[str]:
    cond = []
    if start is not None:
        cond.append(f"{column} >= ?")
        params.append(start)
    if end is not None:
        cond.append(f"{column} <= ?")
        params.append(end)
    return cond


class ActivityQueries:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def events(
        self,
        start: int | None = None,
        end: int | None = None,
        types: Iterable[str] = (),
        namespace: str | None = None,
        pod: str | None = None,
        node: str | None = None,
        cluster: str | None = None,
        limit: int | None = None,
    ) -> list[NodeEvent]:
        """Node events in [start, end], oldest first (the newest ``limit`` when given)."""
        params: list[object] = []
        cond = _window(start, end, "e.at", params)
        types = list(types)
        if types:
            cond.append(f"e.type IN ({','.join('?' * len(types))})")
            params.extend(types)
        for column, value in (
            ("e.namespace", namespace),
            ("e.pod", pod),
            ("e.node", node),
            ("c.name", cluster),
        ):
            if value is not None:
                cond.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(cond)}" if cond else ""
        sql = f"SELECT e.id, e.doc FROM node_events e JOIN clusters c ON c.id = e.cluster {where}"
        if limit is not None:
            sql = f"SELECT * FROM ({sql} ORDER BY e.at DESC, e.id DESC LIMIT {int(limit)})"
        sql += " ORDER BY 1" if limit is None else ""
        out = []
        for row_id, doc in self.db.execute(sql, params):
            fields = orjson.loads(doc)
            fields["id"] = row_id
            out.append(NodeEvent(**fields))
        out.sort(key=lambda e: (e.at, e.id or 0))
        return out

    def rollups(
        self,
        start: int | None = None,
        end: int | None = None,
        types: Iterable[str] = (),
        namespace: str | None = None,
        cluster: str | None = None,
    ) -> list[Rollup]:
        params: list[object] = []
        cond = _window(start, end, "r.minute", params)
        types = list(types)
        if types:
            cond.append(f"r.type IN ({','.join('?' * len(types))})")
            params.extend(types)
        for column, value in (("r.namespace", namespace), ("c.name", cluster)):
            if value is not None:
                cond.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(cond)}" if cond else ""
        return [
            Rollup(*row)
            for row in self.db.execute(
                "SELECT r.minute, r.node, r.type, r.namespace, r.pod, r.subject, r.result, r.count,"
                f" r.first_at, r.last_at FROM node_rollups r JOIN clusters c ON c.id = r.cluster {where}"
                " ORDER BY r.minute, r.type, r.namespace, r.pod, r.subject",
                params,
            )
        ]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM node_events").fetchone()[0])
