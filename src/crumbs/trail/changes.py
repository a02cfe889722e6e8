"""Revisions to changes: each revision diffed against the one before it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from crumbs.model import Change, StoredRevision
from crumbs.trail.diff import change

Previous = Callable[[StoredRevision], StoredRevision | None]


def changes(revisions: Iterable[StoredRevision], previous: Previous) -> list[Change]:
    """Changes for revisions in time order; ``previous`` fetches a predecessor not in the list."""
    last: dict[int, StoredRevision] = {}
    out = []
    for rev in revisions:
        prev = last.get(rev.object_id)
        if prev is None:
            prev = previous(rev)
        out.append(change(rev, prev))
        last[rev.object_id] = rev
    return out


def is_noise(ch: Change) -> bool:
    """A modification whose only differences are noise (heartbeats, resourceVersion)."""
    return ch.previous is not None and not ch.patch and ch.revision.type.name == "MODIFIED"
