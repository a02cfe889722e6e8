"""``get``: objects as they were at a time (time travel), what ran rather than a manifest beside
it, and those that existed then but were first observed later."""

from __future__ import annotations

from dataclasses import dataclass

from crumbs import contract
from crumbs.app.query import parse_time_option, resolve_kind, split_target, store_clock
from crumbs.errors import NotFoundError
from crumbs.model import Origin, StoredRevision, mapping
from crumbs.selectors import field_selector, label_selector
from crumbs.store import Selector, Store
from crumbs.timeutil import format_time


@dataclass
class Objects:
    at: int
    named: bool
    """One object was asked for (KIND/NAME)."""
    revisions: list[StoredRevision]
    unseen: list[StoredRevision]
    """Existed at ``at`` but first observed later (their spec then unknown)."""

    def json(self) -> contract.KubeObject:
        """The object itself, or a ``List``, as ``kubectl get -o json`` prints them: what ran, not
        the manifest beside it."""
        revs = self.revisions
        if self.named:
            ran = {(r.key.kind, r.key.namespace) for r in revs if r.origin != Origin.DECLARED}
            revs = [r for r in revs if r.origin != Origin.DECLARED or (r.key.kind, r.key.namespace) not in ran]  # fmt: skip
        docs = [r.doc for r in revs]
        if self.named and len(docs) == 1:
            return docs[0]
        return {"apiVersion": "v1", "kind": "List", "items": docs}


def get(store: Store, target: str, name: str | None = None, namespace: str | None = None,
        at: str | None = None, cluster: str | None = None, labels: str | None = None,
        fields: str | None = None) -> Objects:  # fmt: skip
    """``labels`` and ``fields``: kubectl's ``-l`` and ``--field-selector`` (:mod:`crumbs.selectors`),
    applied to each object as it was at the time (one first observed later: as first seen)."""
    checks = [
        *([label_selector(labels)] if labels else []),
        *([field_selector(fields)] if fields else []),
    ]
    kind_text, nm = split_target(target, name)
    clock = store_clock(store)
    when = parse_time_option(at, "--at", clock) if at else clock
    kinds = [
        k for text in kind_text.split(",") if text for k in resolve_kind(store, text)
    ]  # deploy,svc
    sel = Selector(cluster=cluster, namespace=namespace, kinds=list(dict.fromkeys(kinds)), name=nm)  # fmt: skip
    revs = [r for r in store.queries.state_at(when, sel) if all(c(r.doc) for c in checks)]
    unseen = [r for r in store.queries.unobserved_at(when, sel) if all(c(r.doc) for c in checks)]
    if nm and not revs:
        if unseen:
            first = unseen[0]
            created = mapping(first.doc.get("metadata")).get("creationTimestamp")
            raise NotFoundError(
                f"{kind_text}/{nm} existed at {format_time(when)} (created {created}) but was first "
                f"observed at {format_time(first.at)}: its spec before then is unknown"
            )
        raise NotFoundError(f"{kind_text}/{nm}: did not exist at {format_time(when)}")
    return Objects(when, nm is not None, revs, unseen)
