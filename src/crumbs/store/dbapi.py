"""The connection interface every module of the store is written against: the subset of
:mod:`sqlite3`'s DB-API it uses. :class:`sqlite3.Connection` is one; the PostgreSQL adapter
(:class:`crumbs.store.postgres.PgConnection`) is the other."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    @property
    def total_changes(self) -> int: ...

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...

    def close(self) -> None: ...


def is_postgres(db: Connection) -> bool:
    return getattr(db, "dialect", "sqlite") == "postgresql"


def ensure_partitions(db: Connection, times: Iterable[int]) -> None:
    """Where revisions are partitioned by time (PostgreSQL), the partitions these times need."""
    ensure = getattr(db, "ensure_partitions", None)
    if ensure is not None:
        ensure(times)
