"""Revision against revision: an RFC 6902 JSON Patch with the noise removed."""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
import orjson

from crumbs.model import Change, Obj, RevisionType, StoredRevision
from crumbs.trail.attribution import attribute
from crumbs.trail.noise import strip_noise
from crumbs.trail.paths import display_path
from crumbs.trail.summary import summarize


def diff(old: Obj | None, new: Obj) -> list[dict[str, Any]]:
    """Operations turning ``old`` into ``new``, noise left out (``old`` None: everything added)."""
    a = strip_noise(old) if old is not None else {}
    return list(jsonpatch.make_patch(a, strip_noise(new)).patch)


def raw_patch(old: Obj, new: Obj) -> list[dict[str, Any]]:
    """Operations turning ``old`` into ``new``, everything counted (two renders of a chart)."""
    return list(jsonpatch.make_patch(old, new).patch)


def apply_each(doc: Obj, operations: list[dict[str, Any]]) -> tuple[Obj, int]:
    """``doc`` with each operation applied alone, those that no longer fit it left out; how
    many applied. ``doc`` itself is not changed."""
    out: Obj = orjson.loads(orjson.dumps(doc))
    applied = 0
    for op in operations:
        try:
            out = jsonpatch.apply_patch(out, [op])
        except (
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
            KeyError,
            IndexError,
            TypeError,
        ):
            continue
        applied += 1
    return out, applied


def changed_paths(old: Obj, new: Obj) -> list[str]:
    """The display paths of what differs, noise left out, without building a patch.

    What ranking needs to weigh a change (which fields moved), at the cost of Python's own
    equality on equal subtrees: a fraction of :func:`diff`'s. Paths are those
    :func:`change` shows (list items with a ``name`` by name).
    """
    out: list[str] = []
    _differ(strip_noise(old), strip_noise(new), "", out)
    return out


def _differ(a: Any, b: Any, path: str, out: list[str]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys(), key=str):
            step = _step(path, str(k))
            if k in a and k in b:
                _differ(a[k], b[k], step, out)
            else:
                out.append(step)
        return
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            item = b[i] if i < len(b) else a[i]
            name = item.get("name") if isinstance(item, dict) else None
            step = f"{path}[{name}]" if isinstance(name, str) else f"{path}[{i}]"
            if i < len(a) and i < len(b):
                _differ(a[i], b[i], step, out)
            else:
                out.append(step)
        return
    out.append(path)


def _step(path: str, key: str) -> str:
    if "." in key or not key:
        return f'{path}["{key}"]'
    return f"{path}.{key}" if path else key


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
