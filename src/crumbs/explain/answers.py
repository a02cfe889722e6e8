"""The offline copilot's answers for what is not a diagnosis: what changed, who changed an
object, what the node agent saw; each line cites the evidence it read ([R…], [E…], [N…])."""

from __future__ import annotations

from collections import Counter
from typing import Any

HOW_TO_ASK = (
    'To ask without a model, name what you want: "what changed in shop since 2h", "who changed '
    'deploy/billing", "why is deploy/billing failing", "what did pod web-1 connect to", "is '
    'anything broken".'
)
SHOWN = 12


def _actor(a: dict[str, Any] | None) -> str:
    a = a or {}
    if a.get("manager"):
        user = f" as {a['user']}" if a.get("user") else ""
        return f"{a['manager']}{user} ({a.get('channel') or 'unknown channel'})"
    names = [c.get("manager") for c in a.get("candidates") or [] if c.get("manager")]
    return f"one of {', '.join(names)}" if names else "someone the data cannot name"


def _where(o: dict[str, Any]) -> str:
    ns = f"{o['namespace']}/" if o.get("namespace") else ""
    return f"{o.get('kind')} {ns}{o.get('name')}"


def _change_line(e: dict[str, Any]) -> str:
    rev = e.get("revision") or {}
    return f"{e.get('at')} {_where(e.get('object') or {})}: {e.get('summary') or rev.get('type', '').lower()} — by {_actor(e.get('actor'))} [R{rev.get('id')}]"


def changes(doc: dict[str, Any], window: str) -> str:
    entries = list(doc.get("entries") or [])
    made = [e for e in entries if e.get("type") == "change"]
    events = [e for e in entries if e.get("type") == "event"]
    if not made and not events:
        return f"Nothing was recorded as changing {window}."
    lines = [f"{len(made)} change(s) and {len(events)} event(s) {window}."]
    people = [e for e in made if (e.get("actor") or {}).get("channel") not in ("controller", None)]
    shown = (people or made)[-SHOWN:]
    if people:
        lines.append(
            f"Made by people or their tools ({len(people)}; controllers' own updates left out):"
        )
    for e in shown:
        lines.append(f"- {_change_line(e)}")
    if len(people or made) > SHOWN:
        lines.append(
            f"(and {len(people or made) - SHOWN} earlier; `crumbs timeline` lists them all)"
        )
    warnings = [e for e in events if (e.get("event") or {}).get("type") == "Warning"]
    if warnings:
        reasons = Counter(
            (e["event"].get("reason"), _where(e.get("object") or {})) for e in warnings
        )
        top = "; ".join(
            f"{r} on {w} ×{n} [E{next(x['event']['id'] for x in warnings if (x['event'].get('reason'), _where(x.get('object') or {})) == (r, w))}]"
            for (r, w), n in reasons.most_common(5)
        )
        lines.append(f"Warnings: {top}.")
    return "\n".join(lines)


def who(doc: dict[str, Any], target: str) -> str:
    name = target.split("/", 1)[1]
    made = [e for e in doc.get("entries") or []
            if e.get("type") == "change" and (e.get("object") or {}).get("name") == name]  # fmt: skip
    if not made:
        return f"No change of {target} is recorded."
    lines = [f"{target} changed {len(made)} time(s) in the record; the newest last:"]
    for e in made[-SHOWN:]:
        lines.append(f"- {_change_line(e)}")
    writers = Counter(_actor(e.get("actor")) for e in made)
    lines.append("Who: " + "; ".join(f"{w} ({n})" for w, n in writers.most_common(4)) + ".")
    return "\n".join(lines)


def node(doc: dict[str, Any]) -> str:
    events = list(doc.get("events") or [])
    if not events:
        return "The node agent recorded nothing that matches (is `crumbs agent` running on the nodes?)."
    kinds = Counter(e.get("type") for e in events)
    lines = [
        f"{len(events)} node event(s): "
        + ", ".join(f"{n} {t}" for t, n in kinds.most_common())
        + "."
    ]
    failed = [
        e
        for e in events
        if (e.get("connection") or {}).get("outcome")
        in ("refused", "reset", "timeout", "unreachable", "dropped")
    ]
    for e in (failed or events)[-SHOWN:]:
        who = (e.get("pod") or {}).get("name") or ("host" if e.get("host") else "?")
        c, d, p = e.get("connection") or {}, e.get("dns") or {}, e.get("process") or {}
        if e.get("type") == "connect":
            what = (
                f"connect to {c.get('dialed') or c.get('daddr')}"
                + (f" (→ {c['backend']})" if c.get("backend") else "")
                + f": {c.get('outcome')}"
            )
        elif e.get("type") == "dns":
            what = f"DNS {d.get('qname')} {d.get('rcode') or 'query'}"
        else:
            what = f"{e.get('type')} {p.get('binary') or p.get('comm')}"
        lines.append(f"- {e.get('time')} {who}: {what} [N{e.get('id')}]")
    return "\n".join(lines)
