"""Per-cluster facts kept in the store (``cluster_facts``): read, written, and whether they
still describe the store (its newest revision and release ids)."""

from __future__ import annotations

import sqlite3
from typing import cast

import orjson

from crumbs.contract import ClusterFacts
from crumbs.store.dbapi import Connection


def stamp(db: Connection) -> str:
    """What the facts depend on: the newest revision and Helm release ids."""
    revisions = db.execute("SELECT coalesce(max(id), 0) FROM revisions").fetchone()[0]
    releases = db.execute("SELECT coalesce(max(id), 0) FROM releases").fetchone()[0]
    return f"{revisions}:{releases}"


def read(db: Connection, cluster: str, current: str) -> ClusterFacts | None:
    """The facts of ``cluster`` if they were computed at ``current`` (else None: stale)."""
    row = db.execute(
        "SELECT f.stamp, f.facts FROM cluster_facts f JOIN clusters c ON c.id = f.cluster WHERE c.name = ?",
        (cluster,),
    ).fetchone()
    if row is None or row[0] != current:
        return None
    value = orjson.loads(row[1])
    return cast(ClusterFacts, value) if isinstance(value, dict) else None


def write(db: Connection, cluster: str, current: str, at: int, facts: ClusterFacts) -> bool:
    """Keep them; False when the store cannot be written (read-only): they are computed again."""
    try:
        db.execute(  # one statement: atomic alone
            "INSERT INTO cluster_facts (cluster, stamp, at, facts) "
            "SELECT id, ?, ?, ? FROM clusters WHERE name = ? "
            "ON CONFLICT (cluster) DO UPDATE SET stamp = excluded.stamp, at = excluded.at, facts = excluded.facts",
            (current, at, orjson.dumps(facts), cluster),
        )
    except sqlite3.OperationalError:
        return False
    return True
