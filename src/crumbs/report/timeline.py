"""A timeline's entries (changes, Events, node events, log captures) as text lines or the JSON
contract; :mod:`crumbs.app.timeline` gathers them."""

from __future__ import annotations

from crumbs.activity import NodeEvent
from crumbs.analyze.nodewords import breadcrumb, describe
from crumbs.contract import TimelineEntry
from crumbs.formats.nodeevents import to_json
from crumbs.model import Change, StoredEvent, StoredLog
from crumbs.report.shapes import change_entry, event_entry, log_ref
from crumbs.report.text import change_line, clean, event_line, short_time
from crumbs.timeutil import format_time

Entry = Change | StoredEvent | NodeEvent | StoredLog


def _json(e: Entry) -> TimelineEntry:
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


def as_json(entries: list[Entry]) -> list[TimelineEntry]:
    return [_json(e) for e in entries]


def as_lines(entries: list[Entry]) -> list[str]:
    return [_line(e) for e in entries]
