"""``drift``: fields of Helm-, Argo CD- or Flux-owned objects last written by hand, with their
age; and objects nothing declares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from crumbs import contract
from crumbs.app.query import parse_time_option, store_clock
from crumbs.model import StoredRevision
from crumbs.report.shapes import actor_ref, object_ref
from crumbs.selectors import label_selector
from crumbs.store import Selector, Store
from crumbs.timeutil import format_time
from crumbs.trail.drift import Drift, drift, unowned
from crumbs.trail.fieldsets import managers
from crumbs.trail.managers import actor
from crumbs.trail.ownership import Owner


def owner_ref(owner: Owner) -> contract.DriftOwner:
    return {"channel": owner.channel, "kind": owner.kind, "name": owner.name,
            "namespace": owner.namespace, "evidence": owner.evidence}  # fmt: skip


def creator(doc: dict[str, Any]) -> contract.ActorRef | None:
    """Who made the object: the earliest managedFields entry (not a status writer)."""
    entries = [m for m, _ in managers(doc) if m.subresource != "status"]
    if not entries:
        return None
    first = min(entries, key=lambda m: (m.time or 0, m.index))
    return actor_ref(actor(first.manager, first.operation, first.subresource))


@dataclass
class DriftReport:
    at: int
    drifted: list[Drift]
    unowned: list[StoredRevision]

    def json(self) -> contract.Drift:
        return {
            "at": format_time(self.at),
            "drift": [_drift_json(d, self.at) for d in self.drifted],
            "unowned": [{"object": object_ref(r.key, r.uid, r.doc.get("apiVersion")), "createdBy": creator(r.doc)}
                        for r in self.unowned],
        }  # fmt: skip


def _drift_json(d: Drift, now: int) -> contract.DriftEntry:
    rev = d.revision
    return {
        "object": object_ref(rev.key, rev.uid, rev.doc.get("apiVersion")),
        "owner": owner_ref(d.owner),
        "fields": [
            cast(
                contract.DriftField,
                {
                    "path": f.path,
                    "value": f.value,
                    **actor_ref(
                        actor(f.manager.manager, f.manager.operation, f.manager.subresource)
                    ),
                    "time": format_time(f.manager.time) if f.manager.time else None,
                    "ageSeconds": (now - f.manager.time) // 1_000_000_000
                    if f.manager.time
                    else None,
                },
            )
            for f in d.fields
        ],  # fmt: skip
    }


def drift_of(store: Store, namespace: str | None = None, at: str | None = None, cluster: str | None = None,
             labels: str | None = None) -> DriftReport:  # fmt: skip
    """``labels`` (kubectl's ``-l``): only objects whose labels match it at that time."""
    clock = store_clock(store)
    when = parse_time_option(at, "--at", clock) if at else clock
    objects = store.queries.state_at(when, Selector(cluster=cluster, namespace=namespace))
    if labels:
        match = label_selector(labels)
        objects = [r for r in objects if match(r.doc)]
    drifted = [d for d in (drift(r) for r in objects) if d is not None]
    return DriftReport(when, drifted, list(unowned(objects)))
