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
        reasons: Counter[tuple[str, str]] = Counter()
        first: dict[tuple[str, str], object] = {}  # the event each line cites
        for e in warnings:
            key = (e["event"].get("reason"), _where(e.get("object") or {}))
            reasons[key] += 1
            first.setdefault(key, e["event"]["id"])
        top = "; ".join(
            f"{r} on {w} ×{n} [E{first[(r, w)]}]" for (r, w), n in reasons.most_common(5)
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


def _pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec") or {}
    kind = doc.get("kind")
    if kind == "Pod":
        return [spec]
    if kind == "CronJob":
        return [
            (
                (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get(
                    "spec"
                )
                or {}
            )
        ]
    return [((spec.get("template") or {}).get("spec") or {})]


def _runs(image: str, wanted: str) -> bool:
    """``ghcr.io/acme/billing:1.4.2`` runs ``billing:1.4.2``: the same, or the same after a registry
    and path."""
    return image == wanted or image.endswith("/" + wanted)


def _finished(item: dict[str, Any]) -> bool:
    """A Pod that ended, a Job that completed or failed: it runs nothing any more."""
    status = item.get("status") or {}
    if item.get("kind") == "Pod":
        return status.get("phase") in ("Succeeded", "Failed")
    if item.get("kind") == "Job":
        return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
                   for c in status.get("conditions") or [] if isinstance(c, dict))  # fmt: skip
    return False


def _containers(item: dict[str, Any], image: str) -> list[str]:
    """The names of ``item``'s containers (init ones too) that run ``image``."""
    return [str(c.get("name")) for spec in _pod_specs(item)
            for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
            if isinstance(c, dict) and _runs(str(c.get("image") or ""), image)]  # fmt: skip


def uses(docs: list[dict[str, Any]], image: str) -> str:
    found, ended = [], 0
    for doc in docs:
        items = doc.get("items") or ([doc] if doc.get("kind") not in (None, "List") else [])
        for item in items:
            names = _containers(item, image)
            if not names:
                continue
            if _finished(item):
                ended += 1
                continue
            meta = item.get("metadata") or {}
            ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
            found.append(
                f"- {item.get('kind')} {ns}{meta.get('name')} (container {', '.join(names)})"
            )
    past = f" ({ended} finished Pods and Jobs ran it too)" if ended else ""
    if not found:
        return f"Nothing recorded runs {image} now (Pods, CronJobs, Deployments, StatefulSets, DaemonSets, Jobs){past}."
    more = [f"(and {len(found) - 40} more)"] if len(found) > 40 else []
    return "\n".join([f"{len(found)} object(s) still run {image}{past}:", *found[:40], *more])


def copilot(doc: dict[str, Any]) -> str:
    """The investigations before this one (the one running has no answer yet)."""
    done = [t for t in doc.get("traces") or [] if t.get("answer")]
    if not done:
        return "The copilot has not answered anything before in this store."
    last = done[0]
    first_line = str(last.get("answer") or "").strip().splitlines()[0]
    lines = [f"Last time (trace {last.get('id')}, {last.get('started')}, {last.get('mode')}) the question was "
             f"\"{last.get('question')}\"; it ended {last.get('status')} and answered: {first_line}",
             f"Step through it with `crumbs trace show {last.get('id')}`; replay it with `crumbs trace replay {last.get('id')}`."]  # fmt: skip
    if len(done) > 1:
        lines.append(
            "Before that: "
            + "; ".join(f'#{t.get("id")} "{t.get("question")}"' for t in done[1:5])
            + "."
        )
    return "\n".join(lines)
