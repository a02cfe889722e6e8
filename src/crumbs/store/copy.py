"""Copying a whole store between backends (SQLite ⇄ PostgreSQL), verified.

Every table is copied row for row with its keys (a citation ``[R123]`` names the same revision
in the copy), in key order, in transactions of :data:`BATCH` rows, read by keyset so neither
side holds more than a batch. The destination must be an empty store (it is created and
migrated to the same schema first). Then each table is read again on both sides and compared
by row count and a digest of its rows (order-independent): a copy that does not verify is reported,
never silently accepted.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crumbs.errors import StoreError
from crumbs.store.dbapi import Connection, ensure_partitions, is_postgres
from crumbs.store.transaction import transaction

BATCH = 5000


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    identity: bool = False
    """Its ``id`` is generated: PostgreSQL's sequence is moved past the copied ids."""


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TABLES: tuple[Table, ...] = (
    Table("meta", _cols("key value"), ("key",)),
    Table("clusters", _cols("id name"), ("id",), True),
    Table("objects", _cols("id cluster grp kind namespace name uid"), ("id",), True),
    Table("dictionaries", _cols("id data"), ("id",), True),
    Table("blobs", _cols("digest dict size data"), ("digest",)),
    Table("revisions", _cols("id object at type blob origin"), ("id",), True),
    Table(
        "events",
        _cols("id object at type reason message count source first_at digest"),
        ("id",),
        True,
    ),  # fmt: skip
    Table(
        "releases",
        _cols(
            "id cluster namespace name revision status chart chart_version app_version at first_deployed description storage blob"
        ),
        ("id",),
        True,
    ),  # fmt: skip
    Table(
        "audit",
        _cols(
            'id object at verb "user" groups source_ips user_agent code subresource resource_version audit_id'
        ),
        ("id",),
        True,
    ),  # fmt: skip
    Table(
        "watch_status",
        _cols(
            "cluster resource kind state resource_version last_event_at last_contact_at events lists errors last_error updated_at resume_version resume_selector"
        ),
        ("cluster", "resource"),
    ),  # fmt: skip
    Table(
        "traces",
        _cols(
            "id started_at question mode model params system_hash store_at answer status error tokens_in tokens_out cost latency_ms replay_of"
        ),
        ("id",),
        True,
    ),  # fmt: skip
    Table("trace_steps", _cols("trace n kind name payload tokens latency_ms"), ("trace", "n")),
    Table("node_event_chunks", _cols("id cluster first_at last_at count data"), ("id",), True),
    Table(
        "node_rollups",
        _cols("cluster minute node type namespace pod subject result count first_at last_at"),
        ("cluster", "minute", "node", "type", "namespace", "pod", "subject", "result"),
    ),  # fmt: skip
    Table(
        "logs",
        _cols(
            "id cluster namespace pod container previous first_at last_at observed_at lines raw_bytes source digest data pod_uid restarts"
        ),
        ("id",),
        True,
    ),  # fmt: skip
    Table("cluster_facts", _cols("cluster stamp at facts"), ("cluster",)),
    Table(
        "investigations",
        _cols(
            "id fingerprint alertname status severity cluster namespace starts_at ends_at received_at source outcome headline result trace"
        ),
        ("id",),
        True,
    ),  # fmt: skip
    Table(
        "notifications",
        _cols("id investigation destination kind state attempts at error thread latency_ms"),
        ("id",),
        True,
    ),  # fmt: skip
    Table(
        "shipping",
        _cols(
            "cluster peer role state pending spool_bytes shipped lost batches errors last_error last_ok_at newest_at updated_at"
        ),
        ("cluster", "peer", "role"),
    ),
)


@dataclass
class Copied:
    table: str
    rows: int
    digest: str


def rows_of(db: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    """The table's rows in key order, a batch at a time (keyset: ``(key) > (last)``)."""
    cols = ", ".join(table.columns)
    key = ", ".join(table.key)
    positions = [table.columns.index(k) for k in table.key]
    last: Sequence[Any] | None = None
    while True:
        if last is None:
            sql, params = f"SELECT {cols} FROM {table.name} ORDER BY {key} LIMIT ?", [BATCH]
        else:
            marks = ", ".join("?" * len(last))
            sql = (
                f"SELECT {cols} FROM {table.name} WHERE ({key}) > ({marks}) ORDER BY {key} LIMIT ?"
            )
            params = [*last, BATCH]
        batch = db.execute(sql, params).fetchall()
        yield from (tuple(r) for r in batch)
        if len(batch) < BATCH:
            return
        last = [batch[-1][i] for i in positions]


def _canonical(value: Any) -> bytes:
    """One encoding of a value, whichever backend returned it (meta's values are text on PostgreSQL)."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"I" + str(value).encode()
    if isinstance(value, float):
        return b"F" + struct.pack(">d", value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return b"B" + struct.pack(">Q", len(data)) + data
    text = str(value).encode("utf-8", "surrogatepass")
    return b"S" + struct.pack(">Q", len(text)) + text


def table_digest(db: Connection, table: Table) -> tuple[int, str]:
    """(rows, digest of the rows): the sum of each row's SHA-256 modulo 2**256, so the order
    the backends sort text keys in (their collations differ) does not matter."""
    total, n = 0, 0
    for row in rows_of(db, table):
        h = hashlib.sha256()
        for v in row:
            h.update(_canonical(v))
        total += int.from_bytes(h.digest(), "big")
        n += 1
    return n, f"{total % 2**256:064x}"


def _is_empty(db: Connection) -> bool:
    return all(
        db.execute(f"SELECT 1 FROM {t.name} LIMIT 1").fetchone() is None
        for t in TABLES
        if t.name != "meta"
    )


def copy_tables(
    src: Connection,
    dst: Connection,
    progress: Callable[[str, int], None] | None = None,
) -> list[Copied]:
    """Copy every table of ``src`` into the empty store ``dst``, then verify both sides."""
    if not _is_empty(dst):
        raise StoreError("the destination store is not empty: copy into a new one")
    to_pg = is_postgres(dst)
    for table in TABLES:
        if table.name == "meta":
            dst.execute("DELETE FROM meta WHERE key = 'created_at'")  # the source's is kept
        pending: list[tuple[Any, ...]] = []
        done = 0
        for row in rows_of(src, table):
            pending.append((row[0], str(row[1])) if table.name == "meta" and to_pg else row)
            if len(pending) >= BATCH:
                done += _insert(dst, table, pending, progress, done)
                pending = []
        _insert(dst, table, pending, progress, done)
        if to_pg and table.identity:
            dst.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
            )
    if to_pg:
        dst.execute("UPDATE write_clock SET n = n + 1 WHERE id = 1")
    return verify(src, dst)


def _insert(
    dst: Connection,
    table: Table,
    rows: list[tuple[Any, ...]],
    progress: Callable[[str, int], None] | None,
    done: int,
) -> int:
    """One transaction of rows; how many."""
    if not rows:
        return 0
    cols, marks = ", ".join(table.columns), ", ".join("?" * len(table.columns))
    conflict = " ON CONFLICT DO NOTHING" if table.name == "meta" else ""
    with transaction(dst):
        if table.name == "revisions":
            ensure_partitions(dst, (r[2] for r in rows))
        dst.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks}){conflict}", rows)
    if progress is not None:
        progress(table.name, done + len(rows))
    return len(rows)


def verify(src: Connection, dst: Connection) -> list[Copied]:
    """Row counts and digests of every table, compared; StoreError naming the first that differs."""
    out = []
    for table in TABLES:
        if table.name == "meta":
            continue  # created_at is the destination's own
        n_src, d_src = table_digest(src, table)
        n_dst, d_dst = table_digest(dst, table)
        if (n_src, d_src) != (n_dst, d_dst):
            raise StoreError(
                f"the copy does not verify: table {table.name} has {n_src:,} rows "
                f"(sha256 {d_src[:16]}…) in the source, {n_dst:,} ({d_dst[:16]}…) in the copy"
            )
        out.append(Copied(table.name, n_src, d_src))
    return out
