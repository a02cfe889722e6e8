"""Node events in the store: raw events in compressed chunks (bounded), and per-minute rollups.

Raw events are written as one chunk per batch: zstd of the JSON list of packed
events (:func:`crumbs.activity.pack`), indexed by the time span they cover.
An event's id is ``chunk id × 65536 + its position``: stable, citable (``[N…]``).
Beyond ``retain`` raw events of a cluster, or older than ``max_age``, the oldest chunks are
dropped (never the cluster's newest); the rollups
(per minute, node and pod: connections per destination and outcome, execs per
binary, DNS names per response code) stay.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import orjson
import zstandard

from crumbs.activity import NodeEvent
from crumbs.store.connection import connect
from crumbs.store.dbapi import Connection
from crumbs.store.queries import window
from crumbs.store.transaction import transaction
from crumbs.timeutil import now_ns

PACKED = tuple(f.name for f in fields(NodeEvent) if f.name != "id")
"""The order of a packed event's values (the store keeps events packed: [1, *values])."""
_pack = operator.attrgetter(*PACKED)


def pack(e: NodeEvent) -> tuple[Any, ...]:
    """The event's values in :data:`PACKED` order, after a format version (1): compact and fast."""
    return (1, *_pack(e))


def unpack(values: list[Any], id: int | None = None) -> NodeEvent:
    if not values or values[0] != 1:
        raise ValueError(f"unknown packed node event version {values[:1]!r}")
    e = NodeEvent(*values[1:])
    e.id = id
    return e


MINUTE = 60_000_000_000
DEFAULT_RETAIN = 1_000_000
CHUNK = 65_536
"""Events per chunk at most (ids reserve 16 bits for the position)."""
LEVEL = 1

_ROLLUP = (
    "INSERT INTO node_rollups (cluster, minute, node, type, namespace, pod, subject, result, count,"
    " first_at, last_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (cluster, minute, node, type, namespace, pod,"
    " subject, result) DO UPDATE SET count = node_rollups.count + excluded.count,"
    " first_at = CASE WHEN excluded.first_at < node_rollups.first_at THEN excluded.first_at ELSE node_rollups.first_at END,"
    " last_at = CASE WHEN excluded.last_at > node_rollups.last_at THEN excluded.last_at ELSE node_rollups.last_at END"
)


def _pod_label(e: NodeEvent) -> str:
    return e.pod or ("host" if e.host else e.pod_uid)


class ActivityWriter:
    """Writes batches of node events in one transaction each, on a connection of its own."""

    def __init__(
        self,
        path: str,
        cluster: str = "default",
        retain: int = DEFAULT_RETAIN,
        max_age: int | None = None,
    ) -> None:
        self.db = connect(path)
        self.retain = retain
        self.max_age = max_age
        """ns: chunks whose newest event is older than this are dropped (checked each minute)."""
        self.cluster = self._cluster_id(cluster)
        self.written = 0
        self.pruned = 0
        self._aged_at = 0
        self._compress = zstandard.ZstdCompressor(level=LEVEL).compress
        self._held: int = self.db.execute(
            "SELECT coalesce(sum(count), 0) FROM node_event_chunks WHERE cluster = ?",
            (self.cluster,),
        ).fetchone()[0]

    def _cluster_id(self, name: str) -> int:
        self.db.execute("INSERT INTO clusters (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
        return int(self.db.execute("SELECT id FROM clusters WHERE name = ?", (name,)).fetchone()[0])

    def write(self, events: Sequence[NodeEvent]) -> None:
        if not events:
            return
        c = self.cluster
        rollups: dict[tuple[int, str, str, str, str, str, str], list[int]] = {}
        chunks = []
        for start in range(0, len(events), CHUNK):
            part = events[start : start + CHUNK]
            lo = hi = part[0].at
            packed = []
            for e in part:
                at = e.at
                packed.append(pack(e))
                if at < lo:
                    lo = at
                elif at > hi:
                    hi = at
                key = (
                    at - at % MINUTE,
                    e.node,
                    e.type,
                    e.namespace,
                    _pod_label(e),
                    e.subject,
                    e.result,
                )
                r = rollups.get(key)
                if r is None:
                    rollups[key] = [1, at, at]
                else:
                    r[0] += 1
                    if at < r[1]:
                        r[1] = at
                    if at > r[2]:
                        r[2] = at
            chunks.append((c, lo, hi, len(part), self._compress(orjson.dumps(packed))))
        db = self.db
        with transaction(db):
            db.executemany(
                "INSERT INTO node_event_chunks (cluster, first_at, last_at, count, data) VALUES (?,?,?,?,?)",
                chunks,
            )
            db.executemany(_ROLLUP, [(c, *k, *v) for k, v in rollups.items()])
            self._held += len(events)
            now = now_ns()
            aged = self.max_age is not None and now - self._aged_at >= MINUTE
            if self._held > self.retain or aged:
                self._prune(now - self.max_age if aged and self.max_age is not None else None)
                if aged:
                    self._aged_at = now
        self.written += len(events)

    def _prune(self, before: int | None) -> None:
        """Drop this cluster's oldest chunks (by insertion) until at most ``retain`` events are
        held and none ends before ``before``; never the newest."""
        for chunk_id, count, last_at in self.db.execute(
            "SELECT id, count, last_at FROM node_event_chunks WHERE cluster = ? ORDER BY id",
            (self.cluster,),
        ).fetchall()[:-1]:
            if self._held <= self.retain and (before is None or last_at >= before):
                break
            self.db.execute("DELETE FROM node_event_chunks WHERE id = ?", (chunk_id,))
            self._held -= count
            self.pruned += count

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


class ActivityQueries:
    def __init__(self, db: Connection) -> None:
        self.db = db
        self._decompress = zstandard.ZstdDecompressor().decompress

    def _chunks(
        self, start: int | None, end: int | None, cluster: str | None, newest_first: bool
    ) -> Iterator[tuple[int, int, list[NodeEvent]]]:
        params: list[object] = []
        cond = [window("ch.first_at", start, end, params, ends="ch.last_at")]
        if cluster is not None:
            cond.append("c.name = ?")
            params.append(cluster)
        where = f"WHERE {' AND '.join(cond)}"
        order = "ch.last_at DESC" if newest_first else "ch.first_at"
        for chunk_id, first_at, data in self.db.execute(
            "SELECT ch.id, ch.first_at, ch.data FROM node_event_chunks ch"
            f" JOIN clusters c ON c.id = ch.cluster {where} ORDER BY {order}",
            params,
        ):
            base = chunk_id * CHUNK
            yield (
                chunk_id,
                first_at,
                [unpack(v, base + i) for i, v in enumerate(orjson.loads(self._decompress(data)))],
            )

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
        pods: Collection[tuple[str, str]] | None = None,
    ) -> list[NodeEvent]:
        """Node events in [start, end], oldest first (only the newest ``limit`` when given);
        ``pods``: only those of these (namespace, pod) pairs."""
        wanted = set(types)

        def keep(e: NodeEvent) -> bool:
            return (
                (start is None or e.at >= start)
                and (end is None or e.at <= end)
                and (not wanted or e.type in wanted)
                and (namespace is None or e.namespace == namespace)
                and (pod is None or e.pod == pod)
                and (node is None or e.node == node)
                and (pods is None or (e.namespace, e.pod) in pods)
            )

        if limit is None:
            out = [
                e for _, _, evs in self._chunks(start, end, cluster, False) for e in evs if keep(e)
            ]
        else:
            newest: list[tuple[int, int, NodeEvent]] = []  # a min-heap of the newest `limit`
            for _, first_at, evs in self._chunks(start, end, cluster, True):
                if len(newest) >= limit and newest[0][0] > max(
                    (e.at for e in evs), default=first_at
                ):
                    break
                for e in evs:
                    if keep(e):
                        item = (e.at, e.id or 0, e)
                        if len(newest) < limit:
                            heapq.heappush(newest, item)
                        elif item[:2] > newest[0][:2]:
                            heapq.heapreplace(newest, item)
            out = [e for _, _, e in newest]
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
        cond = [window("r.minute", start, end, params)]
        types = list(types)
        if types:
            cond.append(f"r.type IN ({','.join('?' * len(types))})")
            params.extend(types)
        for column, value in (("r.namespace", namespace), ("c.name", cluster)):
            if value is not None:
                cond.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(cond)}"
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
        return int(
            self.db.execute("SELECT coalesce(sum(count), 0) FROM node_event_chunks").fetchone()[0]
        )

    def chunks_after(self, after: int, limit: int) -> list[tuple[int, list[NodeEvent]]]:
        """Raw event chunks stored after id ``after``, in id order (for shipping)."""
        rows = self.db.execute(
            "SELECT id, data FROM node_event_chunks WHERE id > ? ORDER BY id LIMIT ?",
            (after, limit),
        ).fetchall()
        return [
            (
                cid,
                [
                    unpack(v, cid * CHUNK + i)
                    for i, v in enumerate(orjson.loads(self._decompress(data)))
                ],
            )
            for cid, data in rows
        ]
