"""Nodes: not ready, under pressure, cordoned. Healthy conditions are not problems."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import finding, spec, status, time_of
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, mapping, sequence

PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


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
        if spec(node.doc).get("unschedulable"):
            yield finding(
                "nodes",
                "cordoned",
                Severity.INFO,
                node,
                f"Node {node.key.name}: cordoned (unschedulable)",
            )
