"""What the web UI's pages show, as plain data (dicts, lists, strings) built from the application
layer on the store as clients see it (redacted as it is read, as the API's answers are)."""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any

import yaml

from crumbs import contract
from crumbs.app import blame, diagnose, diff, drift, history, objects, releases, rollouts
from crumbs.app import timeline as timeline_app
from crumbs.errors import CrumbsError, NotFoundError
from crumbs.model import Origin, StoredRevision
from crumbs.report.timeline import as_json as report_json
from crumbs.serve.api import CLUSTER_SCOPED, Query
from crumbs.store import Selector, Store
from crumbs.timeutil import format_time, parse_time

PAGE = 200
"""Timeline entries per page (newest first; older ones a click away)."""


def timeline_page(store: Store, q: Query) -> dict[str, Any]:
    """A page of the timeline, newest first (older pages by a time keyset), and the histogram
    of the whole window counted in SQL: fast whatever the window holds."""
    before = q.one("before")
    found = timeline_app.page(
        store, since=q.one("since"), start=q.one("from"), end=q.one("to"), namespace=q.one("namespace") or None,
        kinds=q.many("kind"), cluster=q.one("cluster") or None, events=not q.flag("no-events"),
        channels=q.many("channel"), activity=q.flag("activity"), actors=q.many("actor"),
        before=parse_time(before) if before else None, limit=PAGE,
    )  # fmt: skip
    entries = report_json(found.entries)
    return {
        "from": format_time(found.start) if found.start is not None else None,
        "to": format_time(found.end) if found.end is not None else None,
        "entries": [_entry(e) for e in entries], "before": before,
        "older": format_time(found.older) if found.older is not None else None,
        "histogram": _bars(found.histogram), "namespaces": [n for n in store.queries.namespaces_of(Selector()) if n],
        "clusters": store.queries.clusters(),
    }  # fmt: skip


def _bars(h: tuple[int, int, list[int], list[int]] | None) -> dict[str, Any]:
    """The chart's data: bar times in Unix seconds, revisions and Events per bar."""
    if h is None:
        return {"t": [], "changes": [], "events": []}
    first, width, revisions, events = h
    return {
        "t": [(first + i * width) / 1e9 for i in range(len(revisions))],
        "changes": revisions,
        "events": events,
    }


def _entry(e: contract.TimelineEntry) -> dict[str, Any]:
    """One line: when, what kind of entry, on what, the summary and who (a change), or the Event."""
    out: dict[str, Any] = {"type": e["type"], "at": e["at"]}
    if e["type"] == "change":
        o, a = e["object"], e["actor"]
        out.update(object=o, link=object_link(o["kind"], o["namespace"], o["name"]), summary=e["summary"],
                   revision=e["revision"], channel=a["channel"], who=_who(a), paths=e["paths"])  # fmt: skip
    elif e["type"] == "event":
        o, ev = e["object"], e["event"]
        out.update(object=o, link=object_link(o["kind"], o["namespace"], o["name"]),
                   summary=f"{ev['reason']}: {ev['message']}", channel="event", who=ev["source"],
                   warning=ev["type"] == "Warning", count=ev["count"], id=ev["id"])  # fmt: skip
    elif e["type"] == "log":
        lg = e["log"]
        out.update(object={"kind": "Pod", "namespace": lg["namespace"], "name": lg["pod"]},
                   link=object_link("Pod", lg["namespace"], lg["pod"]), channel="logs", who=lg["container"],
                   summary=f"log captured: {lg['lineCount']} lines")  # fmt: skip
    else:
        node_event = e["event"]
        pod = node_event.get("pod") or {}
        node = str(node_event.get("node") or "")
        out.update(object={"kind": "Node", "namespace": "", "name": node},
                   link=object_link("Node", "", node), channel="node",
                   who=f"{pod.get('namespace', '')}/{pod.get('name', '')}".strip("/"), summary=e["why"])  # fmt: skip
    return out


def _who(a: contract.AttributionRef) -> str:
    if a["manager"] is None:
        names = [c["manager"] for c in a.get("candidates", []) if c["manager"]]
        return a.get("note") or (" or ".join(names) if names else "?")
    user = f" as {a['user']}" if a.get("user") else ""
    return f"{a['manager']}{user}"


def object_link(kind: str, namespace: str, name: str) -> str:
    return f"/objects/{kind}/{namespace or CLUSTER_SCOPED}/{name}"


def object_page(store: Store, q: Query) -> dict[str, Any]:
    """An object: its state as of a time, its history, blame, rollouts and releases, its drift,
    the findings about it, and who owns it and what it owns."""
    target, ns = q.target()
    at = q.one("at") or None
    hist = history.history(store, target, namespace=ns, cluster=q.one("cluster") or None)
    revs = hist.revisions
    current = objects.get(store, target, namespace=ns, at=at).revisions
    state = next(
        (r for r in current if r.origin != Origin.DECLARED), current[0] if current else None
    )
    doc = _shown(state.doc) if state else None
    changes = [{"id": c.revision.id, "ordinal": i + 1, "at": format_time(c.revision.at), "summary": c.summary,
                "type": c.revision.type.name, "who": _who_of(c.attribution)} for i, c in enumerate(hist.changes)]  # fmt: skip
    page: dict[str, Any] = {
        "kind": q.path["kind"], "namespace": ns or "", "name": q.path["name"], "at": at,
        "state": yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) if doc else None,
        "times": [format_time(r.at) for r in revs], "history": changes[::-1],
        "findings": _optional(lambda: diagnose.why(store, target, namespace=ns, at=at).json()["findings"], []),
        "blame": _optional(lambda: blame.blame(store, target, namespace=ns, at=at).json()["lines"], []),
        "rollouts": _optional(lambda: rollouts.rollouts(store, target, namespace=ns, at=at).json()["revisions"], []),
        "owners": _owners(state), "dependents": _dependents(store, state) if state else [],
    }  # fmt: skip
    key = revs[-1].key
    page["drift"] = [d for d in drift.drift_of(store, ns, at).json()["drift"]
                     if (d["object"]["kind"], d["object"]["name"]) == (key.kind, key.name)]  # fmt: skip
    release = _release_of(state)
    page["releases"] = _optional(lambda: releases.releases(store, release, ns).json().get("revisions", []), []) if release else []  # fmt: skip
    page["release"] = release
    return page


def _optional(work: Any, default: Any) -> Any:
    """A section that does not apply (no rollouts of a ConfigMap) is left empty, not an error."""
    try:
        return work()
    except CrumbsError:
        return default


def _shown(doc: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (doc.get("metadata") or {}).items() if k != "managedFields"}
    return {**doc, "metadata": meta}


def _who_of(att: Any) -> str:
    from crumbs.report.shapes import attribution_ref

    return _who(attribution_ref(att))


def _owners(state: StoredRevision | None) -> list[dict[str, str]]:
    if state is None:
        return []
    refs = (state.doc.get("metadata") or {}).get("ownerReferences") or []
    return [{"kind": str(r.get("kind")), "name": str(r.get("name")), "link": object_link(str(r.get("kind")), state.key.namespace, str(r.get("name")))}
            for r in refs if isinstance(r, dict)]  # fmt: skip


def _dependents(store: Store, state: StoredRevision) -> list[dict[str, str]]:
    """The objects whose ownerReferences name this one (by uid), as of its time."""
    if not state.uid:
        return []
    live = store.queries.state_at(
        state.at, Selector(cluster=state.key.cluster, namespace=state.key.namespace or None)
    )
    out = []
    for r in live:
        refs = (r.doc.get("metadata") or {}).get("ownerReferences") or []
        if any(isinstance(x, dict) and x.get("uid") == state.uid for x in refs):
            out.append({"kind": r.key.kind, "name": r.key.name, "link": object_link(r.key.kind, r.key.namespace, r.key.name)})  # fmt: skip
    return out[:100]


def _release_of(state: StoredRevision | None) -> str | None:
    if state is None:
        return None
    annotations = (state.doc.get("metadata") or {}).get("annotations") or {}
    name = annotations.get("meta.helm.sh/release-name")
    return str(name) if name else None


def side_by_side(store: Store, q: Query) -> dict[str, Any]:
    """One revision beside the one before it, line by line (the YAML, changed lines marked)."""
    target, ns = q.target()
    rev = q.one("rev")
    found = diff.diff(store, target, namespace=ns, end=f"#{rev}" if rev else "-1")
    old = yaml.safe_dump(_shown(found.old.doc), sort_keys=False, allow_unicode=True).splitlines() if found.old else []  # fmt: skip
    new = yaml.safe_dump(_shown(found.new.doc), sort_keys=False, allow_unicode=True).splitlines()
    return {"summary": found.change.summary, "rows": rows(old, new), "from": found.old.id if found.old else None,
            "to": found.new.id}  # fmt: skip


def rows(old: list[str], new: list[str], context: int = 3) -> list[dict[str, Any]]:
    """Side-by-side rows: equal lines near a change, and the changed ones paired
    (``tag``: equal, replace, delete, insert; a gap: ``{"gap": n}``)."""
    out: list[dict[str, Any]] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(
        context
    ):
        if out:
            out.append({"gap": True})
        for tag, i1, i2, j1, j2 in group:
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                left = i1 + k if i1 + k < i2 else None
                right = j1 + k if j1 + k < j2 else None
                out.append({"tag": tag, "ln": None if left is None else left + 1, "left": "" if left is None else old[left],
                            "rn": None if right is None else right + 1, "right": "" if right is None else new[right]})  # fmt: skip
    return out


def findings_page(store: Store, q: Query) -> dict[str, Any]:
    """Findings grouped by severity, then namespace."""
    found = diagnose.scan(store, at=q.one("at") or None, namespace=q.one("namespace") or None,
                          severity=q.one("severity") or "info").json()  # fmt: skip
    groups: dict[str, dict[str, list[contract.FindingRef]]] = defaultdict(lambda: defaultdict(list))
    for f in found["findings"]:
        groups[f["severity"]][f["subject"]["namespace"] or "(cluster)"].append(f)
    return {"at": found["at"], "summary": found["summary"],
            "groups": [(sev, sorted(groups[sev].items())) for sev in ("error", "warning", "info") if sev in groups]}  # fmt: skip


def traces_page(store: Store, q: Query) -> dict[str, Any]:
    from crumbs.app.traces import trace_list

    return {"traces": trace_list(store, q.integer("limit", 50, most=1000))[1]["traces"]}


def investigations_page(store: Store, q: Query) -> dict[str, Any]:
    from crumbs.app.investigate import listed

    return dict(listed(store, q.integer("limit", 100, most=1000), q.one("fingerprint")))


def investigation_page(store: Store, q: Query) -> dict[str, Any]:
    from crumbs.app.investigate import shown

    return {"inv": shown(store, int(q.path["id"]))}


def trace_page(store: Store, q: Query) -> dict[str, Any]:
    from crumbs.app.traces import trace_show
    from crumbs.explain.steps import step_text

    t, doc = trace_show(store, int(q.path["id"]))
    steps = [{**s, "text": step_text(s["kind"], s["payload"]), "cost": _step_cost(t.model, t.params, s)} for s in doc["steps"]]  # fmt: skip
    return {"trace": {k: v for k, v in doc.items() if k != "steps"}, "steps": steps}


def _step_cost(model: str, params: dict[str, Any], step: contract.TraceStep) -> float | None:
    """What one model response cost, priced as the run was (its usage as the provider reported)."""
    from crumbs.explain.pricing import cost_of

    usage = (
        step["payload"].get("usage")
        if step["kind"] == "response" and isinstance(step["payload"], dict)
        else None
    )
    if not isinstance(usage, dict) or not usage:
        return None
    prices = {
        k.removeprefix("price_"): float(v)
        for k, v in params.items()
        if k in ("price_in", "price_out")
    }
    return cost_of(
        model,
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        prices or None,
    )


def trace_diff_page(store: Store, q: Query) -> dict[str, Any]:
    from crumbs.explain.replay import diff_json, diff_traces
    from crumbs.explain.steps import step_text

    a, b, d = diff_traces(store, int(q.path["a"]), int(q.path["b"]))
    compared = ("response", "tool_call", "tool_result", "answer")
    sa = [s for s in a.steps if s.kind in compared]
    sb = [s for s in b.steps if s.kind in compared]
    pairs = []
    for i in range(max(len(sa), len(sb))):
        x = sa[i] if i < len(sa) else None
        y = sb[i] if i < len(sb) else None
        pairs.append(
            {
                "a": _step(x, step_text),
                "b": _step(y, step_text),
                "parted": d is not None and i >= d.agreed,
            }
        )
    return {"diff": diff_json(a, b, d), "pairs": pairs}


def _step(s: Any, text: Any) -> dict[str, Any] | None:
    return (
        None
        if s is None
        else {"n": s.n, "kind": s.kind, "name": s.name, "text": text(s.kind, s.payload)}
    )


def cited(store: Store, ref: str) -> str:
    """Where a citation (``R41``, ``E12``, ``L7``, ``F…``, ``N…``) is shown."""
    letter, rest = ref[:1], ref[1:]
    if letter == "F":
        return f"/findings#{ref}"
    if letter == "N":
        return "/timeline?activity=1"
    key = store.queries.cited_object(letter, int(rest)) if rest.isdigit() else None
    if key is None:
        raise NotFoundError(f"{ref}: nothing of that id in the store")
    return object_link(key.kind, key.namespace, key.name) + (f"#r{rest}" if letter == "R" else "")
