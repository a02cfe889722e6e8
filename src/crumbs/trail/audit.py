"""Attribution from audit logs: the best source, when there are some.

A revision is matched to the audit record of the request that made it: the one
whose response carried the revision's resourceVersion (exact), else the last
mutating request on the object between the previous revision and this one
(plus two seconds of clock skew). The verb must fit: ``create`` for a
creation, ``delete`` for a deletion, ``update``/``patch`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from crumbs.model import (
    Actor,
    Attribution,
    AuditRecord,
    Channel,
    RevisionType,
    StoredRevision,
    mapping,
)
from crumbs.timeutil import NS
from crumbs.trail.managers import actor

SKEW = 2 * NS
_VERBS = {
    RevisionType.ADDED: {"create"},
    RevisionType.MODIFIED: {"update", "patch"},
    RevisionType.DELETED: {"delete", "deletecollection"},
}
_GITOPS_NAMESPACES = {"argocd", "argo-cd", "flux-system", "fleet-system"}


def match(
    rev: StoredRevision, previous: StoredRevision | None, records: Sequence[AuditRecord]
) -> AuditRecord | None:
    """The audit record of the request that made ``rev`` (records of its object, oldest first)."""
    verbs = _VERBS[rev.type]
    rv = str(mapping(rev.doc.get("metadata")).get("resourceVersion") or "")
    candidates = [
        r
        for r in records
        if r.verb in verbs
        and 200 <= (r.code or 200) < 300
        and (not r.uid or not rev.uid or r.uid == rev.uid)
    ]
    if rv:
        exact = [r for r in candidates if r.resource_version == rv]
        if exact:
            return exact[-1]
    lo = previous.at if previous is not None else rev.at - 60 * NS
    window = [r for r in candidates if lo < r.at <= rev.at + SKEW]
    return window[-1] if window else None


def audit_actor(record: AuditRecord, inferred: Attribution | None) -> Actor:
    """The actor of an audit record: its client's channel, else its user's; the user is always named."""
    product = record.user_agent.split("/", 1)[0].split(" ", 1)[0]
    base = actor(product, "", record.subresource) if product else None
    channel = base.channel if base is not None else Channel.UNKNOWN
    tool = base.tool if base is not None else record.user_agent
    if channel == Channel.UNKNOWN:
        channel, tool = _by_user(record.user, tool)
    manager = product or record.user
    if inferred is not None and len(inferred.actors) == 1 and inferred.actors[0].channel == channel:
        manager = inferred.actors[0].manager  # managedFields and the audit log agree on the channel
    return Actor(manager, record.verb, channel, tool, record.subresource, user=record.user)


def _by_user(user: str, tool: str) -> tuple[str, str]:
    if user.startswith("system:serviceaccount:"):
        namespace = user.split(":")[2] if user.count(":") >= 3 else ""
        if namespace == "kube-system":
            return Channel.CONTROLLER, tool
        if namespace in _GITOPS_NAMESPACES:
            return Channel.GITOPS, tool
        return Channel.OPERATOR, tool
    if user.startswith(("system:node:", "system:kube-", "system:apiserver")):
        return Channel.CONTROLLER, tool
    if user and not user.startswith("system:"):
        return Channel.HUMAN, tool  # an authenticated person with a client we do not know
    return Channel.UNKNOWN, tool


def attribute_with_audit(
    rev: StoredRevision,
    previous: StoredRevision | None,
    records: Sequence[AuditRecord],
    inferred: Attribution | None,
) -> Attribution | None:
    """An attribution from the audit log, or None when no record matches."""
    record = match(rev, previous, records)
    if record is None:
        return None
    who = audit_actor(record, inferred)
    ips = f" from {', '.join(record.source_ips)}" if record.source_ips else ""
    return Attribution(
        (who,), "audit", True, f"{record.verb} by {record.user}{ips} ({record.user_agent})"
    )
