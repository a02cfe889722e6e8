"""Namespaces stuck terminating (popeye's POP-800, "inactive"): nothing new can be created in
them, and what holds them is named by their conditions (content that cannot be deleted,
finalizers that never finish, an API group that cannot be discovered)."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import MINUTE, analyzer, finding, meta, short, status, time_of
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, mapping, sequence

STUCK_AFTER = 5 * MINUTE
BLOCKING = ("NamespaceDeletionContentFailure", "NamespaceFinalizersRemaining", "NamespaceContentRemaining",
            "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure")  # fmt: skip
"""The namespace controller's conditions that say what holds a deletion."""


@analyzer("namespaces", ("Namespace",), "Namespaces stuck terminating, with what holds them")
def analyze(view: ClusterView) -> Iterator[Finding]:
    for ns in view.live("Namespace"):
        if status(ns.doc).get("phase") != "Terminating":
            continue
        since = time_of(meta(ns.doc).get("deletionTimestamp"))
        if since is not None and view.at - since < STUCK_AFTER:
            continue
        holding = [
            f"{c.get('reason') or c.get('type')}: {short(str(c.get('message') or ''), 200)}"
            for c in map(mapping, sequence(status(ns.doc).get("conditions")))
            if c.get("type") in BLOCKING and c.get("status") == "True"
        ]
        finalizers = ", ".join(
            str(f) for f in sequence(mapping(ns.doc.get("spec")).get("finalizers"))
        )
        yield finding("namespaces", "stuck-terminating", Severity.ERROR, ns, f"Namespace {ns.key.name}: stuck terminating",
                      detail="; ".join(holding) or f"finalizers: {finalizers or 'none'}", since=since,
                      remediation="remove what holds it (the resources and finalizers its conditions name); nothing can be created in it meanwhile")  # fmt: skip
