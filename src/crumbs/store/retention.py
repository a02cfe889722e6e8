"""Retention of object history: forget what happened before a time, keep what ran then.

``prune(db, before)`` keeps each object's state at ``before`` (its newest revision before it,
unless that one is its deletion) and every revision from ``before`` on; Events and audit
records before it go; documents no revision or release points at any more go. A CronJob last
edited a year ago still has its spec after a prune of everything older than a month.

On SQLite rows are deleted. On PostgreSQL revisions are partitioned by month, so the cut is
rounded down to the start of ``before``'s month and whole partitions are dropped: the survivors
of the dropped months (and of an earlier prune) are first written to one partition,
``revisions_before``, that covers everything before the cut, then the months are detached and
dropped — no row-by-row delete of the bulk, no bloat.
"""

from __future__ import annotations

from dataclasses import dataclass

from crumbs.model import RevisionType
from crumbs.store.dbapi import Connection, is_postgres
from crumbs.store.transaction import transaction

_DELETED = int(RevisionType.DELETED)
_SURVIVORS = (
    "SELECT id FROM (SELECT id, type, row_number() OVER (PARTITION BY object ORDER BY at DESC, id DESC) AS n "
    f"FROM revisions WHERE at < ?) newest WHERE n = 1 AND type != {_DELETED}"
)


@dataclass
class Pruned:
    cut: int
    """Where history now begins (ns): ``before``, or on PostgreSQL the start of its month."""
    revisions: int
    """Revisions forgotten."""
    kept: int
    """Revisions before the cut kept as their objects' state then."""
    events: int
    audit: int
    documents: int
    partitions: list[str]
    """PostgreSQL partitions dropped."""


def prune(db: Connection, before: int) -> Pruned:
    if is_postgres(db):
        from crumbs.store.postgres import PgConnection, compact_before

        assert isinstance(db, PgConnection)
        with transaction(db):
            cut, forgotten, kept, dropped = compact_before(db, before, _SURVIVORS)
            events, audit, documents = _rest(db, cut)
        return Pruned(cut, forgotten, kept, events, audit, documents, dropped)
    with transaction(db):
        db.execute(f"CREATE TEMP TABLE survivors AS {_SURVIVORS}", (before,))
        kept = db.execute("SELECT count(*) FROM survivors").fetchone()[0]
        before_changes = db.total_changes
        db.execute(
            "DELETE FROM revisions WHERE at < ? AND id NOT IN (SELECT id FROM survivors)", (before,)
        )
        forgotten = db.total_changes - before_changes
        db.execute("DROP TABLE survivors")
        events, audit, documents = _rest(db, before)
    return Pruned(before, forgotten, kept, events, audit, documents, [])


def _rest(db: Connection, cut: int) -> tuple[int, int, int]:
    """Events and audit records before the cut, and the documents nothing points at any more."""
    counts = []
    for sql in (
        "DELETE FROM events WHERE at < ?",
        "DELETE FROM audit WHERE at < ?",
    ):
        before = db.total_changes
        db.execute(sql, (cut,))
        counts.append(db.total_changes - before)
    return counts[0], counts[1], delete_orphans(db)


def delete_orphans(db: Connection) -> int:
    """Documents no revision or release points at any more; how many went. Nothing indexes
    ``revisions.blob``, so each backend gets the form it runs in one pass: SQLite builds the
    ``NOT IN`` list once (a correlated ``NOT EXISTS`` would scan revisions per document),
    PostgreSQL turns ``NOT EXISTS`` into a hash anti-join (its ``NOT IN`` would not)."""
    before = db.total_changes
    if is_postgres(db):
        db.execute(
            "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.blob = blobs.digest) "
            "AND NOT EXISTS (SELECT 1 FROM releases h WHERE h.blob = blobs.digest)"
        )
    else:
        db.execute(
            "DELETE FROM blobs WHERE digest NOT IN (SELECT blob FROM revisions UNION SELECT blob FROM releases)"
        )
    return db.total_changes - before
