"""PersistentVolumeClaims that stay Pending or lost their volume; volumes that failed."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import MINUTE, event_evidence, finding, meta, spec, status, time_of
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, ObjectKey, Severity

PENDING_AFTER = 2 * MINUTE


@analyzer(
    "storage",
    ("PersistentVolumeClaim", "PersistentVolume"),
    "Claims that stay Pending or lost their volume; failed volumes",
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
    for pv in view.objects("PersistentVolume"):
        if status(pv.doc).get("phase") == "Failed":
            yield finding(
                "storage",
                "volume-failed",
                Severity.ERROR,
                pv,
                f"PersistentVolume {pv.key.name}: Failed",
                detail=str(status(pv.doc).get("message") or ""),
            )
