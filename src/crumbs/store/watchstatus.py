"""What ``crumbs watch`` knows of each resource (migrations 0004, 0008), for ``crumbs status``
and for where a restarted watch resumes."""

from __future__ import annotations

from collections.abc import Sequence

from crumbs.model import ResourceStatus
from crumbs.store.dbapi import Connection
from crumbs.store.transaction import transaction

__all__ = ["ResourceStatus", "load", "resume_points", "save"]


_COLUMNS = "cluster, resource, kind, state, resource_version, last_event_at, last_contact_at, events, lists, errors, last_error, updated_at"


def save(db: Connection, rows: Sequence[tuple[ResourceStatus, str, str]]) -> None:
    """Each row with the resourceVersion and field selector committed to the store, where a
    restart picks up (``""``: nothing committed this run: the place an earlier run left stays)."""
    values = [
        (*(getattr(r, f) for f in _COLUMNS.split(", ")), rv, selector) for r, rv, selector in rows
    ]
    with transaction(db):
        db.executemany(
            f"INSERT INTO watch_status ({_COLUMNS}, resume_version, resume_selector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster, resource) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[2:])
            + ", resume_version = CASE WHEN excluded.resume_version != '' THEN excluded.resume_version ELSE watch_status.resume_version END"
            + ", resume_selector = CASE WHEN excluded.resume_version != '' THEN excluded.resume_selector ELSE watch_status.resume_selector END",
            values,
        )


def resume_points(db: Connection) -> dict[tuple[str, str], tuple[str, str]]:
    """(cluster, resource) → (resourceVersion, field selector) where an earlier run stopped."""
    rows = db.execute(
        "SELECT cluster, resource, resume_version, resume_selector FROM watch_status WHERE resume_version != ''"
    )
    return {(c, r): (v, s) for c, r, v, s in rows}


def load(db: Connection, cluster: str | None = None) -> list[ResourceStatus]:
    sql = f"SELECT {_COLUMNS} FROM watch_status"
    params: tuple[str, ...] = ()
    if cluster:
        sql += " WHERE cluster = ?"
        params = (cluster,)
    return [ResourceStatus(*row) for row in db.execute(sql + " ORDER BY cluster, resource", params)]
