"""What analyzers share: building findings, reading conditions and container states, owners."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from crumbs.analyze.selectors import Requirement, matches
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Evidence,
    Finding,
    Obj,
    ObjectKey,
    StoredEvent,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.timeutil import NS, parse_time

MINUTE = 60 * NS


class Analyzer(Protocol):
    """A name, a description, the kinds it looks at, and ``analyze(view) -> findings``: pure,
    over a read-only view. Built-ins and WebAssembly analyzers alike."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def kinds(self) -> tuple[str, ...]: ...

    def analyze(self, view: ClusterView) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class Builtin:
    name: str
    description: str
    kinds: tuple[str, ...]
    run: Callable[[ClusterView], Iterable[Finding]]
    profile: str = "default"
    """``default`` (what is broken or about to be: every scan) or ``lint`` (``--profile lint``)."""

    def analyze(self, view: ClusterView) -> Iterable[Finding]:
        return self.run(view)


def analyzer(
    name: str, kinds: tuple[str, ...], description: str, profile: str = "default"
) -> Callable[[Callable[[ClusterView], Iterable[Finding]]], Builtin]:
    """Make a function a built-in analyzer (listed in :mod:`.registry`, nowhere registered)."""

    def make(fn: Callable[[ClusterView], Iterable[Finding]]) -> Builtin:
        return Builtin(name, description, kinds, fn, profile)

    return make


def finding(
    analyzer: str, rule: str, severity: str, rev: StoredRevision, title: str, **fields: Any
) -> Finding:
    """A finding about ``rev``'s object, with the revision itself as first evidence."""
    # the core group has one version: no need to decode the object to know it
    api = "v1" if rev.key.group == "" else str(rev.doc.get("apiVersion") or "")
    f = Finding(analyzer, rule, severity, rev.key, rev.uid, api, title, **fields)
    f.evidence.insert(0, Evidence("revision", rev.key, rev.at, "the object as of the scan", rev.id))
    return f


def event_evidence(events: Iterable[StoredEvent]) -> list[Evidence]:
    return [
        Evidence(
            "event",
            e.key,
            e.at,
            f"{e.type} {e.reason}: {e.message}" + (f" (x{e.count})" if e.count > 1 else ""),
            e.id,
        )
        for e in events
    ]


def status(doc: Obj) -> dict[str, Any]:
    return mapping(doc.get("status"))


def spec(doc: Obj) -> dict[str, Any]:
    return mapping(doc.get("spec"))


def meta(doc: Obj) -> dict[str, Any]:
    return mapping(doc.get("metadata"))


def mentions(rev: StoredRevision, *needles: bytes) -> bool:
    """Whether the object's JSON contains any of ``needles``: a cheap test before decoding it."""
    raw = rev.json()
    return any(n in raw for n in needles)


def condition(doc: Obj, kind: str) -> dict[str, Any] | None:
    for c in sequence(status(doc).get("conditions")):
        if isinstance(c, dict) and c.get("type") == kind:
            return c
    return None


def time_of(value: Any) -> int | None:
    return parse_time(value) if isinstance(value, str) and value else None


def owners(view: ClusterView, rev: StoredRevision) -> list[StoredRevision]:
    """The controlling owners in the view, innermost first (Pod → ReplicaSet → Deployment)."""
    out: list[StoredRevision] = []
    seen = {rev.key}
    current = rev
    while (owner := view.owner_of(current)) is not None and owner.key not in seen:
        out.append(owner)
        seen.add(owner.key)
        current = owner
    return out


def top_owner(view: ClusterView, rev: StoredRevision) -> StoredRevision:
    """The outermost controlling owner in the view, or the object itself."""
    found = owners(view, rev)
    return found[-1] if found else rev


def chain(view: ClusterView, rev: StoredRevision) -> list[ObjectKey]:
    """The object and its controlling owners, innermost first."""
    return [rev.key, *(o.key for o in owners(view, rev))]


def pod_spec_of(doc: Obj) -> dict[str, Any]:
    """The pod spec of a Pod or of a workload's template."""
    kind = doc.get("kind")
    if kind == "Pod":
        return spec(doc)
    if kind == "CronJob":
        return mapping(
            mapping(mapping(mapping(spec(doc).get("jobTemplate")).get("spec")).get("template")).get(
                "spec"
            )
        )
    return mapping(mapping(spec(doc).get("template")).get("spec"))


AUTHORED = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicationController", "ReplicaSet", "Job", "Pod")  # fmt: skip
"""Kinds whose objects carry a pod spec someone wrote."""
_MADE_BY_CONTROLLERS = {"ReplicaSet", "Job", "Pod"}


def authored_templates(view: ClusterView) -> Iterator[StoredRevision]:
    """The objects whose pod spec a person or a tool wrote: workloads, and ReplicaSets, Jobs and
    Pods no controller made (a Deployment's pods share its template: it is judged once)."""
    for kind in AUTHORED:
        for rev in view.objects(kind):
            if kind in _MADE_BY_CONTROLLERS and any(
                mapping(o).get("controller") for o in sequence(meta(rev.doc).get("ownerReferences"))
            ):
                continue
            yield rev


def template_selected(view: ClusterView, namespace: str, requirements: list[Requirement], kinds: Iterable[str]) -> list[StoredRevision]:  # fmt: skip
    """The workloads of ``kinds`` whose pod template's labels the requirements match (a Service
    fronts them even at zero replicas, when no pod says so)."""
    return [w for kind in kinds for w in view.objects(kind, namespace)
            if matches(requirements, mapping(mapping(mapping(spec(w.doc).get("template")).get("metadata")).get("labels")))]  # fmt: skip


def holds_since(view: ClusterView, rev: StoredRevision, test: Callable[[Obj], bool]) -> int | None:
    """When ``test`` last became true of the object: the first revision of its latest streak;
    None when the history begins with it true (a snapshot: it may be old, or not)."""
    since = None
    for r in reversed(view.history(rev.key)):
        if not test(r.doc):
            return since
        since = r.at
    return None


def containers(pod_spec: dict[str, Any], init: bool = True) -> list[dict[str, Any]]:
    fields = ("initContainers", "containers") if init else ("containers",)
    return [c for f in fields for c in sequence(pod_spec.get(f)) if isinstance(c, dict)]


def short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
