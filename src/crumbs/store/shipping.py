"""The store's side of shipping to a central store (``watch --to``, ``agent --to``).

The sender's local store is its spool: the recorder writes there as always (it needs each
object's newest state for relists and deduplication anyway); the shipper (:mod:`crumbs.ship`)
sends what was stored after its marks — one id per table, kept in ``meta`` as
``ship:<peer>`` — and, once delivered, :func:`trim_shipped` forgets the shipped history but
each object's newest revision. When the server cannot be reached and the spool grows past
its bound, :func:`drop_oldest` drops the oldest undelivered history, never an object's newest
revision: the central store then misses intermediate changes, not what runs.

``shipping`` rows (migration 0014) say how each side is doing, for ``crumbs status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from crumbs.store.dbapi import Connection
from crumbs.store.retention import delete_orphans
from crumbs.store.transaction import transaction

STREAMS = ("revisions", "events", "releases", "audit", "logs", "node_event_chunks")
"""The tables shipped, each by its id, in this order within a delivery."""

_NEWEST = (
    "SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY object ORDER BY at DESC, id DESC) AS n "
    "FROM revisions) newest WHERE n = 1"
)


@dataclass
class Marks:
    """The newest id of each stream the peer has acknowledged."""

    ids: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))

    def of(self, stream: str) -> int:
        return self.ids.get(stream, 0)


def marks(db: Connection, peer: str) -> Marks:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (f"ship:{peer}",)).fetchone()
    out = Marks()
    if row is not None:
        saved = orjson.loads(row[0])
        out.ids.update({k: int(v) for k, v in saved.items() if k in STREAMS})
    return out


def save_marks(db: Connection, peer: str, m: Marks) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"ship:{peer}", orjson.dumps(m.ids).decode()),
        )


def pending(db: Connection, m: Marks) -> int:
    """Records stored and not yet delivered (node events counted by chunk contents)."""
    total = 0
    for stream in STREAMS:
        what = "coalesce(sum(count), 0)" if stream == "node_event_chunks" else "count(*)"
        total += int(
            db.execute(f"SELECT {what} FROM {stream} WHERE id > ?", (m.of(stream),)).fetchone()[0]
        )
    return total


def spool_bytes(db: Connection) -> int:
    """Bytes the spool holds (SQLite: pages in use, free pages left out)."""
    size = getattr(db, "size", None)  # PostgreSQL's connection knows its database's size
    if size is not None:
        return int(size())
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def trim_shipped(db: Connection, m: Marks) -> int:
    """Forget what the peer has: shipped rows, but each object's newest revision. Returns rows gone."""
    with transaction(db):
        before = db.total_changes
        db.execute(
            f"DELETE FROM revisions WHERE id <= ? AND id NOT IN ({_NEWEST})", (m.of("revisions"),)
        )
        for stream in STREAMS[1:]:
            db.execute(f"DELETE FROM {stream} WHERE id <= ?", (m.of(stream),))
        delete_orphans(db)
        return db.total_changes - before


def drop_oldest(db: Connection, m: Marks, share: float = 0.5) -> int:
    """The spool is full: drop the oldest ``share`` of each stream's undelivered rows (an
    object's newest revision never). Returns the records dropped (node events by count)."""
    lost = 0
    with transaction(db):
        for stream in STREAMS:
            after = m.of(stream)
            n = int(
                db.execute(f"SELECT count(*) FROM {stream} WHERE id > ?", (after,)).fetchone()[0]
            )
            if n == 0:
                continue
            row = db.execute(
                f"SELECT id FROM {stream} WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
                (after, max(0, int(n * share) - 1)),
            ).fetchone()
            upto = int(row[0])
            if stream == "node_event_chunks":
                lost += int(db.execute("SELECT coalesce(sum(count), 0) FROM node_event_chunks WHERE id > ? AND id <= ?",
                                       (after, upto)).fetchone()[0])  # fmt: skip
                db.execute("DELETE FROM node_event_chunks WHERE id > ? AND id <= ?", (after, upto))
                continue
            keep = f" AND id NOT IN ({_NEWEST})" if stream == "revisions" else ""
            before = db.total_changes
            db.execute(f"DELETE FROM {stream} WHERE id > ? AND id <= ?{keep}", (after, upto))
            lost += db.total_changes - before
        delete_orphans(db)
    return lost


# -- status rows ---------------------------------------------------------------------


@dataclass
class ShippingStatus:
    cluster: str
    peer: str
    role: str
    state: str
    pending: int = 0
    spool_bytes: int = 0
    shipped: int = 0
    lost: int = 0
    batches: int = 0
    errors: int = 0
    last_error: str = ""
    last_ok_at: int | None = None
    newest_at: int | None = None
    updated_at: int = 0


_COLUMNS = "cluster, peer, role, state, pending, spool_bytes, shipped, lost, batches, errors, last_error, last_ok_at, newest_at, updated_at"


def save_status(db: Connection, s: ShippingStatus) -> None:
    names = _COLUMNS.split(", ")
    with transaction(db):
        db.execute(
            f"INSERT INTO shipping ({_COLUMNS}) VALUES ({', '.join('?' * len(names))}) "
            "ON CONFLICT (cluster, peer, role) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in names[3:]),
            [getattr(s, c) for c in names],
        )


def received(db: Connection, cluster: str, records: int, newest: int | None, now: int) -> None:
    """The receiver's row: one more delivery from ``cluster``."""
    with transaction(db):
        db.execute(
            f"INSERT INTO shipping ({_COLUMNS}) VALUES (?, 'ingest', 'receiver', 'receiving', 0, 0, ?, 0, 1, 0, '', ?, ?, ?) "
            "ON CONFLICT (cluster, peer, role) DO UPDATE SET shipped = shipping.shipped + excluded.shipped, "
            "batches = shipping.batches + 1, last_ok_at = excluded.last_ok_at, updated_at = excluded.updated_at, "
            "newest_at = CASE WHEN excluded.newest_at IS NULL OR (shipping.newest_at IS NOT NULL AND "
            "shipping.newest_at > excluded.newest_at) THEN shipping.newest_at ELSE excluded.newest_at END",
            (cluster, records, now, newest, now),
        )


def load_status(db: Connection, cluster: str | None = None) -> list[ShippingStatus]:
    sql, params = f"SELECT {_COLUMNS} FROM shipping", []
    if cluster:
        sql += " WHERE cluster = ?"
        params.append(cluster)
    return [
        ShippingStatus(*row) for row in db.execute(sql + " ORDER BY cluster, role, peer", params)
    ]
