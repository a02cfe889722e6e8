"""Who made a change, from what the API server keeps: managedFields.

A change is attributed to the managers whose entry time moved since the
previous revision and who own (now, or owned before) a field whose value
changed. One such manager: certain. Several owning the same changed field:
uncertain ("uncertain: a or b"). Several owning different fields: each is
named for its part. A creation is attributed to the writers at creation
time. Noise (resourceVersion, generation, heartbeats) is no evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson

from crumbs.model import Actor, Attribution, Channel, Obj, RevisionType, mapping
from crumbs.timeutil import NS, parse_time
from crumbs.trail.fieldsets import (
    FieldsError,
    Manager,
    PathElement,
    managers,
    paths_of,
    same_value,
)
from crumbs.trail.managers import actor

Path = tuple[PathElement, ...]
MISSING = object()
"""What :func:`resolve` returns for a path that is not there."""
_MISSING = MISSING
_NOISE_FIELDS = {
    ("metadata", "resourceVersion"),
    ("metadata", "generation"),
    ("status", "observedGeneration"),
}
_HEARTBEATS = {"lastHeartbeatTime", "lastProbeTime", "renewTime"}
EntryKey = tuple[str, str, str]


def _key(m: Manager) -> EntryKey:
    return (m.manager, m.operation, m.subresource)


def resolve(doc: Any, path: Path) -> Any:
    """The value at a managedFields path, or a sentinel when it is not there."""
    node = doc
    for kind, name in path:
        if kind == "f":
            if not isinstance(node, dict) or name not in node:
                return _MISSING
            node = node[name]
        elif not isinstance(node, list):
            return _MISSING
        elif kind == "k":
            node = next(
                (
                    x
                    for x in node
                    if isinstance(x, dict) and all(f in x and same_value(x[f], v) for f, v in name)
                ),
                _MISSING,
            )
        elif kind == "v":
            wanted = orjson.loads(name)
            node = next((x for x in node if x == wanted), _MISSING)
        else:
            node = node[name] if 0 <= name < len(node) else _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _is_noise(path: Path) -> bool:
    names = [name for kind, name in path if kind == "f"]
    if len(names) >= 2 and (names[0], names[1]) in _NOISE_FIELDS:
        return True
    return bool(names) and names[-1] in _HEARTBEATS


def _changed(paths: Iterable[Path], before: Obj, after: Obj) -> list[Path]:
    """Owned paths whose value differs; a path with owned descendants counts only if it (dis)appeared."""
    paths = [p for p in paths if not _is_noise(p)]
    parents = {p[:i] for p in paths for i in range(len(p))}
    out = []
    for p in paths:
        a, b = resolve(before, p), resolve(after, p)
        if p in parents:
            if (a is _MISSING) != (b is _MISSING):
                out.append(p)
        elif not (a is b or (a is not _MISSING and b is not _MISSING and a == b)):
            out.append(p)
    return out


def _fields(entry_fields: Any) -> list[Path]:
    try:
        return list(paths_of(entry_fields)) if entry_fields is not None else []
    except FieldsError:
        return []


def attribute(previous: Obj | None, doc: Obj, rtype: RevisionType) -> Attribution:
    """Who made the revision ``doc`` (``previous``: the revision before it, None for a creation).

    Broken managedFields entries are left out and named in the note.
    """
    result = _attribute(previous, doc, rtype)
    broken = _broken(doc)
    if not broken:
        return result
    note = f"attribution unknown for {', '.join(broken)}: broken managedFields"
    return replace(result, note=f"{result.note}; {note}" if result.note else note)


def _broken(doc: Obj) -> list[str]:
    out = []
    entries = mapping(doc.get("metadata")).get("managedFields")
    for e in entries if isinstance(entries, list) else ():
        if not isinstance(e, dict) or not isinstance(e.get("manager"), str):
            out.append("an entry without a manager")
            continue
        try:
            if e.get("fieldsV1") is not None:
                paths_of(e["fieldsV1"])
        except FieldsError:
            out.append(e["manager"])
    return out


def _attribute(previous: Obj | None, doc: Obj, rtype: RevisionType) -> Attribution:
    now = managers(doc)
    if rtype == RevisionType.DELETED:
        return Attribution(
            (), "none", False, "attribution unknown: deletions are not recorded in managedFields"
        )
    if not now:
        declared = declared_by(doc)
        if declared is not None:
            return Attribution(
                (declared,),
                "labels",
                False,
                f"no managedFields: {declared.tool} manages it, as its labels say",
            )
        return Attribution((), "none", False, "attribution unknown: no managedFields")
    if previous is None or rtype == RevisionType.ADDED:
        return _creation(doc, now)
    before = {_key(m): (m, f) for m, f in managers(previous)}
    moved: list[tuple[Manager, list[Path]]] = []
    for entry, fields in now:
        old = before.get(_key(entry))
        if (
            old is None
            or (entry.time or 0) > (old[0].time or 0)
            or (entry.time is None and fields != old[1])
        ):
            paths = _fields(fields) + (_fields(old[1]) if old else [])
            moved.append((entry, _changed(set(paths), previous, doc)))
    touching = [(e, paths) for e, paths in moved if paths]
    if not touching:
        if moved:
            actors = tuple(actor(e.manager, e.operation, e.subresource) for e, _ in moved)
            names = " or ".join(e.manager for e, _ in moved)
            return Attribution(
                actors,
                "managedFields",
                False,
                f"uncertain: {names} wrote since, but none owns what changed",
            )
        return Attribution(
            (),
            "none",
            False,
            "attribution unknown: no field manager recorded a write since the previous revision",
        )
    touching.sort(key=lambda ep: (ep[0].subresource == "status", -(ep[0].time or 0)))
    actors = tuple(actor(e.manager, e.operation, e.subresource) for e, _ in touching)
    if len(touching) == 1:
        return Attribution(actors, "managedFields", True)
    shared = set.intersection(*(set(paths) for _, paths in touching))
    writers = [e.manager for e, _ in touching]
    if shared:
        return Attribution(actors, "managedFields", False, "uncertain: " + " or ".join(writers))
    return Attribution(actors, "managedFields", True, "several writers: " + " and ".join(writers))


_DECLARERS = (
    (
        "label",
        "addonmanager.kubernetes.io/mode",
        "addon-manager",
        Channel.CONTROLLER,
        "the cluster's addon manager",
    ),
    ("label", "app.kubernetes.io/managed-by=Helm", "helm", Channel.HELM, "Helm"),
    ("annotation", "meta.helm.sh/release-name", "helm", Channel.HELM, "Helm"),
    ("label", "argocd.argoproj.io/instance", "argocd-controller", Channel.GITOPS, "Argo CD"),
    (
        "annotation",
        "argocd.argoproj.io/tracking-id",
        "argocd-controller",
        Channel.GITOPS,
        "Argo CD",
    ),
    ("label", "kustomize.toolkit.fluxcd.io/name", "kustomize-controller", Channel.GITOPS, "Flux"),
    ("label", "helm.toolkit.fluxcd.io/name", "helm-controller", Channel.GITOPS, "Flux"),
)


def declared_by(doc: Obj) -> Actor | None:
    """Who manages an object, as its own labels and annotations say (the addon manager, Helm,
    Argo CD, Flux): the actor of changes that left no managedFields (reconstructed revisions,
    objects stripped of them)."""
    md = mapping(doc.get("metadata"))
    labels, annotations = mapping(md.get("labels")), mapping(md.get("annotations"))
    for where, key, manager, channel, tool in _DECLARERS:
        name, _, value = key.partition("=")
        found = (labels if where == "label" else annotations).get(name)
        if found is not None and (not value or found == value):
            return Actor(manager, "", channel, tool)
    return None


def _status_only(entry: Manager, fields: Any) -> bool:
    """A status writer: ``subresource: status``, or (before Kubernetes 1.22) owning nothing but ``status``."""
    return entry.subresource == "status" or (
        isinstance(fields, dict) and bool(fields) and set(fields) == {"f:status"}
    )


def _prefer_the_cause(writers: list[Manager]) -> list[Manager]:
    """Writers of the same moment: a controller beside one other writer was reacting to it."""
    if len(writers) < 2:
        return writers
    channels = [actor(e.manager, e.operation, e.subresource).channel for e in writers]
    others = [
        e
        for e, c in zip(writers, channels, strict=True)
        if c not in (Channel.CONTROLLER, Channel.OPERATOR)
    ]
    return others if len(others) == 1 else writers


def _creation(doc: Obj, entries: list[tuple[Manager, Any]]) -> Attribution:
    """The writers at creation (status writers aside); for an object first seen later, its latest writers."""
    created = parse_time(str(mapping(doc.get("metadata")).get("creationTimestamp") or ""))
    writers = [e for e, f in entries if not _status_only(e, f)] or [e for e, _ in entries]
    at_creation = [
        e for e in writers if created is not None and e.time is not None and e.time <= created + NS
    ]
    if at_creation:
        first = min(e.time or 0 for e in at_creation)
        chosen, basis, note = [e for e in at_creation if (e.time or 0) == first], "creation", ""
    else:
        last = max(e.time or 0 for e in writers)
        chosen, basis = [e for e in writers if (e.time or 0) == last], "managedFields"
        note = "first seen after its creation: its latest writers"
    chosen = _prefer_the_cause(chosen)
    actors = tuple(actor(e.manager, e.operation, e.subresource) for e in chosen)
    if len(actors) == 1:
        return Attribution(actors, basis, True, note)
    return Attribution(actors, basis, False, "uncertain: " + " or ".join(e.manager for e in chosen))
