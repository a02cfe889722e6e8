"""Parsed documents to revisions and events: Lists, watch envelopes, Events.

Every document is checked for the shape of a Kubernetes object; what does not
fit becomes a :class:`Problem` naming the document, and the rest goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crumbs import kinds
from crumbs.activity import NodeEvent
from crumbs.formats import audit, helm, logs, nodeimport
from crumbs.formats.documents import Document
from crumbs.formats.events import events_without_subject, is_event, namespace_events, to_event
from crumbs.formats.identity import Kinds, identify, restore_name
from crumbs.formats.logs import Section
from crumbs.formats.other import not_an_object
from crumbs.formats.stamps import newest_timestamp
from crumbs.model import (
    AuditRecord,
    Event,
    HelmRelease,
    LogChunk,
    Note,
    NotKubernetes,
    Obj,
    ObjectKey,
    Origin,
    Problem,
    Revision,
    RevisionType,
    Skipped,
    mapping,
    split_api_version,
)
from crumbs.timeutil import parse_time, time_problem

Record = (
    Revision | Event | HelmRelease | AuditRecord | NodeEvent | LogChunk | Note | Problem | Skipped
)

WATCH_TYPES = {
    "ADDED": RevisionType.ADDED,
    "MODIFIED": RevisionType.MODIFIED,
    "DELETED": RevisionType.DELETED,
}


def interpret(
    value: Any, where: str, cluster: str, observed: int | None = None, known: Kinds | None = None
) -> Iterator[Record]:
    """One parsed document → the records it holds.

    ``known``: the kinds learned so far in this reading (CRDs), to identify objects that
    come without ``apiVersion``/``kind`` (support archives).
    """
    known = known if known is not None else Kinds()
    if not isinstance(value, dict):
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from interpret(item, f"{where}[{i}]", cluster, observed, known)
            return
        yield NotKubernetes(where, f"not a Kubernetes object (a {_type_name(value)})")
        return
    if _is_watch_event(value):
        yield from _watch_event(value, where, cluster, observed, known)
        return
    if "kind" not in value:
        tool = nodeimport.detect(value)
        if tool is not None:
            yield from nodeimport.convert(tool, value, where)
            return
    kind = value.get("kind")
    items = value.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        yield from _list(value, kind, items, where, cluster, observed, known)
        return
    if kind is None and "apiVersion" not in value and isinstance(items, list):
        if events_without_subject(items):
            yield from namespace_events(items, where, cluster)
            return
        yield from _list(value, None, items, where, cluster, observed, known)
        return
    yield from _object(value, where, cluster, observed, None, known)


def _type_name(value: Any) -> str:
    return {str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _is_watch_event(value: dict[str, Any]) -> bool:
    return (
        "object" in value
        and isinstance(value.get("type"), str)
        and "kind" not in value
        and "apiVersion" not in value
    )


def _watch_event(
    value: dict[str, Any], where: str, cluster: str, observed: int | None, known: Kinds
) -> Iterator[Record]:
    etype = value["type"]
    line_time = observed
    raw_time = value.get("time")
    if raw_time is not None:
        line_time = parse_time(raw_time) if isinstance(raw_time, str) else None
        if line_time is None:
            yield Problem(where, f'"time" {time_problem(str(raw_time))}')
            return
    if etype == "BOOKMARK":
        yield Skipped(where, "watch BOOKMARK")
        return
    if etype == "ERROR":
        obj = value.get("object")
        msg = obj.get("message", "") if isinstance(obj, dict) else ""
        yield Skipped(where, f"watch ERROR: {msg}".rstrip(": "))
        return
    rtype = WATCH_TYPES.get(etype)
    if rtype is None:
        yield Problem(where, f"unknown watch event type {etype!r}")
        return
    obj = value["object"]
    if not isinstance(obj, dict):
        yield Problem(where, f"watch event object is a {_type_name(obj)}, not an object")
        return
    yield from _object(obj, where, cluster, line_time, rtype, known)


def _list(
    value: dict[str, Any],
    kind: str | None,
    items: list[Any],
    where: str,
    cluster: str,
    observed: int | None,
    known: Kinds,
) -> Iterator[Record]:
    if not items:
        yield Skipped(where, f"empty {kind or 'list'}")
        return
    api = value.get("apiVersion")
    for i, item in enumerate(items):
        yield from list_item(
            item, i, kind, api if isinstance(api, str) else None, where, cluster, observed, known
        )


def list_item(
    item: Any,
    i: int,
    list_kind: str | None,
    list_api: str | None,
    where: str,
    cluster: str,
    observed: int | None = None,
    known: Kinds | None = None,
) -> Iterator[Record]:
    """Item ``i`` of a List. Typed lists from the API (PodList, as cluster-info dump writes them)
    omit the items' kind and apiVersion: they are the list's."""
    at = f"{where}#items[{i}]"
    typed = list_kind and list_kind != kinds.LIST_KIND and list_kind.endswith("List")
    if isinstance(item, dict) and typed and "kind" not in item:
        item = {"apiVersion": list_api, "kind": list_kind[: -len("List")], **item}  # type: ignore[index]
    known = known if known is not None else Kinds()
    if isinstance(item, dict) and _is_watch_event(item):
        yield from _watch_event(item, at, cluster, observed, known)
    elif isinstance(item, dict):
        yield from _object(item, at, cluster, observed, None, known)
    else:
        yield Problem(at, f"not a Kubernetes object (a {_type_name(item)})")


def records_of(
    docs: Iterable[Document | Problem], cluster: str, known: Kinds | None = None
) -> Iterator[Record]:
    """Parsed documents (and the problems met on the way) → records."""
    known = known if known is not None else Kinds()
    for doc in docs:
        if isinstance(doc, Problem):
            yield doc
        elif isinstance(doc.value, Section):
            yield logs.chunk(cluster, doc.value.where, doc.value.tail, doc.where)
        else:
            yield from interpret(doc.value, doc.where, cluster, doc.time, known)


def _object(
    obj: Obj,
    where: str,
    cluster: str,
    observed: int | None,
    rtype: RevisionType | None,
    known: Kinds,
) -> Iterator[Record]:
    if audit.is_audit(obj):
        yield from audit.to_records(obj, where, cluster)
        return
    other = not_an_object(obj)
    if other is not None:
        yield Skipped(where, other)
        return
    obj = restore_name(obj)
    if "apiVersion" not in obj and "kind" not in obj:
        found = identify(obj, where, known)
        if found is None and isinstance(mapping(obj.get("metadata")).get("name"), str):
            yield NotKubernetes(
                where,
                "an object without apiVersion and kind, whose path and selfLink do not tell "
                "its kind (a custom resource whose definition is not in the data?)",
            )
            return
        obj = found or obj
    problem = check_object(obj)
    if problem:
        looks_like_k8s = isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str)
        yield Problem(where, problem) if looks_like_k8s else NotKubernetes(where, problem)
        return
    group, _ = split_api_version(obj["apiVersion"])
    kind = obj["kind"]
    if is_event(group, kind):
        yield to_event(obj, where, cluster, observed)
        return
    known.learn(obj)
    md = obj["metadata"]
    key = ObjectKey(cluster, group, kind, md.get("namespace") or "", md["name"])
    origin = Origin.DECLARED if declared(obj) else Origin.OBSERVED
    yield Revision(
        key, md.get("uid") or "", observed, rtype, obj, where, newest_timestamp(obj), origin
    )
    if group == "" and helm.is_release(obj):
        yield from helm.decode(obj, where, cluster, observed)


def declared(obj: Obj) -> bool:
    """A manifest, not an object seen in a cluster: no status, no uid, no resourceVersion
    (what ``kubectl apply -f`` reads, kustomize and Helm render)."""
    md = mapping(obj.get("metadata"))
    return not obj.get("status") and not md.get("uid") and not md.get("resourceVersion")


def check_object(obj: Obj) -> str | None:
    """What is wrong with the shape of a Kubernetes object, or None."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not api_version:
        return "no apiVersion: not a Kubernetes object"
    if not isinstance(kind, str) or not kind:
        return "no kind: not a Kubernetes object"
    group, version = split_api_version(api_version)
    if not version:
        return f"apiVersion {api_version!r} has no version"
    if not kinds.is_known(group, kind):
        return f"unknown kind {kind} in API group {group or 'core'!s}"
    md = obj.get("metadata")
    if md is None:
        return f"{kind} without metadata"
    if not isinstance(md, dict):
        return f"{kind}: metadata is a {_type_name(md)}, not a mapping"
    name = md.get("name")
    if not isinstance(name, str) or not name:
        return f"{kind} without metadata.name"
    for field in ("namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"):
        v = md.get(field)
        if v is not None and not isinstance(v, str):
            return f"{kind}/{name}: metadata.{field} is a {_type_name(v)}, not a string"
    for field in ("creationTimestamp", "deletionTimestamp"):
        v = md.get(field)
        if v and parse_time(v) is None:
            return f"{kind}/{name}: metadata.{field} {time_problem(v)}"
    for field in ("labels", "annotations"):
        v = md.get(field)
        if v is None:
            continue
        if not isinstance(v, dict):
            return f"{kind}/{name}: metadata.{field} is a {_type_name(v)}, not a mapping"
        for k, val in v.items():
            if not isinstance(val, str):
                return f"{kind}/{name}: metadata.{field}.{k} is a {_type_name(val)}, not a string"
    mf = md.get("managedFields")
    if mf is not None and not isinstance(mf, list):
        return f"{kind}/{name}: metadata.managedFields is a {_type_name(mf)}, not a list"
    return None
