"""Drift: fields of declaratively owned objects whose last writer was a human.

A Helm-, Argo CD- or Flux-owned object is meant to be what its source says. A
field whose current owner (in managedFields) is ``kubectl-edit``, ``kubectl-patch``
or any other human channel was changed by hand after the fact: a breadcrumb
the deploy did not leave. Objects nobody declares (no owner, and not made by
a controller) are reported as unowned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crumbs.model import Channel, Obj, StoredRevision, mapping
from crumbs.trail.attribution import MISSING, resolve
from crumbs.trail.fieldsets import Manager, Node, PathElement, ownership
from crumbs.trail.managers import actor
from crumbs.trail.ownership import Owner, creator_channel, declared_owner

DECLARATIVE = (Channel.HELM, Channel.GITOPS, Channel.IAC)
_BOOKKEEPING = {("metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration")}
"""kubectl apply's echo of itself: it always comes with the fields it applied."""
_SKIP_KINDS = {
    "Event",
    "Lease",
    "EndpointSlice",
    "Endpoints",
    "ControllerRevision",
    "Node",
    "Namespace",
    "ComponentStatus",
}


@dataclass
class DriftedField:
    path: str
    value: Any
    manager: Manager


@dataclass
class Drift:
    revision: StoredRevision
    owner: Owner
    fields: list[DriftedField] = field(default_factory=list)


def _display(path: tuple[PathElement, ...]) -> str:
    out = ""
    for kind, name in path:
        if kind == "f":
            out += f'["{name}"]' if "." in name or "/" in name else ("." if out else "") + name
        elif kind == "k":
            out += (
                "[" + ",".join(f"{k}={v}" for k, v in name) + "]"
                if len(name) > 1
                else f"[{name[0][1]}]"
            )
        elif kind == "v":
            out += f"[{name}]"
        else:
            out += f"[{name}]"
    return out


def _human_paths(root: Node) -> list[tuple[tuple[PathElement, ...], Manager]]:
    """Top-most owned nodes whose latest owner is a human channel."""
    found: list[tuple[tuple[PathElement, ...], Manager]] = []

    def walk(node: Node, path: tuple[PathElement, ...]) -> None:
        if node.owners:
            latest = max(node.owners, key=lambda m: (m.time or 0, m.index))
            if actor(latest.manager, latest.operation, latest.subresource).channel == Channel.HUMAN:
                found.append((path, latest))
                return
        for kind, table in (
            ("f", node.fields),
            ("k", node.keys),
            ("v", node.values),
            ("i", node.positions),
        ):
            for name, child in table.items():
                walk(child, (*path, (kind, name)))

    walk(root, ())
    return found


def drift(rev: StoredRevision) -> Drift | None:
    """The hand-made fields of a declaratively owned object, or None."""
    owner = declared_owner(rev.doc)
    if owner is None or owner.channel not in DECLARATIVE:
        return None
    result = Drift(rev, owner)
    for path, manager in _human_paths(ownership(rev.doc).root):
        if tuple(name for _, name in path) in _BOOKKEEPING:
            continue
        value = resolve(rev.doc, path)
        if value is not MISSING:  # managedFields may outlive the field
            result.fields.append(DriftedField(_display(path), value, manager))
    return result if result.fields else None


def unowned(revisions: Iterable[StoredRevision]) -> list[StoredRevision]:
    """Objects nobody declares and no controller made."""
    out = []
    for rev in revisions:
        if rev.key.kind in _SKIP_KINDS or rev.key.namespace in (
            "kube-system",
            "kube-public",
            "kube-node-lease",
        ):
            continue
        if declared_owner(rev.doc) is not None:
            continue
        if creator_channel(rev.doc) in (Channel.CONTROLLER, Channel.OPERATOR):
            continue
        if _made_by_the_control_plane(rev.doc):
            continue
        out.append(rev)
    return out


def _made_by_the_control_plane(doc: Obj) -> bool:
    name = str(mapping(doc.get("metadata")).get("name") or "")
    return (doc.get("kind"), name) in {
        ("ServiceAccount", "default"),
        ("ConfigMap", "kube-root-ca.crt"),
        ("Service", "kubernetes"),
    }
