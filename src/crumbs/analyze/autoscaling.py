"""HorizontalPodAutoscalers: a missing target, unable to scale or to read metrics, pinned at maxReplicas.
An HPA at minReplicas is not a problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import condition, finding, meta, spec, status, time_of
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Obj, ObjectKey, Severity, mapping, sequence, split_api_version

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
