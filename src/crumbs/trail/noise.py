"""What changes without anybody changing anything, left out of diffs.

``resourceVersion``, ``managedFields`` churn, generation bumps
(``metadata.generation``, ``status.observedGeneration``), status heartbeats
(``lastHeartbeatTime``, ``lastProbeTime``), Lease renewals and the endpoints
controller's trigger-time annotation.
"""

from __future__ import annotations

from typing import Any

from crumbs.model import Obj

METADATA_NOISE = ("resourceVersion", "managedFields", "generation")
CONDITION_NOISE = ("lastHeartbeatTime", "lastProbeTime")
ANNOTATION_NOISE = ("endpoints.kubernetes.io/last-change-trigger-time",)


def strip_noise(doc: Obj) -> Obj:
    """A copy of ``doc`` without its noise; the input is not modified."""
    out = dict(doc)
    md = doc.get("metadata")
    if isinstance(md, dict):
        md = {k: v for k, v in md.items() if k not in METADATA_NOISE}
        ann = md.get("annotations")
        if isinstance(ann, dict) and any(a in ann for a in ANNOTATION_NOISE):
            ann = {k: v for k, v in ann.items() if k not in ANNOTATION_NOISE}
            if ann:
                md["annotations"] = ann
            else:
                del md["annotations"]
        out["metadata"] = md
    status = doc.get("status")
    if isinstance(status, dict):
        status = {k: v for k, v in status.items() if k != "observedGeneration"}
        conditions = status.get("conditions")
        if isinstance(conditions, list):
            status["conditions"] = [_quiet_condition(c) for c in conditions]
        out["status"] = status
    if doc.get("kind") == "Lease" and isinstance(doc.get("spec"), dict):
        out["spec"] = {k: v for k, v in doc["spec"].items() if k != "renewTime"}
    return out


def _quiet_condition(cond: Any) -> Any:
    if isinstance(cond, dict) and any(k in cond for k in CONDITION_NOISE):
        return {k: v for k, v in cond.items() if k not in CONDITION_NOISE}
    return cond
