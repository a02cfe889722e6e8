"""Looking under a store in tests, on either backend: its raw connection, a table's columns,
and every byte it has written to disk."""

from __future__ import annotations

from pathlib import Path

from crumbs.store import Store
from crumbs.store.connection import connect
from crumbs.store.dbapi import Connection, is_postgres


def raw(location: str) -> Connection:
    """A plain connection to the store's database (``?`` parameters on both backends)."""
    return connect(location)


def columns(db: Connection, table: str) -> list[str]:
    if is_postgres(db):
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def disk_bytes(store: Store) -> bytes:
    """What the store put on disk: the SQLite file and its WAL, or (after a checkpoint) the
    PostgreSQL database's files and the server's WAL."""
    if not is_postgres(store.db):
        return b"".join(
            Path(p).read_bytes() for p in (store.path, store.path + "-wal") if Path(p).exists()
        )
    store.db.execute("CHECKPOINT")
    data = Path(store.db.execute("SHOW data_directory").fetchone()[0])
    oid = store.db.execute(
        "SELECT oid FROM pg_database WHERE datname = current_database()"
    ).fetchone()[0]
    files = [*(data / "base" / str(oid)).iterdir(), *(data / "pg_wal").glob("0*")]
    return b"".join(f.read_bytes() for f in files if f.is_file())
