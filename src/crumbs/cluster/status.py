"""What ``crumbs watch`` knows of each resource, kept in the store for ``crumbs status``."""

from __future__ import annotations

from collections.abc import Sequence

from crumbs.cluster.follow import Progress
from crumbs.store import Store, watchstatus
from crumbs.store.watchstatus import ResourceStatus
from crumbs.timeutil import now_ns

__all__ = ["ResourceStatus", "load_status", "resume_points", "save_status"]


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
        (ResourceStatus(cluster, p.resource.name, p.resource.kind, p.state, p.resource_version, p.last_event_at,
                        p.last_contact_at, p.events, p.lists, p.errors, p.last_error[:500], now),
         *resume.get((cluster, p.resource.name), ("", "")))
        for cluster, p in progress
    ]  # fmt: skip
    watchstatus.save(store.db, rows)


def resume_points(store: Store) -> dict[tuple[str, str], tuple[str, str]]:
    """(cluster, resource) → (resourceVersion, field selector) where an earlier run stopped."""
    return watchstatus.resume_points(store.db)


def load_status(store: Store, cluster: str | None = None) -> list[ResourceStatus]:
    return watchstatus.load(store.db, cluster)
