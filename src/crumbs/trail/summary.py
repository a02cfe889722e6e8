"""One line that says what a revision changed: ``image ghcr.io/acme/billing:1.4.2 → 2.0.0``."""

from __future__ import annotations

from typing import Any

from crumbs.model import Obj, RevisionType, StoredRevision, mapping, sequence
from crumbs.timeutil import format_time, parse_time
from crumbs.trail.facts import CONTAINER, RECOGNISERS, STATUS, Fact, pod_spec_path
from crumbs.trail.noise import strip_noise
from crumbs.trail.paths import display_path, get_pointer
from crumbs.trail.values import fmt

MAX_FACTS = 4


def summarize(rev: StoredRevision, old: Obj | None, patch: list[dict[str, Any]]) -> str:
    if rev.type == RevisionType.DELETED:
        return "deleted"
    if old is None:
        return created(rev.doc, rev.at)
    if not patch:
        return "no change (only resourceVersion, managedFields or heartbeats moved)"
    a, b = strip_noise(old), strip_noise(rev.doc)
    return join(describe(a, b, patch))


def describe(a: Obj, b: Obj, patch: list[dict[str, Any]]) -> list[str]:
    """Facts for a patch from ``a`` to ``b`` (both noise-free), most important first."""
    claimed: list[str] = []
    facts: list[Fact] = []
    for recognise in RECOGNISERS:
        facts.extend(recognise(a, b, claimed.append))
    for op in patch:
        path = op["path"]
        if any(path == c or path.startswith(c + "/") for c in claimed):
            continue
        facts.append((STATUS + 1 if path.startswith("/status") else CONTAINER, _generic(op, a, b)))
        claimed.append(path)
    return [text for _, text in sorted(facts, key=lambda f: f[0])]


def join(facts: list[str]) -> str:
    facts = list(dict.fromkeys(f for f in facts if f))
    if not facts:
        return "changed"
    shown = facts[:MAX_FACTS]
    more = len(facts) - len(shown)
    return "; ".join(shown) + (f"; +{more} more" if more else "")


FIRST_SEEN_AFTER = 60 * 1_000_000_000
"""A first revision more than a minute after creationTimestamp is the object as first seen."""


def first_seen_late(doc: Obj, at: int) -> int | None:
    """The creation time of an object the store first saw well after it was created, else None."""
    created_at = parse_time(str(mapping(doc.get("metadata")).get("creationTimestamp") or ""))
    return created_at if created_at is not None and at - created_at > FIRST_SEEN_AFTER else None


def helm_release_of(doc: Obj) -> str:
    """``Helm release billing revision 3 (deployed)`` for a Helm 3 release Secret, else ""."""
    md = doc.get("metadata") or {}
    labels = md.get("labels") or {} if isinstance(md, dict) else {}
    if (
        doc.get("kind") != "Secret"
        or not isinstance(labels, dict)
        or labels.get("owner") != "helm"
        or not str(md.get("name") or "").startswith("sh.helm.release.v1.")
    ):
        return ""
    status = f" ({labels['status']})" if labels.get("status") else ""
    return f"Helm release {labels.get('name')} revision {labels.get('version')}{status}"


def created(doc: Obj, at: int | None = None) -> str:
    born = first_seen_late(doc, at) if at is not None else None
    word = (
        f"first seen (created {format_time(born, precise=False)})"
        if born is not None
        else "created"
    )
    release = helm_release_of(doc)
    if release:
        return f"{word}: {release}"
    path = pod_spec_path(doc)
    if path is None:
        return word
    spec = doc
    for p in path:
        spec = spec.get(p, {})
    images = [
        str(c["image"])
        for c in sequence(spec.get("containers"))
        if isinstance(c, dict) and c.get("image")
    ]
    return word + (f" ({', '.join(images[:3])})" if images else "")


def _generic(op: dict[str, Any], a: Obj, b: Obj) -> str:
    kind = op["op"]
    if kind == "remove":
        return f"-{display_path(op['path'], a)}"
    where = display_path(op["path"], b)
    if kind == "add":
        value = op.get("value")
        return f"+{where}" if isinstance(value, (dict, list)) else f"{where} = {fmt(value)}"
    if kind == "replace":
        old = get_pointer(a, op["path"])
        new = op.get("value")
        if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
            return f"{where} changed"
        return f"{where} {fmt(old)} → {fmt(new)}"
    return f"{where} {kind}d"
