"""Blame, rendered: aligned owner columns and the YAML, or the JSON contract."""

from __future__ import annotations

from typing import cast

from crumbs.contract import Blame as BlameJSON
from crumbs.contract import BlameLine, BlameOwner
from crumbs.model import ObjectKey
from crumbs.report.shapes import object_ref, revision_ref
from crumbs.report.text import clean, short_time, styled
from crumbs.timeutil import format_time
from crumbs.trail.blame import Blame, Line
from crumbs.trail.fieldsets import Manager
from crumbs.trail.managers import actor

_STYLE = {
    "human": "bold magenta",
    "helm": "blue",
    "gitops": "green",
    "iac": "green",
    "controller": "dim",
    "operator": "cyan",
}


def _owner(m: Manager) -> BlameOwner:
    a = actor(m.manager, m.operation, m.subresource)
    out: BlameOwner = {
        "manager": m.manager,
        "operation": m.operation,
        "channel": a.channel,
        "time": format_time(m.time) if m.time else None,
    }
    if m.subresource:
        out["subresource"] = m.subresource
    return out


def as_json(
    result: Blame, key: ObjectKey, uid: str, api_version: str | None, at: int | None
) -> BlameJSON:
    lines: list[BlameLine] = []
    for line in result.lines:
        owner = line.owner
        entry = cast(BlameLine, {
            "text": line.text,
            **(
                _owner(owner)
                if owner
                else {"manager": None, "operation": None, "channel": None, "time": None}
            ),
        })  # fmt: skip
        entry["since"] = revision_ref(line.since) if line.since else None
        if len(line.owners) > 1:
            entry["owners"] = [_owner(m) for m in line.owners]
        lines.append(entry)
    return {
        "object": object_ref(key, uid, api_version),
        "at": format_time(at) if at is not None else None,
        "problems": result.problems,
        "lines": lines,
    }


def as_text(result: Blame, history: bool) -> list[str]:
    """``manager  operation  time  [rN]  yaml`` per line, coloured by channel."""
    mw = max((len(m.manager) for m in result.managers), default=0)
    ow = max((len(m.operation) for m in result.managers), default=0)
    out = []
    for line in result.lines:
        if line.bare:
            out.append(clean(line.text))
            continue
        since = ""
        if history:
            since = f"r{line.since.ordinal:<4} " if line.since else " " * 6
        out.append(_owner_column(line, mw, ow) + since + clean(line.text))
    return out


def _owner_column(line: Line, mw: int, ow: int) -> str:
    owner = line.owner
    if owner is None:
        return " " * (mw + ow + 19)
    style = _STYLE.get(actor(owner.manager, owner.operation, owner.subresource).channel, "")
    when = short_time(owner.time)[:16] if owner.time else ""
    shared = "+" if len(line.owners) > 1 else " "
    return f"{styled(style, f'{owner.manager:<{mw}}')}{shared}{clean(f'{owner.operation:<{ow}}')} [dim]{when:<16}[/] "
