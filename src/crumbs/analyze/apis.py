"""Deprecated and removed API versions in use, against the cluster's version.

Where versions are found: the object's own apiVersion as ingested (manifests),
its ``kubectl.kubernetes.io/last-applied-configuration``, the apiVersion each
managedFields writer used, and the manifests of deployed Helm releases. The
cluster's version is the highest kubelet version (the API server is at least
as new); without Nodes it is unknown and removals are warnings.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import orjson

from crumbs.analyze.base import analyzer, finding, mentions, meta
from crumbs.analyze.deprecations import BY_VERSION_KIND, Deprecation
from crumbs.analyze.view import ClusterView, parse_version
from crumbs.model import Evidence, Finding, Severity, StoredRevision, mapping, sequence

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_MENTIONED = re.compile(
    b"|".join(
        re.escape(v.encode())
        for v in sorted({v for v, _ in BY_VERSION_KIND}, key=len, reverse=True)
    )
)


def _uses(rev: StoredRevision) -> Iterator[tuple[str, str]]:
    """(apiVersion, where) an object is, was applied, or is written as."""
    kind = str(rev.doc.get("kind") or "")
    yield str(rev.doc.get("apiVersion") or ""), "the object itself"
    applied = mapping(meta(rev.doc).get("annotations")).get(LAST_APPLIED)
    if isinstance(applied, str) and applied.strip().startswith("{"):
        with contextlib.suppress(orjson.JSONDecodeError):
            yield (
                str(mapping(orjson.loads(applied)).get("apiVersion") or ""),
                "its last-applied-configuration (kubectl apply)",
            )
    for entry in sequence(meta(rev.doc).get("managedFields")):
        e = mapping(entry)
        if e.get("apiVersion") and (str(e["apiVersion"]), kind) in BY_VERSION_KIND:
            yield str(e["apiVersion"]), f"field manager {e.get('manager')}"


def _severity(dep: Deprecation, version: tuple[int, int, int] | None) -> str:
    if version is None:
        return Severity.WARNING
    if version >= (parse_version(dep.removed) or (99, 0, 0)):
        return Severity.ERROR
    if version >= (parse_version(dep.deprecated) or (99, 0, 0)):
        return Severity.WARNING
    return Severity.INFO


@analyzer(
    "apis",
    ("*",),
    "Deprecated and removed API versions still in use (objects, last-applied, managedFields, Helm manifests)",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    cluster = view.cluster_version
    version = parse_version(cluster) if cluster else None
    against = (
        f"the cluster runs {cluster}"
        if cluster
        else "the cluster's version is unknown (no Nodes in the data)"
    )
    seen: set[tuple[object, str]] = set()
    for kind in {k for (_, k) in BY_VERSION_KIND}:
        for rev in view.objects(kind):
            if not mentions(rev, b"beta", b"alpha") or not _MENTIONED.search(rev.json()):
                continue  # no deprecated apiVersion anywhere in it: no need to decode it
            for api_version, where in _uses(rev):
                dep = BY_VERSION_KIND.get((api_version, kind))
                if dep is None or (rev.key, api_version) in seen:
                    continue
                seen.add((rev.key, api_version))
                yield finding("apis", "deprecated-api", _severity(dep, version), rev, f"{kind} {rev.key.name}: {api_version} used by {where}",
                              detail=f"deprecated in {dep.deprecated}, removed in {dep.removed}; {against}", discriminator=api_version,
                              remediation=f"use {dep.replacement}; re-apply or upgrade whatever still writes {api_version}")  # fmt: skip
    for release in view.releases():
        if release.status != "deployed":
            continue
        for doc in sequence(release.payload.get("manifest")):
            d = mapping(doc)
            dep = BY_VERSION_KIND.get((str(d.get("apiVersion") or ""), str(d.get("kind") or "")))
            if dep is None:
                continue
            name = str(mapping(d.get("metadata")).get("name") or "")
            holder = next(
                (
                    r
                    for r in view.objects("Secret", release.namespace)
                    if r.key.name == f"sh.helm.release.v1.{release.name}.v{release.revision}"
                ),
                None,
            )
            if holder is None:
                continue
            f = finding("apis", "deprecated-api-in-helm-chart", _severity(dep, version), holder,
                        f"Helm release {release.name} renders {dep.kind} {name} as {dep.api_version}",
                        detail=f"chart {release.chart}-{release.chart_version}; deprecated in {dep.deprecated}, removed in {dep.removed}; {against}",
                        discriminator=f"{dep.kind}/{name}", remediation=f"upgrade the chart to one that renders {dep.replacement}")  # fmt: skip
            f.evidence.append(
                Evidence(
                    "object",
                    holder.key,
                    release.at,
                    f"release {release.name} revision {release.revision}",
                    None,
                )
            )
            yield f
