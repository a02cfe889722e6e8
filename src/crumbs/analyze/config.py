"""ConfigMaps and Secrets nothing uses (information, as k8sgpt reports them)."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import finding, pod_spec_of
from crumbs.analyze.refs import references
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, mapping, sequence

_SYSTEM = {"kube-root-ca.crt"}


@analyzer("config", ("ConfigMap",), "ConfigMaps no pod or workload uses")
def analyze(view: ClusterView) -> Iterator[Finding]:
    # ReplicaSets aside: a live one has pods, and its Deployment's template is read;
    # an old one scaled to zero is history, not use
    used: set[tuple[str, str]] = set()
    templates: set[str] = set()  # pods of one owner and template share their spec
    for kind in ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"):
        for rev in view.objects(kind):
            if kind == "Pod":
                md = mapping(rev.doc.get("metadata"))
                owners = sequence(md.get("ownerReferences"))
                labels = mapping(md.get("labels"))
                template = labels.get("pod-template-hash") or labels.get("controller-revision-hash")
                if owners and template:
                    seen = f"{mapping(owners[0]).get('uid')}/{template}"
                    if seen in templates:
                        continue
                    templates.add(seen)
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
            f"ConfigMap {cm.key.name}: no pod or workload uses it",
        )
