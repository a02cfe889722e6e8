"""``diff``: the change between two revisions of an object, noise removed."""

from __future__ import annotations

from dataclasses import dataclass

from crumbs import contract
from crumbs.app.query import object_selector
from crumbs.errors import UsageError
from crumbs.model import Change, StoredRevision
from crumbs.report.shapes import object_ref, revision_ref
from crumbs.store import Store
from crumbs.trail.diff import change


@dataclass
class Diff:
    old: StoredRevision | None
    new: StoredRevision
    change: Change

    def json(self) -> contract.Diff:
        new, old, ch = self.new, self.old, self.change
        return {
            "object": object_ref(new.key, new.uid, new.doc.get("apiVersion")),
            "from": revision_ref(old) if old else None,
            "to": revision_ref(new),
            "summary": ch.summary,
            "paths": list(ch.paths),
            "patch": ch.patch,
        }


def pick(revs: list[StoredRevision], text: str, option: str) -> StoredRevision:
    """A revision by ordinal (``3``), from the end (``-1`` is the latest) or by id (``#1234``)."""
    text = text.strip()
    try:
        if text.startswith("#"):
            rid = int(text[1:])
            for r in revs:
                if r.id == rid:
                    return r
            raise UsageError(f"{option} {text}: no revision with that id in this object's history")
        n = int(text)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a revision number (3, -1) or id (#1234)"
        ) from None
    if n == 0 or abs(n) > len(revs):
        raise UsageError(f"{option} {text}: the object has revisions 1 to {len(revs)}")
    return revs[n - 1] if n > 0 else revs[n]


def diff(store: Store, target: str, name: str | None = None, namespace: str | None = None,
         start: str | None = None, end: str = "-1", cluster: str | None = None) -> Diff:  # fmt: skip
    """Between ``start`` (default: the revision before ``end``) and ``end`` (default: the latest)."""
    revs = list(store.queries.history(object_selector(store, target, namespace, cluster, name)))
    new = pick(revs, end, "--to")
    old: StoredRevision | None
    if start is not None:
        old = pick(revs, start, "--from")
    else:
        old = revs[new.ordinal - 2] if new.ordinal > 1 else None
    if old is not None and (old.at, old.id) > (new.at, new.id):
        old, new = new, old
    return Diff(old, new, change(new, old))
