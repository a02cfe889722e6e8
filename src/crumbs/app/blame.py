"""``blame``: the object as YAML with, per line, who last set it, when, and the revision since
which it holds (kubectl-blame's ownership, with the store's history)."""

from __future__ import annotations

from dataclasses import dataclass

from crumbs import contract
from crumbs.app.query import object_selector, parse_time_option, store_clock
from crumbs.errors import NotFoundError
from crumbs.model import StoredRevision
from crumbs.report import blame as render
from crumbs.store import Store
from crumbs.timeutil import format_time
from crumbs.trail.blame import Blame
from crumbs.trail.blame import blame as blame_object


@dataclass
class Blamed:
    current: StoredRevision
    result: Blame

    def json(self) -> contract.Blame:
        c = self.current
        return render.as_json(self.result, c.key, c.uid, c.doc.get("apiVersion"), c.at)


def blame(store: Store, target: str, name: str | None = None, namespace: str | None = None,
          at: str | None = None, cluster: str | None = None) -> Blamed:  # fmt: skip
    sel = object_selector(store, target, namespace, cluster, name)
    when = parse_time_option(at, "--at", store_clock(store)) if at else None
    history = list(store.queries.history(sel))
    if when is not None:
        history = [r for r in history if r.at <= when]
    if not history or history[-1].type.name == "DELETED":
        raise NotFoundError(f"{target}: did not exist at {format_time(when) if when else 'the newest time'}")  # fmt: skip
    current = history[-1]
    incarnation = [r for r in history if r.uid == current.uid]
    return Blamed(current, blame_object(current.doc, incarnation))
