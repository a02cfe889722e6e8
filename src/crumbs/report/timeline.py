"""A timeline: changes and events of a window, in time order, as text lines or the JSON contract."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from crumbs.activity import NodeEvent
from crumbs.analyze.nodewords import breadcrumb, describe
from crumbs.formats.nodeevents import to_json
from crumbs.model import Change, Channel, StoredEvent, StoredLog
from crumbs.report.shapes import change_entry, event_entry, log_ref
from crumbs.report.text import change_line, clean, event_line, short_time
from crumbs.store import Queries, Selector
from crumbs.store.activity import ActivityQueries
from crumbs.timeutil import NS, format_time
from crumbs.trail.audit import SKEW
from crumbs.trail.changes import by_object, changes, is_noise

Entry = Change | StoredEvent | NodeEvent | StoredLog


def collect(
    queries: Queries,
    start: int | None,
    end: int | None,
    sel: Selector = Selector(),
    noise: bool = False,
    events: bool = True,
    channels: Collection[str] | None = None,
    activity: ActivityQueries | None = None,
) -> list[Entry]:
    """Changes (noise-only ones unless ``noise``; of ``channels`` only, if given) and events in [start, end].

    With ``activity``: also the node events worth a line (:func:`crumbs.activity.breadcrumb`).
    """
    audit = by_object(
        queries.audit(
            start - 3600 * NS if start is not None else None,
            end + SKEW if end is not None else None,
            sel,
        )
    )
    found: list[Entry] = [
        ch
        for ch in changes(queries.between(start, end, sel), queries.previous, audit)
        if (noise or not is_noise(ch)) and (channels is None or _through(ch, channels))
    ]
    if events and channels is None:
        found.extend(queries.events(start, end, sel))
    if events and channels is None and (sel.kinds is None or any(k == "Pod" for _, k in sel.kinds)):
        # a container log was captured: a mark (the lines: crumbs logs)
        found.extend(c for c in queries.log_captures(start, end, sel.namespace, sel.cluster)
                     if sel.name is None or c.pod == sel.name)  # fmt: skip
    if activity is not None and channels is None and sel.kinds is None:
        found.extend(
            e
            for e in activity.events(start, end, namespace=sel.namespace, cluster=sel.cluster)
            if breadcrumb(e)
        )
    return sorted(found, key=_order)


def _through(ch: Change, channels: Collection[str]) -> bool:
    att = ch.attribution
    if att is None or not att.actors:
        return Channel.UNKNOWN in channels
    return any(a.channel in channels for a in att.actors)


def _order(entry: Entry) -> tuple[int, int]:
    if isinstance(entry, Change):
        return (entry.revision.at, 0)
    if isinstance(entry, StoredLog):
        return (entry.observed_at, 3)
    return (entry.at, 1 if isinstance(entry, StoredEvent) else 2)


def _json(e: Entry) -> dict[str, Any]:
    if isinstance(e, Change):
        return change_entry(e)
    if isinstance(e, StoredEvent):
        return event_entry(e)
    if isinstance(e, StoredLog):
        return {
            "type": "log",
            "at": format_time(e.observed_at),
            "log": log_ref(e, with_lines=False),
        }
    doc = to_json(e)
    return {"type": "node-event", "at": doc["time"], "why": breadcrumb(e), "event": doc}


def _line(e: Entry) -> str:
    if isinstance(e, Change):
        return change_line(e)
    if isinstance(e, StoredEvent):
        return event_line(e)
    if isinstance(e, StoredLog):
        which = "previous container's " if e.previous else ""
        who = f"{e.namespace}/{e.pod} {e.container}".rstrip()
        return f"[dim]{short_time(e.observed_at)}[/]  [blue]{'logs':<7}[/]  {clean(who)}: {which}log captured, {e.lines} lines  [dim](crumbs logs {clean(e.pod)} -n {clean(e.namespace)})[/]"
    return f"[dim]{short_time(e.at)}[/]  [magenta]{'node':<7}[/]  {clean(describe(e))}  [dim]({clean(breadcrumb(e))})[/]"


def as_json(entries: list[Entry]) -> list[dict[str, Any]]:
    return [_json(e) for e in entries]


def as_lines(entries: list[Entry]) -> list[str]:
    return [_line(e) for e in entries]
