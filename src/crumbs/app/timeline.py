"""``timeline``: changes (each summarised, with who) and Events of a window, oldest first."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from crumbs import contract
from crumbs.analyze.nodewords import breadcrumb
from crumbs.app.query import resolve_kind, window
from crumbs.errors import UsageError
from crumbs.model import CHANNELS, Change, Channel, Obj, StoredEvent, StoredLog
from crumbs.report import timeline as report
from crumbs.report.timeline import Entry
from crumbs.selectors import label_selector
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
    labels: str | None = None,
) -> Timeline:
    """The window's entries; ``changes=False``: Events (and log captures) only, the ``events``
    view; ``actors``: only changes one of whose actors' manager, user or tool contains one of
    these words (case-insensitive); ``labels``: kubectl's ``-l``, see :func:`_labelled`."""
    lo, hi, sel = _scope(store, since, start, end, namespace, kinds, cluster)
    entries = collect(store.queries, lo, hi, sel, noise=noise, events=events, channels=_channels(channels),
                      activity=store.activity if activity else None, changes=changes, actors=actors)  # fmt: skip
    if labels:
        entries = _labelled(store, entries, label_selector(labels), hi, sel)
    return Timeline(lo, hi, entries)


def _labelled(store: Store, entries: list[Entry], match: Callable[[Obj], bool], hi: int | None,
              sel: Selector) -> list[Entry]:  # fmt: skip
    """Changes of objects whose labels matched then; Events, logs and node events of objects
    (pods) that matched in a kept change, or at the window's end. The order is kept."""
    matched = {(e.revision.key.kind, e.revision.key.namespace, e.revision.key.name)
               for e in entries if isinstance(e, Change) and match(e.revision.doc)}  # fmt: skip
    end = hi if hi is not None else (store.queries.latest_time() or 0)
    matched |= {(r.key.kind, r.key.namespace, r.key.name)
                for r in store.queries.state_at(end, sel, ordered=False) if match(r.doc)}  # fmt: skip

    def kept(e: Entry) -> bool:
        if isinstance(e, Change):
            return match(e.revision.doc)
        if isinstance(e, StoredEvent):
            return (e.key.kind, e.key.namespace, e.key.name) in matched
        return ("Pod", e.namespace, e.pod) in matched  # a log capture or a node event: its pod

    return [e for e in entries if kept(e)]


def _scope(store: Store, since: str | None, start: str | None, end: str | None, namespace: str | None,
           kinds: Sequence[str], cluster: str | None) -> tuple[int | None, int | None, Selector]:  # fmt: skip
    """The window and the objects a timeline is about, from the options as users type them."""
    lo, hi = window(store, since, start, end)
    kinds_ = [k for text in kinds for k in resolve_kind(store, text)] if kinds else None
    return lo, hi, Selector(cluster=cluster, namespace=namespace, kinds=kinds_)


@dataclass
class Page:
    """One page of a timeline, newest first: what the web UI shows of a window of any length."""

    start: int | None
    end: int | None
    entries: list[Entry]
    older: int | None
    """Pass as ``before`` for the next (older) page; None: the window has no more."""
    histogram: tuple[int, int, list[int], list[int]] | None
    """``(first bar's time, bar width, revisions per bar, Events per bar)``, counted in SQL."""


PAGE_BARS = 120


def page(
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
    actors: Sequence[str] = (),
    before: int | None = None,
    limit: int = 200,
) -> Page:
    """The newest ``limit`` entries of the window older than ``before`` (a keyset: no page reads
    what it does not show, however long the window), with the histogram of the whole window.

    The same entries as :func:`timeline`, filtered the same way; a page ends between two times,
    never inside one (entries of the same time stay together)."""
    lo, hi, sel = _scope(store, since, start, end, namespace, kinds, cluster)
    wanted, words = _channels(channels), [w.lower() for w in actors if w]
    upper = hi if before is None else (before - 1 if hi is None else min(hi, before - 1))
    q = store.queries
    found: list[Entry] = []
    more = False
    below: tuple[int, int] | None = None
    while True:  # changes, newest first, in batches until a page's worth passes the filters
        batch = q.newest_between(lo, upper, sel, limit * 2, below)
        if not batch:
            break
        below = (batch[-1].at, batch[-1].id)
        audit = by_object(q.audit(batch[-1].at - 3600 * NS, batch[0].at + SKEW, sel))
        found.extend(
            ch
            for ch in changes_of(batch[::-1], q.previous, audit)
            if _shown(ch, noise, wanted, words)
        )
        if len(batch) < limit * 2:
            break
        if len(found) >= limit:
            more = True
            break
    if events and wanted is None and not words:
        newest = q.events(lo, upper, sel, newest=limit + 1)
        more = more or len(newest) > limit
        found.extend(newest)
        if _with_pods(sel):
            found.extend(c for c in q.log_captures(lo, upper, sel.namespace, sel.cluster)[-(limit + 1):]
                         if sel.name is None or c.pod == sel.name)  # fmt: skip
        if activity and sel.kinds is None:
            found.extend(e for e in store.activity.events(lo, upper, namespace=sel.namespace, cluster=sel.cluster,
                                                           limit=limit + 1) if breadcrumb(e))  # fmt: skip
    found.sort(key=_order, reverse=True)
    if len(found) <= limit and not more:
        return Page(lo, hi, found, None, _histogram(q, lo, hi, sel))
    # cut at the time of the page's last entry, and take every entry of that time (a source
    # may have had more of it than it read): the next page starts strictly before it
    cut = _order(found[min(limit, len(found)) - 1])[0]
    at_cut = collect(q, cut, cut, sel, noise=noise, events=events, channels=wanted,
                     activity=store.activity if activity else None, actors=actors)  # fmt: skip
    shown = [e for e in found if _order(e)[0] > cut] + sorted(at_cut, key=_order, reverse=True)
    older = cut if more or any(_order(e)[0] < cut for e in found) else None
    return Page(lo, hi, shown, older, _histogram(q, lo, hi, sel))


def _histogram(
    q: Queries, lo: int | None, hi: int | None, sel: Selector
) -> tuple[int, int, list[int], list[int]] | None:
    first = lo if lo is not None else q.earliest_time()
    last = hi if hi is not None else q.latest_time()
    if first is None or last is None or last < first:
        return None
    width, revisions, events = q.counts_by_time(first, last, sel, PAGE_BARS)
    return first, width, revisions, events


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
        found.extend(ch for ch in changes_of(queries.between(start, end, sel), queries.previous, audit)
                     if _shown(ch, noise, channels, words))  # fmt: skip
    if actors:
        return sorted(found, key=_order)  # who: changes only
    if events and channels is None:
        found.extend(queries.events(start, end, sel))
    if events and channels is None and _with_pods(sel):
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


def _shown(ch: Change, noise: bool, channels: Collection[str] | None, words: list[str]) -> bool:
    """A change a timeline shows: not noise-only (unless ``noise``), made through one of
    ``channels`` (if given), by an actor one of ``words`` names (if given)."""
    return (
        (noise or not is_noise(ch))
        and (channels is None or _through(ch, channels))
        and (not words or _by(ch, words))
    )


def _with_pods(sel: Selector) -> bool:
    """Whether the selection takes Pods in (their log captures are marks on a timeline)."""
    return sel.kinds is None or any(k == "Pod" for _, k in sel.kinds)


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
