"""Revision against revision: an RFC 6902 JSON Patch with the noise removed."""

from __future__ import annotations

from typing import Any

import jsonpatch

from crumbs.model import Change, Obj, RevisionType, StoredRevision
from crumbs.trail.attribution import attribute
from crumbs.trail.noise import strip_noise
from crumbs.trail.paths import display_path
from crumbs.trail.summary import summarize


def diff(old: Obj | None, new: Obj) -> list[dict[str, Any]]:
    """Operations turning ``old`` into ``new``, noise left out (``old`` None: everything added)."""
    a = strip_noise(old) if old is not None else {}
    return list(jsonpatch.make_patch(a, strip_noise(new)).patch)


def apply(patch: list[dict[str, Any]], doc: Obj) -> Obj:
    """``doc`` (noise removed) with ``patch`` applied."""
    result: Obj = jsonpatch.apply_patch(strip_noise(doc), patch)
    return result


def change(rev: StoredRevision, previous: StoredRevision | None) -> Change:
    """What ``rev`` changed against ``previous`` (None: it is the first we know)."""
    old = previous.doc if previous is not None else None
    if rev.type == RevisionType.DELETED or old is None:
        patch: list[dict[str, Any]] = []
    else:
        patch = diff(old, rev.doc)
    paths = tuple(
        dict.fromkeys(
            display_path(op["path"], rev.doc if op["op"] != "remove" else old or {}) for op in patch
        )
    )
    return Change(
        rev, previous, patch, summarize(rev, old, patch), paths, attribute(old, rev.doc, rev.type)
    )
