"""Running analyzers over a view: filters, containment of a failing analyzer, cause ranking, order."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from crumbs.analyze import logevidence
from crumbs.analyze.causes import rank
from crumbs.analyze.registry import Analyzer
from crumbs.analyze.selectors import Requirement, matches
from crumbs.analyze.view import ClusterView
from crumbs.kinds import api_version_of
from crumbs.model import SEVERITY_ORDER, Finding, ObjectKey, Severity, mapping


@dataclass
class Options:
    namespace: str | None = None
    labels: list[Requirement] | None = None
    min_severity: str = Severity.INFO
    causes: bool = True
    kinds: set[str] = field(default_factory=set)


def run(
    view: ClusterView,
    analyzers: Iterable[Analyzer],
    options: Options = Options(),
    on_analyzer: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Every analyzer over the view; ``on_analyzer(name)`` before each (a progress display)."""
    findings: dict[str, Finding] = {}
    for a in analyzers:
        if on_analyzer is not None:
            on_analyzer(a.name)
        try:
            produced = list(a.analyze(view))
        except Exception as err:  # one broken analyzer must not hide the others' findings
            produced = [_failure(a, err)]
        for f in produced:
            findings.setdefault(f.id, f)
    limit = SEVERITY_ORDER[options.min_severity]
    kept = [
        f
        for f in findings.values()
        if SEVERITY_ORDER.get(f.severity, 9) <= limit and _selected(view, f, options)
    ]
    broken: list[str] = []
    for f in kept:
        _resolve_versions(view, f)
        _contained(broken, f, logevidence.attach, view)
    if options.causes:
        for f in kept:
            if f.severity != Severity.INFO and _contained(broken, f, _rank, view):
                _contained(broken, f, logevidence.compare_with_before, view)
    if broken:
        kept.append(Finding("causes", "ranking-failed", Severity.WARNING, ObjectKey("", "", "Analyzer", "", "causes"), "", "",
                                f"cause ranking failed for {len(broken)} finding(s): {broken[0]}",
                                detail="those findings are listed without their causes (or their log evidence); the others have theirs"))  # fmt: skip
    kept.sort(key=lambda f: _order(view, f))
    return _one_story(kept) if options.causes else kept


def _rank(view: ClusterView, f: Finding) -> None:
    f.causes = rank(view, f)


def _contained(broken: list[str], f: Finding, step: Callable[[ClusterView, Finding], None], view: ClusterView) -> bool:  # fmt: skip
    """Run one step of a finding's story; a failure is noted, the finding kept without it."""
    try:
        step(view, f)
    except Exception as err:  # a finding without causes or logs beats no scan at all
        broken.append(f"{f.key.display()}: {type(err).__name__}: {err} at {where(err)}"[:300])
        return False
    return True


def _order(view: ClusterView, f: Finding) -> tuple[object, ...]:
    return (
        SEVERITY_ORDER.get(f.severity, 9),
        f.since if f.since is not None else view.at,
        f.key.namespace,
        f.key.name,
        f.key.kind,
        f.analyzer,
        f.rule,
        f.discriminator,
    )


def _one_story(findings: list[Finding]) -> list[Finding]:
    """Findings on one object whose top cause is the same change are one story: the first (the
    most severe, the earliest) tells it, the others ride along in ``also``. An object's
    creation as the top cause is no story: the findings stay apart."""
    by_story: dict[tuple[ObjectKey, int], Finding] = {}
    out: list[Finding] = []
    for f in findings:
        if not f.causes or f.causes[0].change.previous is None:
            out.append(f)
            continue
        story = (f.key, f.causes[0].change.revision.id)
        first = by_story.get(story)
        if first is None:
            by_story[story] = f
            out.append(f)
        else:
            first.also.append(f)
    return out


def _resolve_versions(view: ClusterView, f: Finding) -> None:
    """apiVersions for the finding's references: as the view or history has them, else the kind's served one."""
    for key in {*(e.key for e in f.evidence), *f.related}:
        rev = view.get(key.kind, key.namespace, key.name, key.group)
        if rev is None:
            history = view.history(key)
            rev = history[-1] if history else None
        version = str(rev.doc.get("apiVersion") or "") if rev is not None else ""
        f.versions[key] = version or api_version_of(key.group, key.kind)


def _selected(view: ClusterView, f: Finding, options: Options) -> bool:
    if options.namespace is not None and f.key.namespace != options.namespace:
        return False
    if options.labels:
        subject = view.get(f.key.kind, f.key.namespace, f.key.name, f.key.group)
        labels = mapping(mapping(subject.doc.get("metadata")).get("labels")) if subject else {}
        if not matches(options.labels, labels):
            return False
    return True


def _failure(a: Analyzer, err: Exception) -> Finding:
    text = f"{type(err).__name__}: {err}"
    return Finding(a.name, "analyzer-failed", Severity.WARNING, ObjectKey("", "", "Analyzer", "", a.name), "", "", f"analyzer {a.name} failed: {text[:200]}",
                   detail=f"its findings are missing from this scan; the other analyzers ran (a bug: please report it, with where: {where(err)})")  # fmt: skip


def where(err: BaseException) -> str:
    """``crumbs/analyze/cron.py:305 in _orphans``: the innermost frame, for bug reports."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return "unknown"
    f = frames[-1]
    path = f.filename.split("/src/", 1)[-1].split("site-packages/", 1)[-1]
    return f"{path}:{f.lineno} in {f.name}"
