"""PostgreSQL behind the store's one connection interface (psycopg 3 and its pool, confined here).

The store's modules speak the subset of Python's DB-API that :mod:`sqlite3` offers
(``execute`` with ``?`` parameters, ``executemany``, ``fetchone``/``fetchall``/iteration,
``total_changes``, ``in_transaction``) in SQL both databases understand (``ON CONFLICT``,
``RETURNING``, ``TRUE``/``FALSE``, quoted ``"user"``). :class:`PgConnection` gives that
interface over a pooled psycopg connection in autocommit mode:

- ``?`` placeholders become ``%s`` (literal ``%`` doubled), translated once per statement;
- ``BEGIN IMMEDIATE`` (SQLite's "one writer at a time") is ``BEGIN`` plus a transaction-level
  advisory lock, so writers serialise exactly as they do on SQLite, whatever the number of
  processes or machines writing;
- ``PRAGMA data_version`` (SQLite's "did another connection commit?") is read from a write
  counter each write transaction increments;
- errors are raised as :mod:`sqlite3`'s exception classes (``OperationalError`` for a
  read-only store or a lost server, ``IntegrityError`` for constraints), so the store's error
  handling is one.

Revisions are partitioned by month of ``at`` (declarative range partitioning); the batch
writer asks for the partitions a batch needs before inserting (:meth:`ensure_partitions`), and
retention drops whole partitions (:func:`drop_partitions_before`).
"""

from __future__ import annotations

import atexit
import datetime
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg
import psycopg.errors
import psycopg_pool
from psycopg import pq

from crumbs.errors import StoreError
from crumbs.store.location import masked_url

WRITE_LOCK = 0x43524D42  # "CRMB": the advisory lock every write transaction holds
MIGRATION_LOCK = 0x43524D43
POOL_MAX = 16
_PLACEHOLDER = re.compile(r"'[^']*'|%|\?")
_WRITES = ("INSERT", "UPDATE", "DELETE")


def _clean(params: Sequence[Any] | None) -> Sequence[Any] | None:
    """PostgreSQL's text holds no NUL character (SQLite's does): one in cluster text becomes U+FFFD."""
    if params is None:
        return None
    for value in params:
        if type(value) is str and "\x00" in value:
            return [v.replace("\x00", "\ufffd") if type(v) is str else v for v in params]
    return params


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (``%`` doubled; string literals kept)."""

    def swap(m: re.Match[str]) -> str:
        text = m.group(0)
        return "%s" if text == "?" else "%%" if text == "%" else text

    return _PLACEHOLDER.sub(swap, sql)


def _as_sqlite_error(err: psycopg.Error, where: str) -> sqlite3.Error:
    text = (
        f"{where}: {str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}"
    )
    if isinstance(err, psycopg.errors.DiskFull):
        return sqlite3.OperationalError(f"database or disk is full ({text})")
    if isinstance(err, psycopg.errors.LockNotAvailable):
        return sqlite3.OperationalError(f"database is locked ({text})")
    if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
        return sqlite3.OperationalError(f"attempt to write a readonly database ({text})")
    if isinstance(err, psycopg.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(err, psycopg.OperationalError | psycopg.InterfaceError):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)


class PgCursor:
    """What an ``execute`` returns: rows read at once (psycopg's client-side cursor does too)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[Any]:
        rows, self._rows = self._rows, []
        return iter(rows)


class PgConnection:
    """A pooled psycopg connection with :class:`sqlite3.Connection`'s interface (see the module)."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any], pool: psycopg_pool.ConnectionPool, where: str) -> None:  # fmt: skip
        self._conn = conn
        self._pool: psycopg_pool.ConnectionPool | None = pool
        self.where = where
        self.total_changes = 0
        self._version = 0
        self._own_writes = 0
        self._partitions: set[str] | None = None
        self._clock = False
        self._base: int | None = None

    # -- sqlite3.Connection's interface---------------------------------

    @property
    def broken(self) -> bool:
        """The server is gone (restarted, the link dropped): this connection is done for."""
        return bool(self._conn.closed or self._conn.broken)

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        special = sql.strip()
        if special == "BEGIN IMMEDIATE":
            return self._begin_write()
        if special == "PRAGMA data_version":
            return PgCursor([(self._version,)], -1)
        try:
            cur = self._conn.execute(translate(sql), _clean(params))
            rows = cur.fetchall() if cur.description is not None else []
        except psycopg.Error as err:
            raise _as_sqlite_error(err, self.where) from None
        if cur.rowcount > 0 and special[:6].upper() in _WRITES:
            self.total_changes += cur.rowcount
        return PgCursor(rows, cur.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        rows = list(rows)
        if not rows:
            return PgCursor([], 0)
        try:
            with self._conn.cursor() as cur:
                cur.executemany(translate(sql), [_clean(r) or () for r in rows])
                count = cur.rowcount
        except psycopg.Error as err:
            raise _as_sqlite_error(err, self.where) from None
        if count > 0:
            self.total_changes += count
        return PgCursor([], count)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.putconn(self._conn)  # the pool rolls back what is left open

    # -- what PostgreSQL adds ------------------------------------------------

    def _begin_write(self) -> PgCursor:
        """``BEGIN`` and the write lock; the write counter says whether another writer committed
        since this connection's last write (SQLite's ``data_version``)."""
        try:
            self._conn.execute("BEGIN")
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if not self._clock:  # a store being created has none yet
                self._clock = self._conn.execute(
                    "SELECT to_regclass('write_clock') IS NOT NULL"
                ).fetchone() == (True,)
            row = (
                self._conn.execute(
                    "UPDATE write_clock SET n = n + 1 WHERE id = 1 RETURNING n"
                ).fetchone()
                if self._clock
                else None
            )
        except psycopg.Error as err:
            if self.in_transaction:
                self._conn.execute("ROLLBACK")
            raise _as_sqlite_error(err, self.where) from None
        n = int(row[0]) if row else 0
        self._version = n - 1 - self._own_writes
        self._own_writes += 1
        return PgCursor([], -1)

    def ensure_partitions(self, times: Iterable[int]) -> None:
        """The monthly partitions of ``revisions`` these times (ns) fall in, created if missing
        (inside the caller's write transaction: another writer waits on the lock)."""
        if self._partitions is None:
            self._partitions = set(_partition_names(self))
            self._base = base_cut(self)
        for start, end, name in {_month(t) for t in times}:
            if name in self._partitions or (self._base is not None and start < self._base):
                continue  # there, or within what a prune kept in revisions_before
            lower = "MINVALUE" if start <= _FIRST else str(start)
            upper = "MAXVALUE" if end >= _LAST else str(end)
            self.execute(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF revisions "
                f"FOR VALUES FROM ({lower}) TO ({upper})"
            )
            self._partitions.add(name)

    def forget_partitions(self) -> None:
        self._partitions = None

    def size(self) -> int:
        return int(self.execute("SELECT pg_database_size(current_database())").fetchone()[0])


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_LAST = 2**63 - 1
_FIRST = -(2**63)


def _ns(day: datetime.datetime) -> int:
    return (day - _EPOCH) // datetime.timedelta(microseconds=1) * 1000


def _bounds(year: int, month: int) -> tuple[int, int, str]:
    """A month's bounds in ns (the last month ends where 64-bit nanoseconds do) and its partition's name."""
    first = datetime.datetime(year, month, 1, tzinfo=datetime.UTC)
    if (year, month) == (9999, 12):
        return _ns(first), _LAST, "revisions_9999_12"
    following = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=datetime.UTC)
    return _ns(first), min(_ns(following), _LAST), f"revisions_{year:04d}_{month:02d}"


def _month(at: int) -> tuple[int, int, str]:
    """The month holding ``at`` (ns since the epoch; the store's times are in 1678…2262)."""
    day = _EPOCH + datetime.timedelta(microseconds=at // 1000)
    return _bounds(day.year, day.month)


def _partition_names(db: PgConnection) -> list[str]:
    rows = db.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'revisions'"
    ).fetchall()
    return [r[0] for r in rows]


BASE = "revisions_before"


def base_cut(db: PgConnection) -> int | None:
    """Where ``revisions_before`` (what earlier prunes kept) ends, if there is one."""
    row = db.execute("SELECT value FROM meta WHERE key = 'revisions_before'").fetchone()
    return int(row[0]) if row else None


def compact_before(
    db: PgConnection, before: int, survivors: str
) -> tuple[int, int, int, list[str]]:
    """Inside the caller's write transaction: the months wholly before ``before`` (and an earlier
    prune's ``revisions_before``) become one ``revisions_before`` holding only the survivors
    (``survivors``: SQL of their ids, one parameter, the cut). Returns (cut, revisions forgotten,
    revisions kept, partitions dropped)."""
    cut = _month(before)[0]
    old = base_cut(db)
    if old is not None and cut <= old:
        return old, 0, 0, []
    doomed = [BASE] if old is not None else []
    for name in sorted(_partition_names(db)):
        m = re.fullmatch(r"revisions_(\d{4})_(\d{2})", name)
        if m and _bounds(int(m[1]), int(m[2]))[1] <= cut:
            doomed.append(name)
    total = int(db.execute("SELECT count(*) FROM revisions WHERE at < ?", (cut,)).fetchone()[0])
    db.execute(f"CREATE TABLE {BASE}_new (LIKE revisions INCLUDING DEFAULTS)")
    kept = db.execute(
        f"INSERT INTO {BASE}_new (id, object, at, type, blob, origin) SELECT id, object, at, type, blob, origin "
        f"FROM revisions WHERE at < ? AND id IN ({survivors})",
        (cut, cut),
    ).rowcount
    for name in doomed:
        db.execute(f"ALTER TABLE revisions DETACH PARTITION {name}")
        db.execute(f"DROP TABLE {name}")
    db.execute(f"ALTER TABLE {BASE}_new RENAME TO {BASE}")
    db.execute(
        f"ALTER TABLE revisions ATTACH PARTITION {BASE} FOR VALUES FROM (MINVALUE) TO ({cut})"
    )
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('revisions_before', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(cut),),
    )
    db.forget_partitions()
    return cut, total - max(kept, 0), max(kept, 0), [n for n in doomed if n != BASE]


# -- pools -------------------------------------------------------------------

_pools: dict[tuple[str, bool], psycopg_pool.ConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(url: str, readonly: bool) -> psycopg_pool.ConnectionPool:
    with _pools_lock:
        pool = _pools.get((url, readonly))
        if pool is None:
            # once, directly: a wrong address or password fails now with the server's reason
            # (the pool would retry until its timeout)
            psycopg.connect(url, connect_timeout=10).close()
            kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
            if readonly:
                kwargs["options"] = "-c default_transaction_read_only=on"
            pool = psycopg_pool.ConnectionPool(
                url, min_size=0, max_size=POOL_MAX, kwargs=kwargs, open=True, timeout=30,
                name=f"crumbs-{'ro' if readonly else 'rw'}", max_idle=60,
                check=psycopg_pool.ConnectionPool.check_connection,
            )  # fmt: skip
            _pools[(url, readonly)] = pool
        return pool


@atexit.register
def close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close(timeout=1)


def connect(url: str, readonly: bool = False, busy_timeout_ms: int = 30_000) -> PgConnection:
    """A connection from the pool of ``url`` (StoreError, one line, when the server cannot be
    reached); waiting at most ``busy_timeout_ms`` for another writer (SQLite's busy timeout)."""
    where = masked_url(url)
    try:
        pool = _pool(url, readonly)
        conn = pool.getconn()
    except psycopg_pool.PoolTimeout:
        raise StoreError(
            f"{where}: cannot connect to the PostgreSQL server (no connection within 30 s)"
        ) from None
    except psycopg.Error as err:
        raise StoreError(f"{where}: cannot connect: {str(err).strip().splitlines()[0]}") from None
    db = PgConnection(conn, pool, where)
    db.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
    return db


def lock_migrations(db: PgConnection) -> None:
    """Inside a transaction: one migrator at a time (the lock ends with the transaction)."""
    db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))


def table_exists(db: PgConnection, name: str) -> bool:
    return db.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0] is True
