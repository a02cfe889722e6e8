"""``scan`` and ``why`` as typed functions: the findings of a store as of a time, each with its
ranked causes and log evidence. The CLI renders what they return; the copilot's tools and the
HTTP API return its JSON (:meth:`Diagnosis.json`, the documented contract)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from crumbs import contract
from crumbs.analyze import registry
from crumbs.analyze.base import Analyzer
from crumbs.analyze.causes import rank
from crumbs.analyze.logevidence import compare_with_before
from crumbs.analyze.scan import Options, run
from crumbs.analyze.selectors import parse as parse_labels
from crumbs.analyze.view import ClusterView
from crumbs.app.query import object_selector, parse_time_option, store_clock
from crumbs.errors import UsageError
from crumbs.model import SEVERITY_ORDER, Finding
from crumbs.report import findings as report
from crumbs.store import Store
from crumbs.store.source import StoreSource


@dataclass
class Diagnosis:
    at: int
    """The time the store was read as of."""
    findings: list[Finding]
    namespace: str | None = None
    """``why``: the namespace of the object asked about ("" cluster-scoped)."""

    def json(self) -> contract.Findings:
        return report.as_json(self.at, self.findings)


def analyzers_for(
    analyzers: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    plugins: Iterable[Analyzer] = (),
    profile: str = "default",
    severity: str = "info",
) -> list[Analyzer]:
    """The analyzers a scan runs; a usage error for an unknown name, profile or severity (to
    check before anything is opened)."""
    if severity not in SEVERITY_ORDER:
        raise UsageError(f"--severity {severity!r}: one of error, warning, info")
    return registry.choose(list(analyzers) if analyzers else None, disable, plugins, profile)


def scan(
    store: Store,
    *,
    at: str | None = None,
    namespace: str | None = None,
    selector: str | None = None,
    analyzers: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    plugins: Iterable[Analyzer] = (),
    profile: str = "default",
    severity: str = "info",
    cluster: str | None = None,
    on_analyzer: Callable[[str], None] | None = None,
) -> Diagnosis:
    """What is broken (or about to be) as of ``at`` (default: the store's newest time);
    ``on_analyzer(name)`` as each analyzer starts."""
    chosen = analyzers_for(analyzers, disable, plugins, profile, severity)
    labels = parse_labels(selector) if selector else None
    clock = store_clock(store)
    when = parse_time_option(at, "--at", clock) if at else clock
    view = ClusterView(StoreSource(store.queries, cluster), when, namespace)
    options = Options(namespace=namespace, labels=labels, min_severity=severity)
    return Diagnosis(when, run(view, chosen, options, on_analyzer))


def why(
    store: Store,
    target: str,
    *,
    name: str | None = None,
    namespace: str | None = None,
    at: str | None = None,
    cluster: str | None = None,
    plugins: Iterable[Analyzer] = (),
) -> Diagnosis:
    """The findings about one object (KIND/NAME), or about what it owns or serves."""
    sel = object_selector(store, target, namespace, cluster, name)
    clock = store_clock(store)
    when = parse_time_option(at, "--at", clock) if at else clock
    # a cluster-scoped object's problems involve namespaced ones (a Node's pods): all of them
    scope = sel.namespace or None
    view = ClusterView(StoreSource(store.queries, cluster), when, scope)
    found = run(view, registry.choose(extra=plugins), Options(namespace=scope, causes=False))
    kinds = {(k, g) for g, k in sel.kinds or ()}
    wanted = [f for f in found if f.key.name == sel.name and (f.key.kind, f.key.group) in kinds]
    about = [f for f in found if f not in wanted and any(k.name == sel.name for k in f.related)]
    chosen = wanted + about
    for f in chosen:
        f.causes = rank(view, f)
        compare_with_before(view, f)
    return Diagnosis(when, chosen, sel.namespace)
