"""A timeline: changes and events of a window, in time order, as text lines or the JSON contract."""

from __future__ import annotations

from typing import Any

from crumbs.model import Change, StoredEvent
from crumbs.report.shapes import change_entry, event_entry
from crumbs.report.text import change_line, event_line
from crumbs.store import Queries, Selector
from crumbs.trail.changes import changes, is_noise

Entry = Change | StoredEvent


def collect(
    queries: Queries,
    start: int | None,
    end: int | None,
    sel: Selector = Selector(),
    noise: bool = False,
    events: bool = True,
) -> list[Entry]:
    """Changes (noise-only ones unless ``noise``) and events in [start, end], oldest first."""
    found: list[Entry] = [
        ch
        for ch in changes(queries.between(start, end, sel), queries.previous)
        if noise or not is_noise(ch)
    ]
    if events:
        found.extend(queries.events(start, end, sel))
    return sorted(found, key=_order)


def _order(entry: Entry) -> tuple[int, int]:
    if isinstance(entry, Change):
        return (entry.revision.at, 0)
    return (entry.at, 1)


def as_json(entries: list[Entry]) -> list[dict[str, Any]]:
    return [change_entry(e) if isinstance(e, Change) else event_entry(e) for e in entries]


def as_lines(entries: list[Entry]) -> list[str]:
    return [change_line(e) if isinstance(e, Change) else event_line(e) for e in entries]
