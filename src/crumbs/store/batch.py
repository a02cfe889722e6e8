"""The transactional core of the writer: one batch, one ``BEGIN IMMEDIATE`` transaction.

Items are plain tuples (cheap to send to the writer process):

    ("r", cluster, group, kind, namespace, name, uid, at, type, canonical_json, digest, origin)
    ("b", digest, canonical_json)                                 a document alone (a snapshot's)
    ("e", cluster, group, kind, namespace, name, uid, at, type, reason, message, count, source, first_at, event_uid)
    ("l", cluster, namespace, pod, container, previous, first_at, last_at, observed_at, lines, raw_bytes, source, text, digest)

``at`` None means undated (ingest time is used); a revision ``type`` None means
a snapshot (ADDED for a new object, MODIFIED otherwise); ``canonical_json`` None
means its document came before, in a ``b`` item. Within a batch:

1. A revision whose document equals its object's previous revision (the one at
   or before its ``at``) is dropped: re-ingesting the same data adds nothing.
   An undated document already stored for its object is dropped too.
2. New documents are compressed (with a dictionary once the store has trained
   one) and written once per digest; revisions point at them.
"""

from __future__ import annotations

from typing import Any

from crumbs.model import (
    AuditRecord,
    Event,
    HelmRelease,
    LogChunk,
    ObjectKey,
    Revision,
    RevisionType,
)
from crumbs.store.codec import Encoder, digest, pack_text
from crumbs.store.dbapi import Connection, ensure_partitions, is_postgres
from crumbs.store.logretention import LogPolicy, prune_logs
from crumbs.store.transaction import transaction

_DELETED = int(RevisionType.DELETED)
_MODIFIED = int(RevisionType.MODIFIED)
_ADDED = int(RevisionType.ADDED)
_CACHE_LIMIT = 500_000
_NEWEST_SQLITE = (
    "SELECT o.id, r.at, r.blob, r.type FROM objects o JOIN revisions r ON r.object = o.id "
    "AND r.id = (SELECT id FROM revisions WHERE object = o.id ORDER BY at DESC, id DESC LIMIT 1) "
    "WHERE o.id IN (%s)"
)
_NEWEST_PG = (
    "SELECT o.id, r.at, r.blob, r.type FROM objects o CROSS JOIN LATERAL (SELECT at, blob, type FROM "
    "revisions WHERE object = o.id ORDER BY at DESC, id DESC LIMIT 1) r WHERE o.id IN (%s)"
)
"""Each object's newest revision by one index seek (SQLite: a correlated subquery; PostgreSQL:
``LATERAL``, which SQLite lacks): never a read of its whole history."""
_CHUNK = 150
"""Objects per prefetch query (6 parameters each: within SQLite's 999 of old builds)."""

Item = tuple[Any, ...]
ObjectFields = tuple[str, str, str, str, str, str]
"""(cluster, group, kind, namespace, name, uid): items[1:7], and the object cache's key."""
Latest = tuple[int, bytes, int]
"""An object's newest known revision: (at, blob digest, type)."""
Counts = tuple[int, int, int, int, int, int]
"""(revisions stored, revisions unchanged, events stored, Helm release records stored, audit
records stored, log chunks stored)."""


def object_fields(key: ObjectKey, uid: str) -> ObjectFields:
    return (key.cluster, key.group, key.kind, key.namespace, key.name, uid)


def revision_item(rec: Revision, data: bytes | None, blob: bytes, at: int | None = None) -> Item:
    """A revision; ``data`` None when its document was sent before (a ``b`` item); ``at``
    overrides the record's own (a snapshot's time)."""
    rtype = int(rec.type) if rec.type is not None else None
    when = at if at is not None else rec.at
    return ("r", *object_fields(rec.key, rec.uid), when, rtype, data, blob, int(rec.origin))


def blob_item(data: bytes, blob: bytes) -> Item:
    return ("b", blob, data)


def release_item(rel: HelmRelease, data: bytes, blob: bytes) -> Item:
    return (
        "h", rel.cluster, rel.namespace, rel.name, rel.revision, rel.status, rel.chart, rel.chart_version,
        rel.app_version, rel.at, rel.first_deployed, rel.description, rel.storage, data, blob,
    )  # fmt: skip


def audit_item(rec: AuditRecord) -> Item:
    return (
        "a", *object_fields(rec.key, rec.uid), rec.at, rec.verb, rec.user, "\n".join(rec.groups), "\n".join(rec.source_ips),
        rec.user_agent, rec.code, rec.subresource, rec.resource_version, rec.audit_id,
    )  # fmt: skip


def log_item(chunk: LogChunk, text: bytes, raw_bytes: int, at: int) -> Item:
    """A log chunk, its lines already redacted and joined; ``at`` when they were captured."""
    previous = None if chunk.previous is None else int(chunk.previous)
    return ("l", chunk.cluster, chunk.namespace, chunk.pod, chunk.container, previous, chunk.first_at,
            chunk.last_at, at, len(chunk.lines), raw_bytes, chunk.where, chunk.pod_uid, chunk.restarts,
            text, digest(text))  # fmt: skip


def event_item(ev: Event) -> Item:
    return (
        "e", *object_fields(ev.key, ev.uid), ev.at, ev.type, ev.reason,
        ev.message, ev.count, ev.source, ev.first_at, ev.event_uid,
    )  # fmt: skip


class BatchWriter:
    def __init__(self, db: Connection, ingest_time: int) -> None:
        self._db = db
        self.ingest_time = ingest_time
        self.log_policy = LogPolicy.from_environment()
        self._encoder = Encoder(db)
        self._pg = is_postgres(db)
        self._clusters: dict[str, int] = {}
        self._objects: dict[tuple[Any, ...], int] = {}
        self._latest: dict[int, Latest | None] = {}
        self._blobs: set[bytes] = set()
        self._version: int | None = None
        """``PRAGMA data_version`` at our last transaction: another writer's commit changes it."""

    def close(self) -> None:
        self._db.close()

    def write(self, batch: list[Item]) -> Counts:
        """Store the batch as one transaction; on any error nothing of it is stored."""
        try:
            with transaction(self._db):
                self._catch_up()
                counts = self._write(batch)
        except BaseException:
            self._forget()
            raise
        return counts

    def _catch_up(self) -> None:
        """Inside the transaction: if another writer committed since our last one, what we
        cached of each object's newest revision is stale (any interleaving of writers must
        store exactly what one writer would)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if self._version is not None and version != self._version:
            self._latest.clear()
            self._blobs.clear()  # a prune or a shipper's trim may have removed documents
        self._version = version

    def _forget(self) -> None:
        """After a rollback nothing cached from the batch can be trusted."""
        self._objects.clear()
        self._latest.clear()
        self._clusters.clear()
        self._blobs.clear()
        self._encoder = Encoder(self._db)

    def _write(self, batch: list[Item]) -> Counts:
        new_blobs: list[tuple[bytes, bytes]] = []  # (digest, canonical bytes)
        revisions: list[tuple[int, int, int, bytes, int]] = []
        events: list[tuple[object, ...]] = []
        encoder, blobs, latest_cache = self._encoder, self._blobs, self._latest
        stored = unchanged = 0
        releases: list[tuple[object, ...]] = []
        audits: list[tuple[object, ...]] = []
        logs: list[tuple[object, ...]] = []
        self._prefetch(batch)
        for item in batch:
            if item[0] == "l":
                *columns, text, d = item[2:]
                logs.append((self._cluster_id(item[1]), *columns, d, pack_text(text)))
                continue
            if item[0] == "e":
                events.append(self._event_row(item))
                continue
            if item[0] == "a":
                audits.append((self._object_id(item[1:7]), *item[7:]))
                continue
            if item[0] == "b":
                _, d, data = item
                if d not in blobs:
                    blobs.add(d)
                    new_blobs.append((d, data))
                    encoder.observe(data)
                continue
            if item[0] == "h":
                row, data, blob = self._release_row(item)
                if blob not in blobs:
                    blobs.add(blob)
                    new_blobs.append((blob, data))
                releases.append(row)
                continue
            fields: ObjectFields = item[1:7]
            at, rtype, data, d, origin = item[7:]
            oid = self._objects.get(fields) or self._object_id(fields)
            dated = at is not None
            if not dated:
                at = self.ingest_time
            latest = latest_cache[oid] if oid in latest_cache else self._latest_of(oid)
            if latest is None or (at > latest[0] and (dated or latest[1] == d)):
                prev, in_order = latest, True
            else:
                # Out of order, or undated: ask the database, after writing the batch so far.
                stored += self._insert(new_blobs, revisions)
                new_blobs, revisions = [], []
                if self._has(oid, d, at if dated else None):
                    unchanged += 1
                    continue
                in_order = at >= latest[0]
                prev = latest if in_order else self._previous(oid, at)
            if rtype is None:
                rtype = _MODIFIED if prev else _ADDED
            if prev is not None and prev[1] == d and (prev[2] == _DELETED) == (rtype == _DELETED):
                unchanged += 1
                continue
            if d not in blobs and data is not None:
                blobs.add(d)
                new_blobs.append((d, data))
                encoder.observe(data)
            revisions.append((oid, at, rtype, d, origin))
            if in_order:
                latest_cache[oid] = (at, d, rtype)
            elif prev is None and rtype != _DELETED:
                # a revision before the first one known: that one is no creation any more
                stored += self._insert(new_blobs, revisions)
                new_blobs, revisions = [], []
                self._db.execute(
                    f"UPDATE revisions SET type = {_MODIFIED} WHERE object = ? AND at > ? AND type = {_ADDED}",
                    (oid, at),
                )
                latest_cache.pop(oid, None)
        if encoder.due():
            encoder.train()
        stored += self._insert(new_blobs, revisions)
        n_events = self._insert_counted(
            "INSERT INTO events (object, at, type, reason, message, count, source, first_at, digest) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            events,
        )
        n_releases = self._insert_counted(
            "INSERT INTO releases (cluster, namespace, name, revision, status, chart, chart_version, "
            "app_version, at, first_deployed, description, storage, blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            releases,
        )
        if len(latest_cache) > _CACHE_LIMIT or len(blobs) > _CACHE_LIMIT:
            latest_cache.clear()
            self._objects.clear()
            blobs.clear()
        n_audits = self._insert_counted(
            'INSERT INTO audit (object, at, verb, "user", groups, source_ips, user_agent, code, subresource, '
            "resource_version, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            audits,
        )
        n_logs = self._insert_counted(
            "INSERT INTO logs (cluster, namespace, pod, container, previous, first_at, last_at, "
            "observed_at, lines, raw_bytes, source, pod_uid, restarts, digest, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            logs,
        )
        if n_logs:
            prune_logs(self._db, self.log_policy)
        return stored, unchanged, n_events, n_releases, n_audits, n_logs

    def _insert_counted(self, sql: str, rows: list[tuple[object, ...]]) -> int:
        """Insert rows (``ON CONFLICT DO NOTHING``); how many were new."""
        if not rows:
            return 0
        before = self._db.total_changes
        self._db.executemany(sql, rows)
        return self._db.total_changes - before

    def _insert(
        self,
        new_blobs: list[tuple[bytes, bytes]],
        revisions: list[tuple[int, int, int, bytes, int]],
    ) -> int:
        if new_blobs:
            enc = self._encoder
            self._db.executemany(
                "INSERT INTO blobs (digest, dict, size, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                zip(
                    (d for d, _ in new_blobs),
                    [enc.dict_id] * len(new_blobs),
                    (len(x) for _, x in new_blobs),
                    enc.compress_many([x for _, x in new_blobs]),
                    strict=True,
                ),
            )
        if revisions:
            ensure_partitions(self._db, (r[1] for r in revisions))
            self._db.executemany(
                "INSERT INTO revisions (object, at, type, blob, origin) VALUES (?, ?, ?, ?, ?)",
                revisions,
            )
        return len(revisions)

    def _release_row(self, item: Item) -> tuple[tuple[object, ...], bytes, bytes]:
        cluster, *fields, at, first, description, storage, data, blob = item[1:]
        at = at if at is not None else self.ingest_time
        return (
            (self._cluster_id(cluster), *fields, at, first, description, storage, blob),
            data,
            blob,
        )

    def _event_row(self, item: Item) -> tuple[object, ...]:
        fields: ObjectFields = item[1:7]
        at, etype, reason, message, count, source, first_at, event_uid = item[7:]
        oid = self._object_id(fields)
        # An undated event seen again is the same event: its identity leaves ingest time out.
        when = str(at) if at is not None else ""
        ident = "\0".join((fields[0], event_uid, str(count), when, reason, message))
        blob = digest(ident.encode("utf-8", "surrogatepass"))
        at = at if at is not None else self.ingest_time
        return (oid, at, etype, reason, message, count, source, first_at, blob)

    # -- identity and history ------------------------------------------------

    def _cluster_id(self, name: str) -> int:
        cid = self._clusters.get(name)
        if cid is None:
            self._db.execute(
                "INSERT INTO clusters (name) VALUES (?) ON CONFLICT DO NOTHING", (name,)
            )
            cid = self._db.execute("SELECT id FROM clusters WHERE name = ?", (name,)).fetchone()[0]
            self._clusters[name] = cid
        return cid

    def _object_id(self, fields: ObjectFields) -> int:
        oid = self._objects.get(fields)
        if oid is not None:
            return oid
        row = (self._cluster_id(fields[0]), *fields[1:])
        found = self._db.execute(
            "INSERT INTO objects (cluster, grp, kind, namespace, name, uid) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING id",
            row,
        ).fetchone()
        if found is not None:  # a new object: no history to look up
            oid = found[0]
            self._latest[oid] = None
        else:
            oid = self._db.execute(
                "SELECT id FROM objects WHERE cluster = ? AND grp = ? AND kind = ? AND namespace = ? "
                "AND name = ? AND uid = ?",
                row,
            ).fetchone()[0]
        self._objects[fields] = oid
        return int(oid)

    def _prefetch(self, batch: list[Item]) -> None:
        """The batch's objects' ids and newest revisions in a few queries, not one or two per
        object: a round trip is nothing to SQLite and everything to a database over a network.
        New objects are inserted together; what is found is cached as the per-item path
        would cache it."""
        wanted = {item[1:7] for item in batch if item[0] in "rea"} - self._objects.keys()
        if not wanted:
            return
        rows = [(self._cluster_id(f[0]), *f[1:]) for f in sorted(wanted)]
        found = self._lookup(rows)
        missing = [r for r in rows if r not in found]
        if missing:
            self._db.executemany(
                "INSERT INTO objects (cluster, grp, kind, namespace, name, uid) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                missing,
            )
            for row, oid in self._lookup(missing).items():
                found[row] = oid
                self._latest[oid] = None  # new: no history to look up
        names = {cid: name for name, cid in self._clusters.items()}
        unknown = []
        for row, oid in found.items():
            self._objects[(names[row[0]], *row[1:])] = oid
            if oid not in self._latest:
                unknown.append(oid)
        for start in range(0, len(unknown), _CHUNK):
            part = unknown[start : start + _CHUNK]
            # one index seek per object (its newest by (at, id)), never its whole history: a
            # window over each object's revisions grew with every round of a long history
            marks = ", ".join("?" * len(part))
            newest = (_NEWEST_PG if self._pg else _NEWEST_SQLITE) % marks
            for oid, at, blob, rtype in self._db.execute(newest, part):
                self._latest[oid] = (at, blob, rtype)
            for oid in part:
                self._latest.setdefault(oid, None)

    def _lookup(self, rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
        """(cluster id, group, kind, namespace, name, uid) → object id, for those stored. A join
        with the list, so each row is one seek in the objects' unique index (SQLite scanned the
        whole table for a row-value ``IN (VALUES …)``: 74% of a 10M build's writer time)."""
        out: dict[tuple[Any, ...], int] = {}
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            values = ", ".join(["(CAST(? AS BIGINT), ?, ?, ?, ?, ?)"] * len(part))
            for oid, *key in self._db.execute(
                f"SELECT o.id, o.cluster, o.grp, o.kind, o.namespace, o.name, o.uid FROM (VALUES {values}) AS v "
                "JOIN objects o ON o.cluster = v.column1 AND o.grp = v.column2 AND o.kind = v.column3 "
                "AND o.namespace = v.column4 AND o.name = v.column5 AND o.uid = v.column6",
                [x for r in part for x in r],
            ):
                out[tuple(key)] = int(oid)
        return out

    def _latest_of(self, oid: int) -> Latest | None:
        row = self._db.execute(
            "SELECT at, blob, type FROM revisions WHERE object = ? ORDER BY at DESC, id DESC LIMIT 1",
            (oid,),
        ).fetchone()
        latest = (row[0], row[1], row[2]) if row else None
        self._latest[oid] = latest
        return latest

    def _has(self, oid: int, blob: bytes, at: int | None) -> bool:
        """Whether the object holds this document (at exactly ``at``, if given)."""
        if at is None:
            row = self._db.execute(
                "SELECT 1 FROM revisions WHERE object = ? AND blob = ? LIMIT 1", (oid, blob)
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT 1 FROM revisions WHERE object = ? AND at = ? AND blob = ? LIMIT 1",
                (oid, at, blob),
            ).fetchone()
        return row is not None

    def _previous(self, oid: int, at: int) -> Latest | None:
        row = self._db.execute(
            "SELECT at, blob, type FROM revisions WHERE object = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
            (oid, at),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None
