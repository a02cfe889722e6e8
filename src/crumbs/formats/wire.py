"""The ingest wire format: what ``watch --to`` and ``agent --to`` send to ``crumbs serve``'s
``POST /api/v1/ingest``, and how the server reads it back.

A body is JSON lines (``Content-Encoding: zstd`` allowed). A revision is an interchange line —
a watch event as the API server prints it — with the exact time and provenance beside it::

    {"type": "MODIFIED", "object": {...}, "time": "2026-11-27T14:05:12.031415926Z",
     "at": 1795788312031415926, "uid": "…", "origin": "observed"}

Every other line names its record::

    {"record": "event", "group", "kind", "namespace", "name", "uid", "at", "type", "reason",
     "message", "count", "source", "firstAt"}
    {"record": "release", "namespace", "name", "revision", "status", "chart", "chartVersion",
     "appVersion", "at", "firstDeployed", "description", "storage", "payload"}
    {"record": "audit", "group", "kind", "namespace", "name", "uid", "at", "verb", "user",
     "groups", "sourceIPs", "userAgent", "code", "auditID", "subresource", "resourceVersion"}
    {"record": "log", "namespace", "pod", "container", "previous", "firstAt", "lastAt", "at",
     "podUID", "restarts", "source", "lines"}
    {"record": "node", "event": {NodeEvent's fields}}
    {"record": "status", "resource", "kind", "state", "resourceVersion", "lastEventAt",
     "lastContactAt", "events", "lists", "errors", "lastError", "updatedAt"}

No line names a cluster: the server takes it from the sender's token, so a recorder cannot
write another cluster's data. What is sent was already redacted where it was recorded
(Secret values as keyed digests, log lines); the server redacts Secrets again (a no-op on
digests). Times are integer nanoseconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from crumbs.activity import NodeEvent
from crumbs.errors import CrumbsError
from crumbs.model import (
    AuditRecord,
    Event,
    HelmRelease,
    LogChunk,
    ObjectKey,
    Origin,
    ResourceStatus,
    Revision,
    RevisionType,
    StoredEvent,
    StoredLog,
    StoredRelease,
    StoredRevision,
)
from crumbs.timeutil import format_time, in_range

MAX_LINE = 16 * 1024 * 1024


class WireError(CrumbsError):
    """A body that is not the wire format: one line naming where."""


Record = Revision | Event | HelmRelease | AuditRecord | LogChunk | NodeEvent | ResourceStatus

_ORIGINS = {o.name.lower(): o for o in Origin}
_NODE_FIELDS = {f.name for f in dataclasses.fields(NodeEvent) if f.name != "id"}
_STATUS_FIELDS = {
    "resource": "resource", "kind": "kind", "state": "state", "resourceVersion": "resource_version",
    "lastEventAt": "last_event_at", "lastContactAt": "last_contact_at", "events": "events",
    "lists": "lists", "errors": "errors", "lastError": "last_error", "updatedAt": "updated_at",
}  # fmt: skip


# -- writing -------------------------------------------------------------------


def revision_line(rev: StoredRevision) -> bytes:
    """The document goes as the store keeps it (its JSON bytes), never decoded and encoded again."""
    head = orjson.dumps({"type": rev.type.name, "time": format_time(rev.at), "at": rev.at, "uid": rev.uid,
                         "origin": rev.origin.name.lower()})  # fmt: skip
    return head[:-1] + b',"object":' + rev.json() + b"}"


def event_line(e: StoredEvent) -> bytes:
    k = e.key
    return orjson.dumps({"record": "event", "group": k.group, "kind": k.kind, "namespace": k.namespace,
                         "name": k.name, "uid": e.uid, "at": e.at, "type": e.type, "reason": e.reason,
                         "message": e.message, "count": e.count, "source": e.source, "firstAt": e.first_at})  # fmt: skip


def release_line(r: StoredRelease) -> bytes:
    return orjson.dumps({"record": "release", "namespace": r.namespace, "name": r.name, "revision": r.revision,
                         "status": r.status, "chart": r.chart, "chartVersion": r.chart_version,
                         "appVersion": r.app_version, "at": r.at, "firstDeployed": r.first_deployed,
                         "description": r.description, "storage": r.storage, "payload": r.payload})  # fmt: skip


def audit_line(a: AuditRecord) -> bytes:
    k = a.key
    return orjson.dumps({"record": "audit", "group": k.group, "kind": k.kind, "namespace": k.namespace,
                         "name": k.name, "uid": a.uid, "at": a.at, "verb": a.verb, "user": a.user,
                         "groups": list(a.groups), "sourceIPs": list(a.source_ips), "userAgent": a.user_agent,
                         "code": a.code, "auditID": a.audit_id, "subresource": a.subresource,
                         "resourceVersion": a.resource_version})  # fmt: skip


def log_line(log: StoredLog) -> bytes:
    return orjson.dumps({"record": "log", "namespace": log.namespace, "pod": log.pod, "container": log.container,
                         "previous": log.previous, "firstAt": log.first_at, "lastAt": log.last_at,
                         "at": log.observed_at, "podUID": log.pod_uid, "restarts": log.restarts,
                         "source": log.where, "lines": log.text.split("\n") if log.text else []})  # fmt: skip


def node_line(e: NodeEvent) -> bytes:
    return orjson.dumps(
        {"record": "node", "event": {k: v for k, v in dataclasses.asdict(e).items() if k != "id"}}
    )


def status_line(s: ResourceStatus) -> bytes:
    return orjson.dumps(
        {"record": "status", **{wire: getattr(s, attr) for wire, attr in _STATUS_FIELDS.items()}}
    )


# -- reading ---------------------------------------------------------------------


def _str(doc: dict[str, Any], key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not a string")
    return value


def _int(
    doc: dict[str, Any], key: str, optional: bool = False, default: int | None = None
) -> int | None:
    value = doc.get(key, default)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key!r} is not an integer")
    return value


def _time(doc: dict[str, Any], key: str, optional: bool = False) -> int | None:
    value = _int(doc, key, optional)
    if value is not None and not in_range(value):
        raise ValueError(f"{key!r} is outside the times Crumbs keeps")
    return value


def _revision(doc: dict[str, Any], cluster: str) -> Revision:
    obj = doc.get("object")
    if not isinstance(obj, dict):
        raise ValueError("'object' is not an object")
    md = obj.get("metadata")
    if not isinstance(md, dict):
        raise ValueError("the object has no metadata")
    api, kind = _str(obj, "apiVersion"), _str(obj, "kind")
    group = api.rpartition("/")[0]
    try:
        rtype = RevisionType[_str(doc, "type")]
    except KeyError:
        raise ValueError(f"type {doc.get('type')!r} is not ADDED, MODIFIED or DELETED") from None
    origin = _ORIGINS.get(_str(doc, "origin", "observed"))
    if origin is None:
        raise ValueError(f"origin {doc.get('origin')!r} is not observed, declared or reconstructed")
    key = ObjectKey(cluster, group, kind, _str(md, "namespace", ""), _str(md, "name"))
    at = _time(doc, "at")
    return Revision(
        key, _str(doc, "uid", md.get("uid") or ""), at, rtype, obj, "ingest", None, origin
    )


def _key(doc: dict[str, Any], cluster: str) -> ObjectKey:
    return ObjectKey(
        cluster, _str(doc, "group"), _str(doc, "kind"), _str(doc, "namespace"), _str(doc, "name")
    )


def _strings(doc: dict[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key!r} is not a list of strings")
    return tuple(value)


def _record(doc: dict[str, Any], cluster: str) -> Record:
    kind = doc.get("record")
    if kind is None:
        return _revision(doc, cluster)
    if kind == "event":
        return Event(_key(doc, cluster), _str(doc, "uid"), _time(doc, "at"), _str(doc, "type"), _str(doc, "reason"),
                     _str(doc, "message"), _int(doc, "count") or 0, _str(doc, "source", ""),
                     _time(doc, "firstAt", optional=True), where="ingest")  # fmt: skip
    if kind == "release":
        payload = doc.get("payload")
        if not isinstance(payload, dict):
            raise ValueError("'payload' is not an object")
        manifest = payload.get("manifest") or []
        if not isinstance(manifest, list):
            raise ValueError("'payload.manifest' is not a list")
        return HelmRelease(cluster, _str(doc, "namespace"), _str(doc, "name"), _int(doc, "revision") or 0,
                           _str(doc, "status"), _str(doc, "chart"), _str(doc, "chartVersion"), _str(doc, "appVersion"),
                           _time(doc, "at"), _time(doc, "firstDeployed", optional=True), _str(doc, "description"),
                           payload.get("values") or {}, payload.get("defaults") or {}, manifest,
                           _str(doc, "storage"), "ingest", payload.get("deployed"))  # fmt: skip
    if kind == "audit":
        return AuditRecord(_key(doc, cluster), _str(doc, "uid"), _time(doc, "at") or 0, _str(doc, "verb"),
                           _str(doc, "user"), _strings(doc, "groups"), _strings(doc, "sourceIPs"),
                           _str(doc, "userAgent"), _int(doc, "code") or 0, _str(doc, "auditID"),
                           _str(doc, "subresource", ""), _str(doc, "resourceVersion", ""), "ingest")  # fmt: skip
    if kind == "log":
        previous = doc.get("previous")
        if previous is not None and not isinstance(previous, bool):
            raise ValueError("'previous' is not true, false or null")
        pod_uid = doc.get("podUID")
        return LogChunk(cluster, _str(doc, "namespace"), _str(doc, "pod"), _str(doc, "container"),
                        list(_strings(doc, "lines")), _str(doc, "source", "ingest"),
                        _time(doc, "firstAt", optional=True), _time(doc, "lastAt", optional=True), previous,
                        _time(doc, "at"), pod_uid if isinstance(pod_uid, str) else None,
                        _int(doc, "restarts", optional=True))  # fmt: skip
    if kind == "node":
        event = doc.get("event")
        if not isinstance(event, dict) or set(event) - _NODE_FIELDS:
            raise ValueError("'event' is not a node event")
        try:
            node = NodeEvent(**event)
        except TypeError as err:
            raise ValueError(f"'event' is not a node event ({err})") from None
        if not isinstance(node.at, int) or not in_range(node.at) or not isinstance(node.type, str):
            raise ValueError("'event' has no valid time or type")
        return node
    if kind == "status":
        fields = {attr: doc.get(wire) for wire, attr in _STATUS_FIELDS.items()}
        for attr in ("resource", "kind", "state", "resource_version", "last_error"):
            _str(fields, attr)
        for attr in ("events", "lists", "errors", "updated_at"):
            _int(fields, attr)
        for attr in ("last_event_at", "last_contact_at"):
            _int(fields, attr, optional=True)
        return ResourceStatus(cluster, **fields)  # type: ignore[arg-type]  # each field checked above
    raise ValueError(f"unknown record {kind!r}")


def read_body(body: bytes, cluster: str) -> Iterator[Record]:
    """The records of a body, for ``cluster``; WireError naming the first bad line."""
    for n, line in enumerate(body.split(b"\n"), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            raise WireError(f"line {n}: longer than {MAX_LINE // (1024 * 1024)} MiB")
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            raise WireError(f"line {n}: not JSON ({err})") from None
        if not isinstance(doc, dict):
            raise WireError(f"line {n}: not a JSON object")
        if "cluster" in doc:
            raise WireError(f"line {n}: names a cluster; the server takes it from the token")
        try:
            yield _record(doc, cluster)
        except ValueError as err:
            raise WireError(f"line {n}: {err}") from None


def body_of(lines: Iterable[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"
