"""The trail store: an append-only timeline of object revisions, in an embedded SQLite file or
a PostgreSQL database (:mod:`crumbs.store.postgres`).

    store = Store.open("crumbs.db")
    with store.writer() as w:
        for record in read_paths(["dump/"]):
            w.add(record)
    store.queries.history(Selector(kinds=[("apps", "Deployment")], name="billing"))

Nothing outside this package touches SQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from crumbs.contract import ClusterFacts
from crumbs.keys import host_key, key_id
from crumbs.redaction import Redactor
from crumbs.store import facts
from crumbs.store.activity import DEFAULT_RETAIN, ActivityQueries, ActivityWriter
from crumbs.store.codec import Decoder, RedactingDecoder
from crumbs.store.connection import open_database, record_key_id
from crumbs.store.copy import Copied, copy_tables
from crumbs.store.dbapi import Connection
from crumbs.store.location import Location, locate
from crumbs.store.queries import Queries, Selector
from crumbs.store.retention import Pruned, prune
from crumbs.store.writer import Writer, WriteStats

__all__ = ["Queries", "Selector", "Store", "WriteStats", "Writer"]


def _no_key() -> None:
    return None


class Store:
    def __init__(
        self, location: Location, db: Connection, readonly: bool, redactor: Redactor | None = None
    ) -> None:
        self.location = location
        self.path = location.target
        """Where it is, as :meth:`open` takes it again (a PostgreSQL URL with its credentials)."""
        self.shown = location.shown
        """Where it is, as it may be printed (a URL's password masked)."""
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
        where = locate(path)
        return cls(
            where, open_database(where, create=create, readonly=readonly), readonly, redactor
        )

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
        self, cluster: str = "default", retain: int | None = None, max_age: int | None = None
    ) -> ActivityWriter:
        """A writer of node events (a connection of its own); ``retain`` events of the cluster at
        most, none older than ``max_age`` ns."""
        return ActivityWriter(
            self.path, cluster, DEFAULT_RETAIN if retain is None else retain, max_age
        )

    def copy_into(
        self, other: Store, progress: Callable[[str, int], None] | None = None
    ) -> list[Copied]:
        """Copy every table into the empty store ``other`` (any backend) and verify it."""
        return copy_tables(self.db, other.db, progress)

    def prune(self, before: int) -> Pruned:
        """Forget the history before ``before`` (ns), keeping each object's state then
        (:mod:`crumbs.store.retention`)."""
        return prune(self.db, before)

    def size(self) -> int:
        """Bytes the store takes (the file and its WAL; the PostgreSQL database's size)."""
        size = getattr(self.db, "size", None)
        if size is not None:
            return int(size())
        return sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
