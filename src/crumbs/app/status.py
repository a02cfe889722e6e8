"""``status``: what ``crumbs watch`` knows of each resource it records (saved every 2 s)."""

from __future__ import annotations

from crumbs import contract
from crumbs.cluster.status import ResourceStatus, load_status
from crumbs.store import Store
from crumbs.store.shipping import ShippingStatus
from crumbs.store.shipping import load_status as load_shipping
from crumbs.timeutil import format_time, now_ns


def watch_status(store: Store, cluster: str | None = None) -> tuple[list[ResourceStatus], contract.Status]:  # fmt: skip
    """The rows, and ``status -o json`` (lag counted from now: a recording's own clock does not
    say how long ago the API server was heard from)."""
    rows = load_status(store, cluster)
    now = now_ns()
    return rows, {"shipping": [_shipping(s, now) for s in load_shipping(store.db, cluster)], "resources": [
        {"cluster": r.cluster, "resource": r.resource, "kind": r.kind, "state": r.state,
         "resourceVersion": r.resource_version,
         "lastEvent": format_time(r.last_event_at) if r.last_event_at else None,
         "lastContact": format_time(r.last_contact_at) if r.last_contact_at else None,
         "lagSeconds": round((now - r.last_contact_at) / 1e9, 1) if r.last_contact_at else None,
         "events": r.events, "lists": r.lists, "errors": r.errors, "lastError": r.last_error or None,
         "updated": format_time(r.updated_at)}
        for r in rows]}  # fmt: skip


def _shipping(s: ShippingStatus, now: int) -> contract.ShippingRef:
    lag = round((now - s.newest_at) / 1e9, 1) if s.newest_at and s.role == "receiver" else None
    return {"cluster": s.cluster, "peer": s.peer, "role": s.role, "state": s.state, "pending": s.pending,
            "spoolBytes": s.spool_bytes, "shipped": s.shipped, "lost": s.lost, "batches": s.batches,
            "errors": s.errors, "lastError": s.last_error or None,
            "lastDelivery": format_time(s.last_ok_at) if s.last_ok_at else None,
            "newest": format_time(s.newest_at) if s.newest_at else None, "lagSeconds": lag,
            "updated": format_time(s.updated_at)}  # fmt: skip
