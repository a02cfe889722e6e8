"""Plain terminal rendering: one line per entry, never wrapped, coloured on a terminal only."""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any

from rich.console import Console
from rich.markup import escape

from crumbs.model import Attribution, Change, ObjectKey, RevisionType, StoredEvent

NS = 1_000_000_000

_CONTROL = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def plain(text: object) -> str:
    """Text from the cluster made inert for a terminal: every control character (ANSI and OSC
    escapes, BEL, carriage returns, newlines, bidi overrides) shown as its escape, not obeyed."""
    s = str(text)
    if not _CONTROL.search(s):
        return s
    return _CONTROL.sub(_shown, s)


def _shown(m: re.Match[str]) -> str:
    c = m.group(0)
    named = _NAMED.get(c)
    if named:
        return named
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def clean(text: object) -> str:
    """Text from the cluster, ready to interpolate into Rich markup: inert, and never markup."""
    return escape(plain(text))


def plain_block(text: object) -> str:
    """Multi-line text made inert, lines kept (for output printed without markup)."""
    return "\n".join(plain(line) for line in str(text).split("\n"))


def clean_block(text: object) -> str:
    """Multi-line text from the cluster or a model (an answer, a log): lines kept, each cleaned."""
    return "\n".join(clean(line) for line in str(text).split("\n"))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_text(text: object) -> str:
    """Text from the cluster inside Markdown: inert, and never links, images, HTML or emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", plain(text))


def md_code(text: object) -> str:
    """Text from the cluster as a Markdown code span (a fence longer than any backtick run in it)."""
    s = plain(text)
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def styled(style: str, text: object) -> str:
    """``[style]text[/]`` with the text cleaned; no tag at all when there is no style."""
    return f"[{style}]{clean(text)}[/]" if style else clean(text)


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
        f"[dim]{short_time(rev.at)}[/]  [{style}]{word:<7}[/]  [bold]{clean(object_label(rev.key))}[/]"
        f"  {clean(ch.summary)}  [{_CHANNEL_STYLE.get(channel, 'dim')}]‹{clean(who(att))}›[/]"
    )


def event_line(ev: StoredEvent) -> str:
    style = "red" if ev.type == "Warning" else "cyan"
    count = f" (x{ev.count})" if ev.count > 1 else ""
    return (
        f"[dim]{short_time(ev.at)}[/]  [{style}]{'event':<7}[/]  [bold]{clean(object_label(ev.key))}[/]"
        f"  [{style}]{clean(ev.reason)}[/]: {clean(ev.message)}{count}"
    )


class Printer(Console):
    """Rich's console as Crumbs prints: on a terminal, prose is wrapped at its width and a
    listing's rows (:meth:`row`) are cut to it with an ellipsis, as a table stays readable when
    the window is narrow; in a pipe or a file nothing is wrapped or cut (``grep`` and ``awk``
    get whole lines)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.soft_wrap = not self.is_terminal

    def row(self, markup: str) -> None:
        """One row of a listing: whole in a pipe, at most the terminal's width on a terminal."""
        if self.is_terminal:
            self.print(markup, no_wrap=True, overflow="ellipsis", crop=True, soft_wrap=False)
        else:
            self.print(markup)

    def on_broken_pipe(self) -> None:
        """Output closed early (``| head``): stop writing and end quietly with 0, as kubectl does
        (rich's default ends with 1). What was not written goes nowhere."""
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (sys.stderr if self.stderr else sys.stdout).fileno())
        raise BrokenPipeError


def console(stderr: bool = False) -> Printer:
    return Printer(stderr=stderr, highlight=False)
