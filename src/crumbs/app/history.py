"""``history``: every revision of one object (all its incarnations), with what each changed."""

from __future__ import annotations

from dataclasses import dataclass

from crumbs import contract
from crumbs.app.query import object_selector
from crumbs.model import Change, StoredRevision
from crumbs.report.shapes import object_ref, revision_ref
from crumbs.store import Store
from crumbs.trail.changes import by_object, changes


@dataclass
class History:
    revisions: list[StoredRevision]
    changes: list[Change]

    def json(self) -> contract.History:
        last = self.revisions[-1]
        return {
            "object": object_ref(last.key, last.uid, last.doc.get("apiVersion")),
            "revisions": [
                {**revision_ref(c.revision), "summary": c.summary, "paths": list(c.paths)}
                for c in self.changes
            ],
        }


def history(store: Store, target: str, name: str | None = None, namespace: str | None = None, cluster: str | None = None) -> History:  # fmt: skip
    sel = object_selector(store, target, namespace, cluster, name)
    revs = store.queries.history(sel)
    audit = by_object(store.queries.audit(None, None, sel))
    return History(list(revs), changes(revs, lambda _rev: None, audit))
