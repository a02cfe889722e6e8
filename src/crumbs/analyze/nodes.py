"""Nodes: not ready, under pressure, cordoned. Healthy conditions are not problems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import analyzer, finding, spec, status, time_of
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence

PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
STANDARD = {"Ready", "OutOfDisk", *PRESSURE}
"""The kubelet's own condition types; any other True condition is a reporter's problem."""
SYSTEM_TAINTS = (
    "node.kubernetes.io/",
    "node-role.kubernetes.io/",
    "node.cloudprovider.kubernetes.io/",
)


def _unknown_ready(doc: dict[str, Any]) -> bool:
    return any(mapping(c).get("type") == "Ready" and mapping(c).get("status") == "Unknown"
               for c in sequence(status(doc).get("conditions")))  # fmt: skip


def _untolerated(view: ClusterView, node: StoredRevision) -> Iterator[Finding]:
    """A NoSchedule or NoExecute taint no pod in the data tolerates (popeye's POP-700): the
    node runs nothing new (reserved on purpose, often: info)."""
    pods = view.objects("Pod")
    if not pods:
        return
    for taint in map(mapping, sequence(spec(node.doc).get("taints"))):
        key = str(taint.get("key") or "")
        if not key or key.startswith(SYSTEM_TAINTS) or taint.get("effect") == "PreferNoSchedule":
            continue
        if not any(
            _tolerates(mapping(t), taint)
            for p in pods
            for t in sequence(spec(p.doc).get("tolerations"))
        ):
            yield finding("nodes", "taint-untolerated", Severity.INFO, node, f"Node {node.key.name}: no pod tolerates taint {key}",
                          detail=f"{key}={taint.get('value') or ''}:{taint.get('effect') or ''}", discriminator=key)  # fmt: skip


def _tolerates(tol: dict[str, Any], taint: dict[str, Any]) -> bool:
    if tol.get("effect") and tol.get("effect") != taint.get("effect"):
        return False
    if not tol.get("key"):
        return tol.get("operator") == "Exists"
    if tol.get("key") != taint.get("key"):
        return False
    return tol.get("operator") == "Exists" or str(tol.get("value") or "") == str(
        taint.get("value") or ""
    )


@analyzer("nodes", ("Node",), "Nodes that are not ready, under pressure, or cordoned")
def analyze(view: ClusterView) -> Iterator[Finding]:
    for node in view.objects("Node"):
        for cond in sequence(status(node.doc).get("conditions")):
            c = mapping(cond)
            kind, value = c.get("type"), c.get("status")
            since = time_of(c.get("lastTransitionTime"))
            if kind == "Ready" and value != "True":
                yield finding("nodes", "not-ready", Severity.ERROR, node, f"Node {node.key.name}: not ready ({c.get('reason') or value})",
                              detail=str(c.get("message") or ""), since=since, remediation="check the kubelet and the container runtime on the node")  # fmt: skip
            elif not isinstance(kind, str) or not kind:
                continue
            elif value == "Unknown" and kind != "Ready" and not _unknown_ready(node.doc):
                yield finding("nodes", "condition-unknown", Severity.WARNING, node, f"Node {node.key.name}: {kind} unknown",
                              detail=str(c.get("message") or c.get("reason") or ""), since=since, discriminator=str(kind))  # fmt: skip
            elif kind not in STANDARD and value == "True":
                # Node Problem Detector's conditions (KernelDeadlock, ReadonlyFilesystem,
                # FrequentKubeletRestart…) and other reporters': True is a problem
                yield finding("nodes", "problem-reported", Severity.WARNING, node, f"Node {node.key.name}: {kind}",
                              detail=f"{c.get('reason') or ''}: {c.get('message') or ''}".strip(": "), since=since, discriminator=str(kind),
                              remediation="see the node's kernel and runtime logs; drain it if the problem stays")  # fmt: skip
            elif kind in PRESSURE and value == "True":
                yield finding(
                    "nodes",
                    "pressure",
                    Severity.WARNING,
                    node,
                    f"Node {node.key.name}: {kind}",
                    detail=str(c.get("message") or ""),
                    since=since,
                    discriminator=str(kind),
                )
        yield from _untolerated(view, node)
        if spec(node.doc).get("unschedulable"):
            yield finding(
                "nodes",
                "cordoned",
                Severity.INFO,
                node,
                f"Node {node.key.name}: cordoned (unschedulable)",
            )
