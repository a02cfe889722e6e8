"""Any kind's ``status.conditions`` (ClusterOperators, cert-manager Certificates, Flux and
Crossplane objects, operators' own kinds) and Argo CD Applications' health and errors.

Kinds a built-in analyzer already judges (Pods, Nodes, Deployments, Jobs…) are left to it.
A condition counts only when its polarity is known (the API conventions: ``Ready``,
``Available`` and ``…Ready`` are good when True; ``Degraded``, ``Failed``, ``Stalled`` and
``…Degraded``/``…Failed``/``…Error`` are bad when True); anything else (``Drainable``,
``Issuing``, an operator's own phases) is not read as a problem. One finding per object:
its worst condition heads it, the other bad ones are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crumbs.analyze.base import MINUTE, Builtin, finding, short, status, time_of
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Evidence,
    Finding,
    ObjectKey,
    Origin,
    Severity,
    StoredRevision,
    mapping,
    sequence,
)

NAME = "conditions"
GOOD_WHEN_TRUE = {"Ready", "Available", "Healthy", "Synced", "Established", "NamesAccepted",
                  "Reconciled", "ReconcileComplete", "ReconcileSuccess", "Accepted", "Programmed"}  # fmt: skip
GOOD_SUFFIXES = ("Ready", "Available")
BAD_WHEN_TRUE = {"Degraded", "Failed", "Failing", "Failure", "Stalled", "Error", "ReconcileError"}
BAD_SUFFIXES = ("Degraded", "Failed", "Failure", "Error")
HEADLINES = ("Available", "Degraded", "Ready", "Failed", "Stalled", "Healthy")
"""The summary conditions that head a finding before any other bad one."""
IN_PROGRESS = {"Progressing", "Reconciling", "Issuing"}
SETTLING = 30 * MINUTE
"""A bad condition younger than this, while the object says it is progressing, is a warning."""
ARGO_BAD_HEALTH = {"Degraded": Severity.ERROR, "Missing": Severity.WARNING}
_NAMED = re.compile(r"\b([A-Za-z]+)[ /]\\?\"?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\\?\"?")


@dataclass
class Bad:
    type: str
    status: str
    reason: str
    message: str
    since: int | None
    rank: int
    """0 the object's own summary (Ready, Available, Degraded), 1 a part's, 2 upgradeability."""

    def title(self) -> str:
        said = f" ({self.reason})" if self.reason else ""
        if self.status == "Unknown":
            return f"{self.type} unknown{said}"
        if self.status == "False":
            return f"not {self.type}{said}"
        return f"{self.type}{said}"

    def line(self) -> str:
        return (
            f"{self.type}={self.status}"
            + (f" ({self.reason})" if self.reason else "")
            + (f": {short(self.message, 300)}" if self.message else "")
        )


def judging_the_rest(others: Iterable[Builtin]) -> Builtin:
    """The conditions analyzer, for the kinds none of ``others`` reads (their conditions are
    theirs to judge)."""
    skip = frozenset(k for a in others for k in a.kinds if k != "*")
    return Builtin(NAME, "Any kind's status conditions that say it is degraded, failed or not ready (operators, CRDs, Argo CD)",
                   ("*",), lambda view: _analyze(view, skip))  # fmt: skip


def bad_conditions(doc: dict[str, Any]) -> list[Bad]:
    out: list[Bad] = []
    for raw in sequence(status(doc).get("conditions")):
        c = mapping(raw)
        kind, value = str(c.get("type") or ""), c.get("status")
        reason, message = str(c.get("reason") or ""), str(c.get("message") or "")
        since = time_of(c.get("lastTransitionTime"))
        if kind == "Upgradeable" and value == "False":
            out.append(Bad(kind, "False", reason, message, since, 2))
        elif _good_when_true(kind) and value in ("False", "Unknown"):
            out.append(
                Bad(kind, str(value), reason, message, since, 0 if kind in GOOD_WHEN_TRUE else 1)
            )
        elif _bad_when_true(kind) and (value == "True" or (value is None and message)):
            # Argo CD's conditions have no status: being listed is being true
            out.append(Bad(kind, "True", reason, message, since, 0 if kind in BAD_WHEN_TRUE else 1))
    return sorted(out, key=lambda b: (b.rank, b.status == "Unknown", b.type not in HEADLINES))


def _good_when_true(kind: str) -> bool:
    return kind in GOOD_WHEN_TRUE or (kind.endswith(GOOD_SUFFIXES) and kind not in BAD_WHEN_TRUE)


def _bad_when_true(kind: str) -> bool:
    return kind in BAD_WHEN_TRUE or kind.endswith(BAD_SUFFIXES)


def _progressing(doc: dict[str, Any]) -> bool:
    return any(
        mapping(c).get("type") in IN_PROGRESS and mapping(c).get("status") == "True"
        for c in sequence(status(doc).get("conditions"))
    )


def _argo(doc: dict[str, Any]) -> list[Bad]:
    """An Argo CD Application's health, its last operation and its (status-less) conditions."""
    st = status(doc)
    out: list[Bad] = []
    health = mapping(st.get("health"))
    state = str(health.get("status") or "")
    if state in ARGO_BAD_HEALTH:
        out.append(
            Bad(
                "Health",
                state,
                "",
                str(health.get("message") or ""),
                time_of(health.get("lastTransitionTime")),
                0,
            )
        )
    op = mapping(st.get("operationState"))
    if op.get("phase") in ("Failed", "Error"):
        out.append(
            Bad(
                "Sync",
                str(op.get("phase")),
                "",
                str(op.get("message") or ""),
                time_of(op.get("finishedAt")),
                0,
            )
        )
    return out


def _severity(rev: StoredRevision, worst: Bad, at: int) -> str:
    if worst.rank == 2:
        return Severity.INFO
    if worst.status == "Missing" or worst.status == "Unknown":
        return Severity.WARNING
    if _progressing(rev.doc) and (worst.since is None or at - worst.since < SETTLING):
        return Severity.WARNING
    return Severity.ERROR


def _analyze(view: ClusterView, skip: frozenset[str]) -> Iterator[Finding]:
    for kind in view.kinds():
        if kind in skip:
            continue
        for rev in view.objects(kind):
            if rev.origin == Origin.DECLARED:
                continue
            bad = bad_conditions(rev.doc)
            if kind == "Application" and rev.key.group == "argoproj.io":
                bad = _argo(rev.doc) + bad
            if not bad:
                continue
            worst = bad[0]
            if worst.type == "Health":
                title = f"{kind} {rev.key.name}: {worst.status}"
            else:
                title = f"{kind} {rev.key.name}: {worst.title()}"
            others = [b.line() for b in bad[1:]]
            detail = short(worst.message, 600) + (("; also " + "; ".join(others)) if others else "")
            named = named_objects(view, rev, " ".join(b.message for b in bad))
            f = finding(NAME, "condition", _severity(rev, worst, view.at), rev, title,
                        detail=detail, since=worst.since, discriminator=worst.type,
                        remediation=f"read {kind} {rev.key.name}'s status and its controller's logs" + ("; see the objects its message names" if named else ""))  # fmt: skip
            for key in named:
                f.related.append(key)
                f.evidence.append(
                    Evidence("object", key, None, f"named by {kind} {rev.key.name}'s condition")
                )
            yield f


def named_objects(view: ClusterView, rev: StoredRevision, text: str) -> list[ObjectKey]:
    """Objects a condition's message names (``Pod "router-default-7bb…"``, ``deployment/api``)
    that the view holds: in the object's namespace first, else anywhere."""
    found: list[ObjectKey] = []
    for m in _NAMED.finditer(text):
        word, name = m.group(1), m.group(2)
        kind = view.kind_named(word)
        if kind is None:
            continue
        candidates = [r for r in view.objects(kind) if r.key.name == name and r.key != rev.key]
        candidates.sort(key=lambda r: r.key.namespace != rev.key.namespace)
        if candidates and candidates[0].key not in found:
            found.append(candidates[0].key)
    return found[:5]
