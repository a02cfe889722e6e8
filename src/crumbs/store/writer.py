"""The one writer: revisions and events into the store, in whole batches.

Each :meth:`Writer.flush` is one ``BEGIN IMMEDIATE`` transaction: a batch is
stored whole or not at all, whatever happens to the process. Within a batch:

1. Secrets are redacted (the secrets rule), documents canonicalised and digested.
2. A revision whose document equals its object's previous revision (the one at
   or before its ``at``) is dropped: re-ingesting the same data adds nothing.
3. New documents are compressed (with a dictionary once the store has trained
   one) and written once per digest; revisions point at them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from crumbs.errors import StoreError
from crumbs.formats.documents import DEFAULT_MAX_DOCUMENT
from crumbs.model import Event, ObjectKey, Problem, Revision, RevisionType
from crumbs.secrets import redact_secret
from crumbs.store.codec import Encoder, canonical, digest
from crumbs.timeutil import now_ns

_DELETED = int(RevisionType.DELETED)
_CACHE_LIMIT = 500_000

Latest = tuple[int, bytes, int]
"""An object's newest known revision: (at, blob digest, type)."""


@dataclass
class WriteStats:
    revisions: int = 0
    """Revisions stored."""
    unchanged: int = 0
    """Revisions dropped because their object already had that document then."""
    events: int = 0
    """Events stored (an event seen again is not counted)."""
    problems: list[Problem] = field(default_factory=list)


class Writer:
    """Buffers records and writes them in batches; use as a context manager."""

    def __init__(
        self,
        db: sqlite3.Connection,
        salt: bytes,
        batch_size: int = 5000,
        ingest_time: int | None = None,
        max_document: int = DEFAULT_MAX_DOCUMENT,
    ) -> None:
        self._db = db
        self._salt = salt
        self.batch_size = batch_size
        self.ingest_time = ingest_time if ingest_time is not None else now_ns()
        self._max_document = max_document
        self._pending: list[Revision | Event] = []
        self._encoder = Encoder(db)
        self._clusters: dict[str, int] = {}
        self._objects: dict[tuple[str, str, str, str, str, str], int] = {}
        self._latest: dict[int, Latest | None] = {}
        self._blobs: set[bytes] = set()
        self.stats = WriteStats()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.flush()
            else:
                self._pending.clear()
        finally:
            self.close()

    def close(self) -> None:
        """Close the writer's connection; what was not flushed is dropped."""
        self._pending.clear()
        self._db.close()

    def add(self, record: Revision | Event) -> None:
        self._pending.append(record)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def discard(self) -> None:
        """Forget what was added since the last flush."""
        self._pending.clear()

    def flush(self) -> None:
        """Write everything pending as one transaction."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"cannot write to the store: {err}") from None
        stats_before = (self.stats.revisions, self.stats.unchanged, self.stats.events, len(self.stats.problems))
        try:
            self._write(batch)
            db.execute("COMMIT")
        except BaseException as err:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._forget(stats_before)
            if isinstance(err, sqlite3.Error):
                raise StoreError(f"cannot write to the store: {err}") from None
            raise

    def _forget(self, stats_before: tuple[int, int, int, int]) -> None:
        """After a rollback nothing cached from the batch can be trusted."""
        self._objects.clear()
        self._latest.clear()
        self._clusters.clear()
        self._blobs.clear()
        self._encoder = Encoder(self._db)
        s = self.stats
        s.revisions, s.unchanged, s.events = stats_before[:3]
        del s.problems[stats_before[3] :]

    # -- the batch -----------------------------------------------------------

    def _write(self, batch: list[Revision | Event]) -> None:
        new_blobs: list[tuple[bytes, bytes]] = []  # (digest, canonical bytes)
        revisions: list[tuple[int, int, int, bytes]] = []
        events: list[tuple[object, ...]] = []
        salt, max_doc, encoder = self._salt, self._max_document, self._encoder
        blobs = self._blobs
        for rec in batch:
            if isinstance(rec, Event):
                events.append(self._event_row(rec))
                continue
            doc = rec.doc
            if doc.get("kind") == "Secret":
                doc = redact_secret(doc, salt)
            data = canonical(doc)
            if len(data) > max_doc:
                self.stats.problems.append(
                    Problem(rec.where, f"object of {len(data) / 1e6:.1f} MB exceeds the {max_doc / 1e6:.1f} MB limit")
                )
                continue
            d = digest(data)
            oid = self._object_id(rec.key, rec.uid)
            dated = rec.at is not None
            at = rec.at if dated else self.ingest_time
            latest = self._latest_of(oid)
            if latest is None or (at > latest[0] and (dated or latest[1] == d)):
                prev, in_order = latest, True
            else:
                # Out of order, or undated: ask the database, after writing the batch so far.
                self._insert(new_blobs, revisions)
                new_blobs, revisions = [], []
                if self._has(oid, d, at if dated else None):
                    self.stats.unchanged += 1
                    continue
                in_order = at >= latest[0]
                prev = latest if in_order else self._previous(oid, at)
            rtype = int(rec.type) if rec.type is not None else (RevisionType.MODIFIED if prev else RevisionType.ADDED)
            if prev is not None and prev[1] == d and (prev[2] == _DELETED) == (rtype == _DELETED):
                self.stats.unchanged += 1
                continue
            if d not in blobs:
                blobs.add(d)
                new_blobs.append((d, data))
                encoder.observe(data)
            revisions.append((oid, at, rtype, d))
            if in_order:
                self._latest[oid] = (at, d, rtype)
        if encoder.due():
            encoder.train()
        self._insert(new_blobs, revisions)
        if events:
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO events (object, at, type, reason, message, count, source, first_at, digest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                events,
            )
            self.stats.events += self._db.total_changes - before
        if len(self._latest) > _CACHE_LIMIT or len(blobs) > _CACHE_LIMIT:
            self._latest.clear()
            self._objects.clear()
            blobs.clear()

    def _insert(self, new_blobs: list[tuple[bytes, bytes]], revisions: list[tuple[int, int, int, bytes]]) -> None:
        if new_blobs:
            enc = self._encoder
            dict_id = enc.dict_id
            self._db.executemany(
                "INSERT OR IGNORE INTO blobs (digest, dict, size, data) VALUES (?, ?, ?, ?)",
                [(d, dict_id, len(data), enc.compress(data)) for d, data in new_blobs],
            )
        if revisions:
            self._db.executemany("INSERT INTO revisions (object, at, type, blob) VALUES (?, ?, ?, ?)", revisions)
            self.stats.revisions += len(revisions)

    def _event_row(self, ev: Event) -> tuple[object, ...]:
        oid = self._object_id(ev.key, ev.uid)
        at = ev.at if ev.at is not None else self.ingest_time
        # An undated event seen again is the same event: its identity leaves ingest time out.
        when = str(ev.at) if ev.at is not None else ""
        ident = "\0".join((ev.key.cluster, ev.event_uid, str(ev.count), when, ev.reason, ev.message))
        return (oid, at, ev.type, ev.reason, ev.message, ev.count, ev.source, ev.first_at, digest(ident.encode("utf-8", "surrogatepass")))

    # -- identity and history ------------------------------------------------

    def _cluster_id(self, name: str) -> int:
        cid = self._clusters.get(name)
        if cid is None:
            self._db.execute("INSERT OR IGNORE INTO clusters (name) VALUES (?)", (name,))
            cid = self._db.execute("SELECT id FROM clusters WHERE name = ?", (name,)).fetchone()[0]
            self._clusters[name] = cid
        return cid

    def _object_id(self, key: ObjectKey, uid: str) -> int:
        k = (key.cluster, key.group, key.kind, key.namespace, key.name, uid)
        oid = self._objects.get(k)
        if oid is not None:
            return oid
        cid = self._cluster_id(key.cluster)
        row = self._db.execute(
            "SELECT id FROM objects WHERE cluster = ? AND grp = ? AND kind = ? AND namespace = ? AND name = ? AND uid = ?",
            (cid, *k[1:]),
        ).fetchone()
        if row is None:
            cur = self._db.execute(
                "INSERT INTO objects (cluster, grp, kind, namespace, name, uid) VALUES (?, ?, ?, ?, ?, ?)", (cid, *k[1:])
            )
            oid = cur.lastrowid
            assert oid is not None
            self._latest[oid] = None
        else:
            oid = row[0]
        self._objects[k] = oid
        return oid

    def _latest_of(self, oid: int) -> Latest | None:
        if oid in self._latest:
            return self._latest[oid]
        row = self._db.execute(
            "SELECT at, blob, type FROM revisions WHERE object = ? ORDER BY at DESC, id DESC LIMIT 1", (oid,)
        ).fetchone()
        latest = (row[0], row[1], row[2]) if row else None
        self._latest[oid] = latest
        return latest

    def _has(self, oid: int, blob: bytes, at: int | None) -> bool:
        """Whether the object holds this document (at exactly ``at``, if given)."""
        if at is None:
            sql, params = "SELECT 1 FROM revisions WHERE object = ? AND blob = ? LIMIT 1", (oid, blob)
        else:
            sql, params = "SELECT 1 FROM revisions WHERE object = ? AND at = ? AND blob = ? LIMIT 1", (oid, at, blob)  # type: ignore[assignment]
        return self._db.execute(sql, params).fetchone() is not None

    def _previous(self, oid: int, at: int) -> Latest | None:
        row = self._db.execute(
            "SELECT at, blob, type FROM revisions WHERE object = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
            (oid, at),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None
