"""Kubernetes audit logs (audit.k8s.io/v1 Event lines, as the API server writes them).

Only what changes objects is kept: ``create``, ``update``, ``patch``,
``delete`` and ``deletecollection`` requests at stage ``ResponseComplete``.
Each becomes an :class:`AuditRecord` (who, from where, with what client).
At level ``RequestResponse`` a successful create, update or patch also yields
a revision of the object as the response returned it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs import kinds
from crumbs.model import (
    AuditRecord,
    Obj,
    ObjectKey,
    Revision,
    RevisionType,
    Skipped,
    mapping,
    sequence,
    split_api_version,
)
from crumbs.timeutil import parse_time

MUTATING = {"create", "update", "patch", "delete", "deletecollection"}
_TYPES = {
    "create": RevisionType.ADDED,
    "update": RevisionType.MODIFIED,
    "patch": RevisionType.MODIFIED,
}


def is_audit(obj: Obj) -> bool:
    return obj.get("kind") == "Event" and str(obj.get("apiVersion") or "").startswith(
        "audit.k8s.io/"
    )


def _kind(ref: dict[str, Any], response: dict[str, Any]) -> str:
    if isinstance(response.get("kind"), str) and response["kind"] != "Status":
        return str(response["kind"])
    group, resource = str(ref.get("apiGroup") or ""), str(ref.get("resource") or "")
    for info in kinds.BUILTIN:
        if info.group == group and info.plural == resource:
            return info.kind
    singular = resource[:-1] if resource.endswith("s") else resource
    return singular[:1].upper() + singular[1:]


def to_records(obj: Obj, where: str, cluster: str) -> Iterator[AuditRecord | Revision | Skipped]:
    verb = str(obj.get("verb") or "")
    if obj.get("stage") != "ResponseComplete" or verb not in MUTATING:
        yield Skipped(where, f"audit {obj.get('stage')} {verb}: not a completed change")
        return
    ref = mapping(obj.get("objectRef"))
    response = mapping(obj.get("responseObject"))
    name = str(ref.get("name") or mapping(response.get("metadata")).get("name") or "")
    at = parse_time(str(obj.get("stageTimestamp") or obj.get("requestReceivedTimestamp") or ""))
    if not name or at is None:
        yield Skipped(where, "audit event without an object name or a time")
        return
    key = ObjectKey(
        cluster,
        str(ref.get("apiGroup") or ""),
        _kind(ref, response),
        str(ref.get("namespace") or ""),
        name,
    )
    user = mapping(obj.get("user"))
    status = mapping(obj.get("responseStatus"))
    raw_code = status.get("code")
    code = raw_code if isinstance(raw_code, int) else 0
    response_md = mapping(response.get("metadata"))
    yield AuditRecord(
        key=key,
        uid=str(ref.get("uid") or response_md.get("uid") or ""),
        at=at,
        verb=verb,
        user=str(user.get("username") or ""),
        groups=tuple(str(g) for g in sequence(user.get("groups"))),
        source_ips=tuple(str(ip) for ip in sequence(obj.get("sourceIPs"))),
        user_agent=str(obj.get("userAgent") or ""),
        code=code,
        audit_id=str(obj.get("auditID") or ""),
        subresource=str(ref.get("subresource") or ""),
        resource_version=str(response_md.get("resourceVersion") or ""),
        where=where,
    )
    rtype = _TYPES.get(verb)
    if (
        rtype is not None
        and 200 <= code < 300
        and response.get("kind")
        and response_md.get("name")
        and not ref.get("subresource")
    ):
        group, _ = split_api_version(str(response.get("apiVersion") or ""))
        doc_key = ObjectKey(
            cluster,
            group,
            str(response["kind"]),
            str(response_md.get("namespace") or ""),
            str(response_md["name"]),
        )
        yield Revision(doc_key, str(response_md.get("uid") or ""), at, rtype, response, where)
