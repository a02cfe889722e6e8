"""Kubernetes Events (core/v1 and events.k8s.io/v1) as timeline events of their object."""

from __future__ import annotations

from typing import Any

from crumbs import kinds
from crumbs.model import Event, Obj, ObjectKey, Problem, mapping, split_api_version
from crumbs.timeutil import parse_time

EVENT_GROUPS = ("", "events.k8s.io")


def is_event(group: str, kind: str) -> bool:
    return kind == "Event" and group in EVENT_GROUPS


def _time(*values: Any) -> int | None:
    for v in values:
        if isinstance(v, str) and v:
            t = parse_time(v)
            if t is not None:
                return t
    return None


def to_event(obj: Obj, where: str, cluster: str, observed: int | None) -> Event | Problem:
    """An Event object → an :class:`Event` on the object it is about.

    Its time is when it last happened (``series.lastObservedTime``,
    ``lastTimestamp``, ``eventTime``, ``firstTimestamp``, creation), else when
    the recording saw it, else ingest time.
    """
    md = obj["metadata"]
    new_api = "regarding" in obj or obj.get("apiVersion", "").startswith("events.k8s.io/")
    involved = obj.get("regarding") if new_api else obj.get("involvedObject")
    if (
        not isinstance(involved, dict)
        or not isinstance(involved.get("kind"), str)
        or not isinstance(involved.get("name"), str)
    ):
        return Problem(
            where,
            f"Event {md['name']} has no {'regarding' if new_api else 'involvedObject'} kind and name",
        )
    group, _ = split_api_version(str(involved.get("apiVersion") or "v1"))
    kind = involved["kind"]
    namespace = involved.get("namespace") or ""
    if not namespace and kinds.is_namespaced(group, kind):
        # client-go always fills it in; older recorders may not.
        namespace = md.get("namespace") or ""
    series = mapping(obj.get("series"))
    if new_api:
        message = obj.get("note") or ""
        count = series.get("count") or obj.get("deprecatedCount") or 1
        last = _time(
            series.get("lastObservedTime"), obj.get("deprecatedLastTimestamp"), obj.get("eventTime")
        )
        first = _time(obj.get("deprecatedFirstTimestamp"), obj.get("eventTime"))
        source = obj.get("reportingController") or ""
    else:
        message = obj.get("message") or ""
        count = series.get("count") or obj.get("count") or 1
        last = _time(
            series.get("lastObservedTime"),
            obj.get("lastTimestamp"),
            obj.get("eventTime"),
            obj.get("firstTimestamp"),
        )
        first = _time(obj.get("firstTimestamp"), obj.get("eventTime"))
        src = mapping(obj.get("source"))
        source = src.get("component") or obj.get("reportingComponent") or ""
    at = last or _time(md.get("creationTimestamp")) or observed
    return Event(
        key=ObjectKey(cluster, group, kind, namespace, involved["name"]),
        uid=str(involved.get("uid") or ""),
        at=at,
        type=str(obj.get("type") or "Normal"),
        reason=str(obj.get("reason") or ""),
        message=str(message),
        count=count if isinstance(count, int) else 1,
        source=str(source),
        first_at=first,
        event_uid=str(md.get("uid") or md["name"]),
        where=where,
    )


def events_without_subject(items: list[object]) -> bool:
    """Events as OpenShift Insights archives keep them (``events/NS.json``): a namespace, a
    reason, a message, a time, and no object they are about."""
    return bool(items) and all(
        isinstance(i, dict)
        and "reason" in i
        and "message" in i
        and isinstance(i.get("namespace"), str)
        and "involvedObject" not in i
        and "regarding" not in i
        and "metadata" not in i
        for i in items
    )


def namespace_events(items: list[object], where: str, cluster: str) -> list[Event | Problem]:
    """Events without their object, each kept on the timeline of its Namespace."""
    out: list[Event | Problem] = []
    for n, item in enumerate(items):
        e = mapping(item)
        at = _time(e.get("lastTimestamp"), e.get("eventTime"), e.get("firstTimestamp"))
        if at is None:
            out.append(Problem(f"{where}#items[{n}]", "an Event without a time"))
            continue
        message, reason = str(e.get("message") or ""), str(e.get("reason") or "")
        count = e.get("count")
        out.append(Event(
            key=ObjectKey(cluster, "", "Namespace", "", str(e["namespace"])), uid="", at=at,
            type=str(e.get("type") or "Normal"), reason=reason, message=message,
            count=count if isinstance(count, int) else 1,
            source=str(mapping(e.get("source")).get("component") or ""),
            first_at=_time(e.get("firstTimestamp")),
            event_uid=f"{e['namespace']}/{reason}/{at}/{message[:80]}", where=f"{where}#items[{n}]",
        ))  # fmt: skip
    return out
