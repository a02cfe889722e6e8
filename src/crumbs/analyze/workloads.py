"""Deployments, ReplicaSets, StatefulSets, DaemonSets: stuck rollouts, unavailable replicas, failed pod creation,
and references (of every live pod template) to ConfigMaps, Secrets, ServiceAccounts and PVCs that do not exist.

Guards: a workload scaled to zero on purpose is not a problem; a missing object
is only claimed for kinds the data hold in that namespace (a cluster-info dump
has no ConfigMaps or Secrets at all).
"""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import (
    MINUTE,
    analyzer,
    condition,
    finding,
    mentions,
    pod_spec_of,
    spec,
    status,
    time_of,
)
from crumbs.analyze.refs import references
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, ObjectKey, Severity, StoredRevision, mapping

UNAVAILABLE_AFTER = 5 * MINUTE
_GROUP = {"ConfigMap": "", "Secret": "", "ServiceAccount": "", "PersistentVolumeClaim": ""}


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


@analyzer(
    "workloads",
    ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"),
    "Stuck rollouts, unavailable replicas, pods that cannot be created, references to missing objects",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for dep in view.live("Deployment"):
        doc = dep.doc
        want = spec(doc).get("replicas", 1)
        progressing = condition(doc, "Progressing")
        if (
            progressing
            and progressing.get("reason") == "ProgressDeadlineExceeded"
            and progressing.get("status") == "False"
        ):
            yield finding("workloads", "rollout-stuck", Severity.ERROR, dep, f"Deployment {dep.key.name}: rollout stuck",
                          detail=str(progressing.get("message") or ""), since=time_of(progressing.get("lastTransitionTime")),
                          remediation="see why the new pods do not become ready (crumbs scan shows them); roll back with kubectl rollout undo")  # fmt: skip
            continue
        if not isinstance(want, int) or want == 0:
            continue  # scaled to zero on purpose
        available = _int(status(doc).get("availableReplicas"))
        avail_cond = condition(doc, "Available")
        since = time_of(avail_cond.get("lastTransitionTime")) if avail_cond else None
        if (
            available < want
            and (avail_cond is None or avail_cond.get("status") == "False")
            and (since is None or view.at - since > UNAVAILABLE_AFTER)
        ):
            severity = Severity.ERROR if available == 0 else Severity.WARNING
            yield finding("workloads", "unavailable", severity, dep, f"Deployment {dep.key.name}: {available} of {want} replicas available",
                          detail=str((avail_cond or {}).get("message") or ""), since=since)  # fmt: skip
    for rs in view.live("ReplicaSet"):
        if not mentions(rs, b"ReplicaFailure"):
            continue  # most ReplicaSets are old history: no need to decode them
        failure = condition(rs.doc, "ReplicaFailure")
        if failure and failure.get("status") == "True":
            owner = view.owner_of(rs) or rs
            yield finding("workloads", "cannot-create-pods", Severity.ERROR, owner, f"{owner.key.kind} {owner.key.name}: pods cannot be created",
                          detail=str(failure.get("message") or failure.get("reason") or ""), since=time_of(failure.get("lastTransitionTime")),
                          related=[rs.key], remediation="quota, LimitRange or Pod Security admission refused the pods: see the message")  # fmt: skip
    for sts in view.live("StatefulSet"):
        st, want = status(sts.doc), spec(sts.doc).get("replicas", 1)
        ready = _int(st.get("readyReplicas"))
        if isinstance(want, int) and want > 0 and ready < want:
            yield finding(
                "workloads",
                "unavailable",
                Severity.ERROR if ready == 0 else Severity.WARNING,
                sts,
                f"StatefulSet {sts.key.name}: {ready} of {want} replicas ready",
            )
        if (
            st.get("updateRevision")
            and st.get("currentRevision")
            and st["updateRevision"] != st["currentRevision"]
            and _int(st.get("updatedReplicas")) < _int(want)
        ):
            yield finding("workloads", "rollout-stuck", Severity.WARNING, sts, f"StatefulSet {sts.key.name}: update to {st['updateRevision']} incomplete",
                          detail=f"{_int(st.get('updatedReplicas'))} of {want} pods updated")  # fmt: skip
    for ds in view.live("DaemonSet"):
        st = status(ds.doc)
        if _int(st.get("numberUnavailable")):
            yield finding(
                "workloads",
                "unavailable",
                Severity.WARNING,
                ds,
                f"DaemonSet {ds.key.name}: {st['numberUnavailable']} of {_int(st.get('desiredNumberScheduled'))} pods unavailable",
            )
        if _int(st.get("numberMisscheduled")):
            yield finding(
                "workloads",
                "misscheduled",
                Severity.WARNING,
                ds,
                f"DaemonSet {ds.key.name}: {st['numberMisscheduled']} pods on nodes they should not run on",
            )
    yield from _missing_references(view)


def _live_templates(view: ClusterView) -> Iterator[StoredRevision]:
    for kind in ("Deployment", "StatefulSet", "DaemonSet", "CronJob"):
        for rev in view.objects(kind):
            s = spec(rev.doc)
            if (kind in ("Deployment", "StatefulSet") and s.get("replicas") == 0) or (
                kind == "CronJob" and s.get("suspend")
            ):
                continue
            yield rev
    for kind in ("Job", "Pod"):
        for rev in view.objects(kind):
            owned = mapping(rev.doc.get("metadata")).get("ownerReferences")
            if (
                owned
                or status(rev.doc).get("phase") in ("Succeeded", "Failed")
                or status(rev.doc).get("completionTime")
            ):
                continue
            yield rev


def _known(view: ClusterView, kind: str, namespace: str, deleted: set[ObjectKey]) -> bool:
    return bool(view.objects(kind, namespace)) or any(
        k.kind == kind and k.namespace == namespace for k in deleted
    )


def _missing_references(view: ClusterView) -> Iterator[Finding]:
    deletions = {r.key: r for r in view.deleted()}
    deleted = set(deletions)
    for rev in _live_templates(view):
        ns = rev.key.namespace
        for ref in references(pod_spec_of(rev.doc)):
            if not ref.name or ref.optional or view.find(ref.kind, ns, ref.name) is not None:
                continue
            if not _known(view, ref.kind, ns, deleted):
                continue
            key = ObjectKey(rev.key.cluster, _GROUP[ref.kind], ref.kind, ns, ref.name)
            gone = deletions.get(key)
            severity = (
                Severity.ERROR
                if ref.kind != "Secret" or ref.where != "imagePullSecrets"
                else Severity.WARNING
            )
            f = finding("workloads", "missing-reference", severity, rev, f"{rev.key.kind} {rev.key.name}: {ref.kind} {ref.name} does not exist",
                        detail=f"used by {ref.where}" + (f"; deleted at {gone.at}" if gone else ""), since=gone.at if gone else None,
                        related=[key], discriminator=f"{ref.kind}/{ref.name}",
                        remediation=f"recreate {ref.kind} {ref.name}, or mark the reference optional, or remove it")  # fmt: skip
            if gone is not None:
                f.evidence.append(
                    Evidence("revision", key, gone.at, f"{ref.kind} {ref.name} deleted", gone.id)
                )
            yield f
