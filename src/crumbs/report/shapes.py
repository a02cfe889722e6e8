"""The JSON shapes every command shares. Changing one is a breaking change of the CLI's API."""

from __future__ import annotations

from typing import cast

from crumbs.contract import (
    ActorRef,
    AttributionRef,
    ChangeEntry,
    EventEntry,
    LogRef,
    ObjectRef,
    RevisionRef,
)
from crumbs.model import (
    Actor,
    Attribution,
    Change,
    Channel,
    ObjectKey,
    StoredEvent,
    StoredLog,
    StoredRevision,
    mapping,
)
from crumbs.timeutil import format_time


def object_ref(key: ObjectKey, uid: str = "", api_version: str | None = None) -> ObjectRef:
    ref: ObjectRef = {
        "cluster": key.cluster,
        "group": key.group,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "uid": uid,
    }
    if api_version:
        ref["apiVersion"] = api_version
    return ref


def revision_ref(rev: StoredRevision) -> RevisionRef:
    out: RevisionRef = {
        "id": rev.id,
        "at": format_time(rev.at),
        "type": rev.type.name,
        "uid": rev.uid,
    }
    if rev.ordinal:
        out["ordinal"] = rev.ordinal
    rv = mapping(rev.doc.get("metadata")).get("resourceVersion")
    if rv:
        out["resourceVersion"] = str(rv)
    return out


def actor_ref(actor: Actor) -> ActorRef:
    out: ActorRef = {
        "manager": actor.manager,
        "operation": actor.operation,
        "channel": actor.channel,
        "tool": actor.tool,
    }
    if actor.subresource:
        out["subresource"] = actor.subresource
    if actor.user:
        out["user"] = actor.user
    return out


def attribution_ref(att: Attribution | None) -> AttributionRef:
    """The actor's fields when there is one actor, or one that is certain for its part;
    otherwise nulls, and ``candidates`` lists who it may have been."""
    if att is not None and att.actors and (att.certain or len(att.actors) == 1):
        one = actor_ref(att.actors[0])
    else:
        channels = {a.channel for a in att.actors} if att else set()
        one = {
            "manager": None,
            "operation": None,
            "channel": channels.pop() if len(channels) == 1 else Channel.UNKNOWN,
            "tool": None,
        }
    # the actor's optional fields come before ``certain`` (the order the JSON has always had)
    out = cast(
        AttributionRef,
        {**one, "certain": bool(att and att.certain), "basis": att.basis if att else "none"},
    )
    if att and att.note:
        out["note"] = att.note
    if att and len(att.actors) > 1:
        out["candidates"] = [actor_ref(a) for a in att.actors]
    return out


def change_entry(ch: Change) -> ChangeEntry:
    rev = ch.revision
    return {
        "type": "change",
        "at": format_time(rev.at),
        "object": object_ref(rev.key, rev.uid, rev.doc.get("apiVersion")),
        "revision": revision_ref(rev),
        "summary": ch.summary,
        "paths": list(ch.paths),
        "actor": attribution_ref(ch.attribution),
    }


def event_entry(ev: StoredEvent) -> EventEntry:
    return {
        "type": "event",
        "at": format_time(ev.at),
        "object": object_ref(ev.key, ev.uid),
        "event": {
            "id": ev.id,
            "type": ev.type,
            "reason": ev.reason,
            "message": ev.message,
            "count": ev.count,
            "source": ev.source,
            "firstAt": format_time(ev.first_at) if ev.first_at else None,
        },
    }


def log_ref(chunk: StoredLog, with_lines: bool = True) -> LogRef:
    """A kept log chunk: whose, when captured, what time its lines cover, and (with_lines) them."""
    out: LogRef = {
        "id": chunk.id,
        "cluster": chunk.cluster,
        "namespace": chunk.namespace,
        "pod": chunk.pod,
        "podUid": chunk.pod_uid,
        "container": chunk.container,
        "previous": chunk.previous,
        "restarts": chunk.restarts,
        "capturedAt": format_time(chunk.observed_at),
        "firstAt": format_time(chunk.first_at) if chunk.first_at is not None else None,
        "lastAt": format_time(chunk.last_at) if chunk.last_at is not None else None,
        "source": chunk.where,
        "lineCount": chunk.lines,
    }
    if with_lines:
        out["lines"] = chunk.text.split("\n") if chunk.text else []
    return out
