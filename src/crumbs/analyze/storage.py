"""PersistentVolumeClaims that stay Pending or lost their volume; volumes that failed."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import (
    MINUTE,
    analyzer,
    event_evidence,
    finding,
    meta,
    spec,
    status,
    time_of,
)
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, ObjectKey, Severity, mapping, sequence

PENDING_AFTER = 2 * MINUTE


@analyzer(
    "storage",
    ("PersistentVolumeClaim", "PersistentVolume", "StorageClass"),
    "Claims that stay Pending or lost their volume; failed and released volumes; several default classes; StatefulSets' claim templates and services",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for pvc in view.objects("PersistentVolumeClaim"):
        phase = status(pvc.doc).get("phase")
        created = time_of(meta(pvc.doc).get("creationTimestamp"))
        if phase == "Lost":
            yield finding(
                "storage",
                "claim-lost",
                Severity.ERROR,
                pvc,
                f"PersistentVolumeClaim {pvc.key.name}: its volume is lost",
            )
        elif phase == "Pending" and (created is None or view.at - created > PENDING_AFTER):
            events = [e for e in view.events(pvc.key) if e.type == "Warning"]
            cls = spec(pvc.doc).get("storageClassName")
            related = []
            detail = events[-1].message if events else ""
            if (
                cls
                and view.knows("StorageClass")
                and view.get("StorageClass", "", str(cls)) is None
            ):
                detail = f"StorageClass {cls} does not exist" + (f"; {detail}" if detail else "")
                related.append(
                    ObjectKey(pvc.key.cluster, "storage.k8s.io", "StorageClass", "", str(cls))
                )
            f = finding("storage", "claim-pending", Severity.ERROR, pvc, f"PersistentVolumeClaim {pvc.key.name}: Pending", detail=detail, since=created, related=related,
                        remediation="check the StorageClass exists and its provisioner runs (or a matching PV exists)")  # fmt: skip
            f.evidence.extend(event_evidence(events))
            yield f
    yield from _classes(view)
    yield from _claim_templates(view)
    for pv in view.objects("PersistentVolume"):
        if status(pv.doc).get("phase") == "Released":
            claim = mapping(spec(pv.doc).get("claimRef"))
            yield finding("storage", "volume-released", Severity.INFO, pv, f"PersistentVolume {pv.key.name}: Released, its data kept",
                          detail=f"its claim {claim.get('namespace')}/{claim.get('name')} is gone; reclaimPolicy {spec(pv.doc).get('persistentVolumeReclaimPolicy') or 'Retain'}: "
                                 "no new claim can bind it until an admin reclaims it",
                          remediation="recover the data or delete the PV (and its disk); to reuse it, clear spec.claimRef")  # fmt: skip
        if status(pv.doc).get("phase") == "Failed":
            yield finding(
                "storage",
                "volume-failed",
                Severity.ERROR,
                pv,
                f"PersistentVolume {pv.key.name}: Failed",
                detail=str(status(pv.doc).get("message") or ""),
            )


DEFAULT_CLASS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _classes(view: ClusterView) -> Iterator[Finding]:
    """Several default StorageClasses: a claim without a class gets the newest of them (1.26+),
    or is refused (before): which one was meant is not said."""
    defaults = [
        sc for sc in view.live("StorageClass")
        if any(mapping(meta(sc.doc).get("annotations")).get(a) == "true" for a in DEFAULT_CLASS)
    ]  # fmt: skip
    if len(defaults) > 1:
        names = ", ".join(sorted(sc.key.name for sc in defaults))
        for sc in defaults:
            yield finding("storage", "several-default-classes", Severity.WARNING, sc, f"StorageClass {sc.key.name}: one of {len(defaults)} default StorageClasses",
                          detail=f"defaults: {names}", related=[d.key for d in defaults if d is not sc],
                          remediation="keep one storageclass.kubernetes.io/is-default-class=true")  # fmt: skip


def _claim_templates(view: ClusterView) -> Iterator[Finding]:
    """A StatefulSet whose volumeClaimTemplates name a StorageClass the data hold no longer
    (its next pod's claim stays Pending), or whose serviceName Service is missing."""
    for sts in view.live("StatefulSet"):
        s = spec(sts.doc)
        for t in map(mapping, sequence(s.get("volumeClaimTemplates"))):
            cls = spec(t).get("storageClassName")
            if (
                cls
                and view.knows("StorageClass")
                and view.get("StorageClass", "", str(cls)) is None
            ):
                key = ObjectKey(sts.key.cluster, "storage.k8s.io", "StorageClass", "", str(cls))
                gone = view.deleted_object("StorageClass", "", str(cls))
                yield finding("storage", "claim-template-class-missing", Severity.ERROR, sts,
                              f"StatefulSet {sts.key.name}: volumeClaimTemplate {mapping(t.get('metadata')).get('name')} uses StorageClass {cls}, which does not exist",
                              since=gone.at if gone else None, related=[key], discriminator=str(mapping(t.get("metadata")).get("name")),
                              remediation="recreate the StorageClass, or change the template (volumeClaimTemplates cannot be edited: recreate the StatefulSet with --cascade=orphan)")  # fmt: skip
        svc = s.get("serviceName")
        if (
            svc
            and view.objects("Service", sts.key.namespace)
            and view.find("Service", sts.key.namespace, str(svc)) is None
        ):
            yield finding("storage", "governing-service-missing", Severity.WARNING, sts, f"StatefulSet {sts.key.name}: its serviceName {svc} does not exist",
                          detail="its pods get no stable DNS names (pod.service.namespace.svc)", related=[ObjectKey(sts.key.cluster, "", "Service", sts.key.namespace, str(svc))],
                          remediation=f"create the headless Service {svc} (clusterIP: None) selecting its pods")  # fmt: skip
