"""One way to write: ``with transaction(db):`` is ``BEGIN IMMEDIATE`` … ``COMMIT``, and a
``ROLLBACK`` on any error (KeyboardInterrupt included), so no failure leaves a transaction open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crumbs.store.dbapi import Connection


@contextmanager
def transaction(db: Connection) -> Iterator[Connection]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
