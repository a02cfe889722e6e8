"""Which long-running workload is "the same app" as a CronJob: same app labels, same Helm release, or a name prefix."""

from __future__ import annotations

from crumbs.analyze.base import meta
from crumbs.analyze.view import ClusterView
from crumbs.model import StoredRevision, mapping

APP_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
RELEASE = "meta.helm.sh/release-name"


def same_app(
    view: ClusterView, rev: StoredRevision, candidates: list[StoredRevision] | None = None
) -> tuple[StoredRevision, str] | None:
    """The workload of the same app as ``rev``, and the evidence that says so."""
    labels = mapping(meta(rev.doc).get("labels"))
    release = mapping(meta(rev.doc).get("annotations")).get(RELEASE)
    pool = (
        candidates
        if candidates is not None
        else [w for kind in APP_KINDS for w in view.objects(kind, rev.key.namespace)]
    )
    name = labels.get("app.kubernetes.io/name")
    if name:
        instance = labels.get("app.kubernetes.io/instance")
        for w in pool:
            wl = mapping(meta(w.doc).get("labels"))
            if wl.get("app.kubernetes.io/name") == name and (
                not instance or wl.get("app.kubernetes.io/instance") in (None, instance)
            ):
                return w, f"label app.kubernetes.io/name={name}"
    if labels.get("app"):
        for w in pool:
            if mapping(meta(w.doc).get("labels")).get("app") == labels["app"]:
                return w, f"label app={labels['app']}"
    if release:
        for w in pool:
            if mapping(meta(w.doc).get("annotations")).get(RELEASE) == release:
                return w, f"Helm release {release}"
    for w in sorted(pool, key=lambda x: -len(x.key.name)):
        if rev.key.name.startswith(w.key.name + "-"):
            return w, f"name {w.key.name}-*"
    return None
