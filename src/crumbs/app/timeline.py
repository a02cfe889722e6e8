"""``timeline``: changes (each summarised, with who) and Events of a window, oldest first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from crumbs import contract
from crumbs.analyze.nodewords import breadcrumb
from crumbs.app.query import resolve_kind, window
from crumbs.errors import UsageError
from crumbs.model import CHANNELS, Change, Channel, StoredEvent, StoredLog
from crumbs.report import timeline as report
from crumbs.report.timeline import Entry
from crumbs.store import Queries, Selector, Store
from crumbs.store.activity import ActivityQueries
from crumbs.timeutil import NS, format_time
from crumbs.trail.audit import SKEW
from crumbs.trail.changes import by_object, is_noise
from crumbs.trail.changes import changes as changes_of


@dataclass
class Timeline:
    start: int | None
    end: int | None
    entries: list[report.Entry]

    def json(self) -> contract.Timeline:
        return {
            "from": format_time(self.start) if self.start is not None else None,
            "to": format_time(self.end) if self.end is not None else None,
            "entries": report.as_json(self.entries),
        }


def timeline(
    store: Store,
    *,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    namespace: str | None = None,
    kinds: Sequence[str] = (),
    cluster: str | None = None,
    noise: bool = False,
    events: bool = True,
    channels: Sequence[str] = (),
    activity: bool = False,
    changes: bool = True,
    actors: Sequence[str] = (),
) -> Timeline:
    """The window's entries; ``changes=False``: Events (and log captures) only, the ``events``
    view; ``actors``: only changes one of whose actors' manager, user or tool contains one of
    these words (case-insensitive)."""
    lo, hi = window(store, since, start, end)
    kinds_ = [k for text in kinds for k in resolve_kind(store, text)] if kinds else None
    sel = Selector(cluster=cluster, namespace=namespace, kinds=kinds_)
    entries = collect(store.queries, lo, hi, sel, noise=noise, events=events, channels=_channels(channels),
                      activity=store.activity if activity else None, changes=changes, actors=actors)  # fmt: skip
    return Timeline(lo, hi, entries)


def collect(
    queries: Queries,
    start: int | None,
    end: int | None,
    sel: Selector = Selector(),
    noise: bool = False,
    events: bool = True,
    channels: Collection[str] | None = None,
    activity: ActivityQueries | None = None,
    changes: bool = True,
    actors: Sequence[str] = (),
) -> list[Entry]:
    """Changes (noise-only ones unless ``noise``; of ``channels`` only, if given) and events in [start, end].

    With ``activity``: also the node events worth a line (:func:`crumbs.activity.breadcrumb`).
    """
    found: list[Entry] = []
    if changes:
        audit = by_object(
            queries.audit(
                start - 3600 * NS if start is not None else None,
                end + SKEW if end is not None else None,
                sel,
            )
        )
        words = [w.lower() for w in actors if w]
        found.extend(
            ch
            for ch in changes_of(queries.between(start, end, sel), queries.previous, audit)
            if (noise or not is_noise(ch))
            and (channels is None or _through(ch, channels))
            and (not words or _by(ch, words))
        )
    if actors:
        return sorted(found, key=_order)  # who: changes only
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


def _by(ch: Change, words: list[str]) -> bool:
    att = ch.attribution
    names = [
        n.lower()
        for a in (att.actors if att else [])
        for n in (a.manager, a.user or "", a.tool or "")
        if n
    ]
    return any(w in n for w in words for n in names)


def _order(entry: Entry) -> tuple[int, int]:
    if isinstance(entry, Change):
        return (entry.revision.at, 0)
    if isinstance(entry, StoredLog):
        return (entry.observed_at, 3)
    return (entry.at, 1 if isinstance(entry, StoredEvent) else 2)


def _channels(given: Sequence[str]) -> set[str] | None:
    if not given:
        return None
    wanted = {c.strip().lower() for text in given for c in text.split(",") if c.strip()}
    unknown = wanted - set(CHANNELS)
    if unknown:
        raise UsageError(
            f"--channel {', '.join(sorted(unknown))}: not a channel (one of {', '.join(CHANNELS)})"
        )
    return wanted
