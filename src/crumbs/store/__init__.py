"""The trail store: an embedded, append-only SQLite timeline of object revisions.

    store = Store.open("crumbs.db")
    with store.writer() as w:
        for record in read_paths(["dump/"]):
            w.add(record)
    store.queries.history(Selector(kinds=[("apps", "Deployment")], name="billing"))

Nothing outside this package touches SQL.
"""

from __future__ import annotations

import os
import sqlite3

from crumbs.store.activity import ActivityQueries, ActivityWriter
from crumbs.store.codec import Decoder
from crumbs.store.connection import open_database
from crumbs.store.queries import Queries, Selector
from crumbs.store.writer import Writer, WriteStats

__all__ = ["Queries", "Selector", "Store", "WriteStats", "Writer"]


class Store:
    def __init__(self, path: str, db: sqlite3.Connection, readonly: bool) -> None:
        self.path = path
        self.db = db
        self.readonly = readonly
        self.salt: bytes = db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
        self.queries = Queries(db, Decoder(db))
        self.activity = ActivityQueries(db)

    @classmethod
    def open(cls, path: str, create: bool = True, readonly: bool = False) -> Store:
        path = os.path.abspath(os.path.expanduser(path))
        return cls(path, open_database(path, create=create, readonly=readonly), readonly)

    def writer(self, **options: object) -> Writer:
        """The store's writer (it opens connections of its own)."""
        return Writer(self.path, self.salt, **options)  # type: ignore[arg-type]

    def activity_writer(
        self, cluster: str = "default", retain: int | None = None
    ) -> ActivityWriter:
        """A writer of node events (a connection of its own)."""
        if retain is None:
            return ActivityWriter(self.path, cluster)
        return ActivityWriter(self.path, cluster, retain)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
