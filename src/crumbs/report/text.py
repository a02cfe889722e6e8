"""Plain terminal rendering: one line per entry, never wrapped, coloured on a terminal only."""

from __future__ import annotations

import time

from rich.console import Console
from rich.markup import escape

from crumbs.model import Attribution, Change, ObjectKey, RevisionType, StoredEvent

NS = 1_000_000_000
_TYPE_STYLE = {
    RevisionType.ADDED: "green",
    RevisionType.MODIFIED: "yellow",
    RevisionType.DELETED: "red",
}


def short_time(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns // NS))


def object_label(key: ObjectKey) -> str:
    return key.display()


_CHANNEL_STYLE = {
    "human": "bold magenta",
    "helm": "blue",
    "gitops": "green",
    "iac": "green",
    "controller": "dim",
}


def who(att: Attribution | None) -> str:
    """``kubectl-patch · human``, ``uncertain: helm or kubectl-edit``, ``?``."""
    if att is None or not att.actors:
        return "?"
    if not att.certain and len(att.actors) > 1:
        return att.note or "uncertain"
    first = att.actors[0]
    more = f" +{len(att.actors) - 1}" if len(att.actors) > 1 else ""
    user = f" as {first.user}" if first.user else ""
    return f"{first.manager}{user} · {first.channel}{more}"


def change_line(ch: Change) -> str:
    rev = ch.revision
    style = _TYPE_STYLE.get(rev.type, "")
    word = {RevisionType.ADDED: "created", RevisionType.DELETED: "deleted"}.get(rev.type, "changed")
    if rev.type == RevisionType.ADDED and ch.summary.startswith("first seen"):
        word = "seen"
    att = ch.attribution
    channel = att.actors[0].channel if att and att.actors else "unknown"
    return (
        f"[dim]{short_time(rev.at)}[/]  [{style}]{word:<7}[/]  [bold]{escape(object_label(rev.key))}[/]"
        f"  {escape(ch.summary)}  [{_CHANNEL_STYLE.get(channel, 'dim')}]‹{escape(who(att))}›[/]"
    )


def event_line(ev: StoredEvent) -> str:
    style = "red" if ev.type == "Warning" else "cyan"
    count = f" (x{ev.count})" if ev.count > 1 else ""
    return (
        f"[dim]{short_time(ev.at)}[/]  [{style}]{'event':<7}[/]  [bold]{escape(object_label(ev.key))}[/]"
        f"  [{style}]{escape(ev.reason)}[/]: {escape(ev.message)}{count}"
    )


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)
