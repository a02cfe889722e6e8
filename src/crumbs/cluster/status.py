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


def save_status(
    store: Store,
    progress: Sequence[tuple[str, Progress]],
    resume: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> None:
    """Each resource's progress; ``resume``: (cluster, resource) → (resourceVersion, field
    selector) committed to the store, where a restart picks up."""
    if not progress:
        return
    now = now_ns()
    resume = resume or {}
    rows = [
        (cluster, p.resource.name, p.resource.kind, p.state, p.resource_version, p.last_event_at,
         p.last_contact_at, p.events, p.lists, p.errors, p.last_error[:500], now,
         *resume.get((cluster, p.resource.name), ("", "")))
        for cluster, p in progress
    ]  # fmt: skip
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        # a resource with nothing committed this run keeps the place an earlier run left
        db.executemany(
            f"INSERT INTO watch_status ({_COLUMNS}, resume_version, resume_selector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster, resource) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[2:])
            + ", resume_version = CASE WHEN excluded.resume_version != '' THEN excluded.resume_version ELSE resume_version END"
            + ", resume_selector = CASE WHEN excluded.resume_version != '' THEN excluded.resume_selector ELSE resume_selector END",
            rows,
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def resume_points(store: Store) -> dict[tuple[str, str], tuple[str, str]]:
    """(cluster, resource) → (resourceVersion, field selector) where an earlier run stopped."""
    rows = store.db.execute(
        "SELECT cluster, resource, resume_version, resume_selector FROM watch_status WHERE resume_version != ''"
    )
    return {(c, r): (v, s) for c, r, v, s in rows}


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
