"""ConfigMaps and Secrets nothing uses (information, as k8sgpt reports them)."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import finding, pod_spec_of
from crumbs.analyze.refs import references
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity

_SYSTEM = {"kube-root-ca.crt"}


@analyzer("config", ("ConfigMap",), "ConfigMaps no pod template uses")
def analyze(view: ClusterView) -> Iterator[Finding]:
    used: set[tuple[str, str]] = set()
    for kind in ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"):
        for rev in view.objects(kind):
            for ref in references(pod_spec_of(rev.doc)):
                if ref.kind == "ConfigMap":
                    used.add((rev.key.namespace, ref.name))
    if not any(view.objects(k) for k in ("Pod", "Deployment", "StatefulSet", "DaemonSet")):
        return  # without workloads in the data, "unused" would be a guess
    for cm in view.objects("ConfigMap"):
        if (
            cm.key.name in _SYSTEM
            or cm.key.namespace.startswith("kube-")
            or (cm.key.namespace, cm.key.name) in used
        ):
            continue
        yield finding(
            "config",
            "unused",
            Severity.INFO,
            cm,
            f"ConfigMap {cm.key.name}: no pod template uses it",
        )
