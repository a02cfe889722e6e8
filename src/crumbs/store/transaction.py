"""One way to write: ``with transaction(db):`` is ``BEGIN IMMEDIATE`` … ``COMMIT``, and a
``ROLLBACK`` on any error (KeyboardInterrupt included), so no failure leaves a transaction open."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
