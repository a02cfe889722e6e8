"""``timeline``: changes (each summarised, with who) and Events of a window, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crumbs.app.query import resolve_kind, window
from crumbs.errors import UsageError
from crumbs.model import CHANNELS
from crumbs.report import timeline as report
from crumbs.store import Selector, Store
from crumbs.timeutil import format_time


@dataclass
class Timeline:
    start: int | None
    end: int | None
    entries: list[report.Entry]

    def json(self) -> dict[str, Any]:
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
) -> Timeline:
    lo, hi = window(store, since, start, end)
    kinds_ = [k for text in kinds for k in resolve_kind(store, text)] if kinds else None
    sel = Selector(cluster=cluster, namespace=namespace, kinds=kinds_)
    entries = report.collect(store.queries, lo, hi, sel, noise=noise, events=events,
                             channels=_channels(channels), activity=store.activity if activity else None)  # fmt: skip
    return Timeline(lo, hi, entries)


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
