"""The trail store: an embedded, append-only SQLite timeline of object revisions.

    store = Store.open("crumbs.db")
    with store.writer() as w:
        for record in read_paths(["dump/"]):
            w.add(record)
    store.queries.history(Selector(kinds=[("apps", "Deployment")], name="billing"))

Nothing outside this package touches SQL.
"""

from __future__ import annotations

import sqlite3

from crumbs.contract import ClusterFacts
from crumbs.keys import host_key, key_id
from crumbs.redaction import Redactor
from crumbs.store import facts
from crumbs.store.activity import ActivityQueries, ActivityWriter
from crumbs.store.codec import Decoder, RedactingDecoder
from crumbs.store.connection import open_database, record_key_id
from crumbs.store.location import sqlite_path
from crumbs.store.queries import Queries, Selector
from crumbs.store.writer import Writer, WriteStats

__all__ = ["Queries", "Selector", "Store", "WriteStats", "Writer"]


def _no_key() -> None:
    return None


class Store:
    def __init__(
        self, path: str, db: sqlite3.Connection, readonly: bool, redactor: Redactor | None = None
    ) -> None:
        self.path = path
        self.db = db
        self.readonly = readonly
        self.redactor = redactor
        """Set: every document, Event message and Helm release read back is redacted (the
        store as the copilot, MCP and HTTP clients see it)."""
        decoder = Decoder(db) if redactor is None else RedactingDecoder(db, redactor.document)
        self.queries = Queries(db, decoder, redactor.text if redactor else None)
        self.activity = ActivityQueries(db)

    @classmethod
    def open(
        cls,
        path: str,
        create: bool = True,
        readonly: bool = False,
        redactor: Redactor | None = None,
    ) -> Store:
        path = sqlite_path(path)
        return cls(path, open_database(path, create=create, readonly=readonly), readonly, redactor)

    def writer(self, secret_digests: bool = True, **options: object) -> Writer:
        """The store's writer (it opens connections of its own).

        ``secret_digests``: Secret values are kept as digests keyed with the host key
        (:mod:`crumbs.keys`); False keeps their keys only.
        """
        return Writer(self.path, self._key if secret_digests else _no_key, **options)  # type: ignore[arg-type]

    def _key(self) -> bytes:
        """The host key, recorded by id in the store the first time it is used for it."""
        key = host_key()
        if not self.readonly:
            record_key_id(self.db, key_id(key))
        return key

    def facts_stamp(self) -> str:
        """What a cluster's stored facts depend on (the newest revision and release ids)."""
        return facts.stamp(self.db)

    def stored_facts(self, cluster: str, stamp: str) -> ClusterFacts | None:
        """A cluster's facts as kept, if computed at ``stamp`` (else None)."""
        return facts.read(self.db, cluster, stamp)

    def keep_facts(self, cluster: str, stamp: str, at: int, value: ClusterFacts) -> bool:
        """Keep a cluster's facts (not in a read-only store: False)."""
        return not self.readonly and facts.write(self.db, cluster, stamp, at, value)

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
