"""HorizontalPodAutoscalers: a missing target, unable to scale or to read metrics, pinned at maxReplicas.
An HPA at minReplicas is not a problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import (
    analyzer,
    condition,
    containers,
    finding,
    meta,
    pod_spec_of,
    spec,
    status,
    time_of,
)
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Finding,
    Obj,
    ObjectKey,
    Severity,
    StoredRevision,
    mapping,
    sequence,
    split_api_version,
)

V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"


@analyzer(
    "autoscaling",
    ("HorizontalPodAutoscaler",),
    "Autoscalers with a missing target, failing metrics, or stuck at their maximum",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for hpa in view.objects("HorizontalPodAutoscaler"):
        target = mapping(spec(hpa.doc).get("scaleTargetRef"))
        kind, name = str(target.get("kind") or ""), str(target.get("name") or "")
        if kind and name and view.knows(kind) and view.find(kind, hpa.key.namespace, name) is None:
            group, _ = split_api_version(str(target.get("apiVersion") or ""))
            yield finding("autoscaling", "target-missing", Severity.ERROR, hpa, f"HorizontalPodAutoscaler {hpa.key.name}: {kind} {name} does not exist",
                          related=[ObjectKey(hpa.key.cluster, group, kind, hpa.key.namespace, name)])  # fmt: skip
            continue
        workload = view.find(kind, hpa.key.namespace, name) if kind and name else None
        if workload is not None:
            yield from _requests(hpa, workload)
        for ctype in ("AbleToScale", "ScalingActive"):
            c = _condition(hpa.doc, ctype)
            if c and c.get("status") == "False" and c.get("reason") != "ScalingDisabled":
                # ScalingDisabled: the target is scaled to zero on purpose
                yield finding("autoscaling", "cannot-scale" if ctype == "AbleToScale" else "metrics-unavailable", Severity.WARNING, hpa,
                              f"HorizontalPodAutoscaler {hpa.key.name}: {ctype} False ({c.get('reason')})", detail=str(c.get("message") or ""),
                              since=time_of(c.get("lastTransitionTime")), discriminator=ctype)  # fmt: skip
        limited = _condition(hpa.doc, "ScalingLimited")
        current, maximum = status(hpa.doc).get("currentReplicas"), spec(hpa.doc).get("maxReplicas")
        if (
            limited
            and limited.get("status") == "True"
            and current == maximum
            and limited.get("reason") == "TooManyReplicas"
        ):
            yield finding("autoscaling", "at-maximum", Severity.WARNING, hpa, f"HorizontalPodAutoscaler {hpa.key.name}: pinned at maxReplicas {maximum}",
                          detail=str(limited.get("message") or ""), since=time_of(limited.get("lastTransitionTime")))  # fmt: skip


def _resources(hpa: StoredRevision) -> set[str]:
    """The resources the HPA scales on by utilisation: v2 Resource metrics, v1's CPU target."""
    s = spec(hpa.doc)
    out = {str(mapping(mapping(m).get("resource")).get("name")) for m in sequence(s.get("metrics"))
           if mapping(m).get("type") == "Resource" and mapping(mapping(mapping(m).get("resource")).get("target")).get("type", "Utilization") == "Utilization"}  # fmt: skip
    if s.get("targetCPUUtilizationPercentage") is not None:
        out.add("cpu")
    return out - {"None", ""}


def _requests(hpa: StoredRevision, workload: StoredRevision) -> Iterator[Finding]:
    """Utilisation is usage over requests: a container without a request for the resource makes
    the HPA unable to compute it (k8sgpt's HPA check)."""
    for resource in sorted(_resources(hpa)):
        lacking = [str(c.get("name")) for c in containers(pod_spec_of(workload.doc), init=False)
                   if resource not in mapping(mapping(c.get("resources")).get("requests"))]  # fmt: skip
        if lacking:
            yield finding("autoscaling", "target-without-requests", Severity.WARNING, hpa,
                          f"HorizontalPodAutoscaler {hpa.key.name}: {workload.key.kind} {workload.key.name} requests no {resource}",
                          detail=f"containers without a {resource} request: {', '.join(lacking)}; utilisation cannot be computed",
                          related=[workload.key], discriminator=resource,
                          remediation=f"set resources.requests.{resource} on every container of the target")  # fmt: skip


def _condition(doc: Obj, kind: str) -> dict[str, Any] | None:
    """A condition from status, or (autoscaling/v1) from the annotation v1 keeps them in."""
    found = condition(doc, kind)
    if found is not None:
        return found
    text = mapping(meta(doc).get("annotations")).get(V1_CONDITIONS)
    if not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    for c in sequence(parsed):
        if isinstance(c, dict) and c.get("type") == kind:
            return c
    return None
