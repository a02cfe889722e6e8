"""Revisions to changes: each revision diffed against the one before it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from crumbs.model import AuditRecord, Change, ObjectKey, StoredRevision
from crumbs.trail.audit import attribute_with_audit
from crumbs.trail.diff import change

Previous = Callable[[StoredRevision], StoredRevision | None]


def changes(
    revisions: Iterable[StoredRevision],
    previous: Previous,
    audit: Mapping[ObjectKey, Sequence[AuditRecord]] | None = None,
) -> list[Change]:
    """Changes for revisions in time order; ``previous`` fetches a predecessor not in the list.

    ``audit``: audit records by object; a matching record overrides the attribution inferred from managedFields.
    """
    last: dict[int, StoredRevision] = {}
    out = []
    for rev in revisions:
        prev = last.get(rev.object_id)
        if prev is None:
            prev = previous(rev)
        ch = change(rev, prev)
        records = audit.get(rev.key) if audit else None
        if records:
            better = attribute_with_audit(rev, prev, records, ch.attribution)
            if better is not None:
                ch = replace(ch, attribution=better)
        out.append(ch)
        last[rev.object_id] = rev
    return out


def by_object(records: Iterable[AuditRecord]) -> dict[ObjectKey, list[AuditRecord]]:
    out: dict[ObjectKey, list[AuditRecord]] = {}
    for r in records:
        out.setdefault(r.key, []).append(r)
    return out


def is_noise(ch: Change) -> bool:
    """A modification whose only differences are noise (heartbeats, resourceVersion)."""
    return ch.previous is not None and not ch.patch and ch.revision.type.name == "MODIFIED"
