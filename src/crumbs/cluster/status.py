"""What ``crumbs watch`` knows of each resource, kept in the store for ``crumbs status``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crumbs.cluster.follow import Progress
from crumbs.store import Store
from crumbs.timeutil import now_ns


@dataclass(frozen=True)
class ResourceStatus:
    cluster: str
    resource: str
    kind: str
    state: str
    resource_version: str
    last_event_at: int | None
    last_contact_at: int | None
    events: int
    lists: int
    errors: int
    last_error: str
    updated_at: int


_COLUMNS = "cluster, resource, kind, state, resource_version, last_event_at, last_contact_at, events, lists, errors, last_error, updated_at"


def save_status(store: Store, progress: Sequence[tuple[str, Progress]]) -> None:
    if not progress:
        return
    now = now_ns()
    rows = [
        (cluster, p.resource.name, p.resource.kind, p.state, p.resource_version, p.last_event_at,
         p.last_contact_at, p.events, p.lists, p.errors, p.last_error[:500], now)
        for cluster, p in progress
    ]  # fmt: skip
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            f"INSERT OR REPLACE INTO watch_status ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def load_status(store: Store, cluster: str | None = None) -> list[ResourceStatus]:
    sql = f"SELECT {_COLUMNS} FROM watch_status"
    params: tuple[str, ...] = ()
    if cluster:
        sql += " WHERE cluster = ?"
        params = (cluster,)
    return [
        ResourceStatus(*row)
        for row in store.db.execute(sql + " ORDER BY cluster, resource", params)
    ]
