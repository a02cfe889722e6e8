"""The lines a container wrote before it failed, as evidence of a finding, and whether they are
new since the change that is blamed.

For crash loops, OOM kills, restart storms, failing probes and failed runs, the log chunks kept
of the finding's pods (the previous container's first: the run that died) are mined into
templates (:mod:`.logtemplates`); the finding gets one ``log`` evidence: the first error-looking
template, how many lines matched it, an example line and its time, and the last lines the
container wrote (a few, bounded). Once causes are ranked, the same workload's logs from before
the top cause's change (its older pods' logs, captured or timed before it) are mined with them:
a template that appears only after the change is **new since** it; one that was there before is
not (the error was already there: the change may not be why).
"""

from __future__ import annotations

from dataclasses import replace

from crumbs.analyze.logtemplates import Line, Template, first_error, mine
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, ObjectKey, StoredLog
from crumbs.timeutil import log_line_time

RULES = frozenset({"crashloop", "oom-killed", "restarting", "probe-failing", "failed",
                   "failing-runs", "never-succeeded"})  # fmt: skip
"""The findings whose story a container's last lines tell."""
LAST_LINES = 3
"""The lines quoted from the end of the log (what it wrote right before it exited)."""
MOST_LINES = 5_000
"""Lines mined per finding at the most (the newest)."""
FIRST = 1
"""Where the log evidence goes: right after the object itself (readers, and the copilot's
trimming of long evidence lists, keep the first few)."""


def attach(view: ClusterView, f: Finding) -> None:
    """Add the ``log`` evidence to ``f``, when logs of its pods are kept."""
    if f.rule not in RULES:
        return
    # a CronJob's runs are not among its related objects: its pods are named after it
    chunks = _chunks(view, f) or (
        _chunks(view, f, workload=True) if f.key.kind in ("CronJob", "Job") else []
    )
    if not chunks:
        return
    died = [c for c in chunks if c.previous] or chunks
    templates = mine(_lines(died, "now"))
    err = first_error(templates)
    last = died[-1]
    tail = tuple(line for line in last.text.split("\n") if line.strip())[-LAST_LINES:]
    pod = ObjectKey(f.key.cluster, "", "Pod", last.namespace, last.pod)
    if err is None:
        summary = f"no error-looking line in {last.pod} {last.container}'s log; it ended: {tail[-1] if tail else ''}"
        f.evidence.insert(
            FIRST,
            Evidence("log", pod, last.last_at or last.observed_at, summary.rstrip(), last.id, tail),
        )
        return
    summary = f"first error-looking line ({err.count}× this template): {err.example}"
    f.evidence.insert(FIRST, Evidence("log", pod, err.first_at or last.observed_at, summary, last.id,
                                      tail, err.text, err.count))  # fmt: skip


def compare_with_before(view: ClusterView, f: Finding) -> None:
    """Say whether the log evidence's error is new since the top cause's change; when it was
    already logged before, cite instead the first error-looking template that is new, if any."""
    at = f.causes[0].at if f.causes else None
    found = [i for i, e in enumerate(f.evidence) if e.kind == "log" and e.template]
    if at is None or not found:
        return
    chunks = _chunks(view, f, workload=True)
    before: list[StoredLog] = []
    after: list[StoredLog] = []
    for c in chunks:
        (before if (c.last_at if c.last_at is not None else c.observed_at) < at else after).append(
            c
        )
    if not before or not after:
        return
    templates = mine(_lines(before, "before") + _lines(after, "after"))
    i = found[0]
    e = f.evidence[i]
    same = _same(templates, e.template)
    if same is not None and "before" not in same.groups:
        f.evidence[i] = replace(e, new=True, summary=f"{e.summary} (new since the change)")
        return
    fresh = next((t for t in templates if t.errorish and t.groups == {"after"}), None)
    if fresh is None:
        f.evidence[i] = replace(e, new=False, summary=f"{e.summary} (already logged before the change)")  # fmt: skip
        return
    summary = f"first error-looking line new since the change ({fresh.count}× this template): {fresh.example}"
    f.evidence[i] = replace(e, summary=summary, template=fresh.text, count=fresh.count, new=True,
                            at=fresh.first_at or e.at)  # fmt: skip


def _same(templates: list[Template], text: str) -> Template | None:
    """The template of ``text`` among ``templates`` (mined again with the older lines, it may
    have generalised: the most similar by words, at least half of them shared)."""
    words = set(text.split()) - {"<*>"}
    best, score = None, 0.0
    for t in templates:
        if "after" not in t.groups:
            continue
        other = set(t.text.split()) - {"<*>"}
        overlap = len(words & other) / max(len(words | other), 1)
        if overlap > score:
            best, score = t, overlap
    return best if score >= 0.5 else None


def _chunks(view: ClusterView, f: Finding, workload: bool = False) -> list[StoredLog]:
    """The kept logs of the finding's pods (of its container, when it names one); with
    ``workload``, also of the workload's other pods, those gone included (by their names)."""
    pods = {k.name for k in [f.key, *f.related] if k.kind == "Pod"}
    ns = f.key.namespace
    if not pods and not workload:
        return []
    candidates = (
        view.logs(ns, None) if workload else [c for p in sorted(pods) for c in view.logs(ns, p)]
    )
    prefix = f"{f.key.name}-"
    out = []
    for c in candidates:
        if c.pod not in pods and not (
            workload and f.key.kind != "Pod" and c.pod.startswith(prefix)
        ):
            continue
        if f.discriminator and c.container and c.container != f.discriminator:
            continue
        out.append(c)
    return sorted(out, key=lambda c: (c.observed_at, c.id))


def _lines(chunks: list[StoredLog], group: str) -> list[Line]:
    """The newest :data:`MOST_LINES` lines of ``chunks``, each with its time when it carries one."""
    return [Line(t, group, _time(t, c)) for c in chunks for t in c.text.split("\n")][-MOST_LINES:]


def _time(text: str, chunk: StoredLog) -> int | None:
    """A line's time, when the chunk's lines carry them (``--timestamps``)."""
    return log_line_time(text) if chunk.first_at is not None else None
