"""Which object an alert is about, from its labels: the conventions of kube-state-metrics and
the kube-prometheus (kubernetes-mixin) rules, most specific first.

    pod (+ container)          Pod            KubePodCrashLooping, KubePodNotReady, KubeContainerWaiting
    persistentvolumeclaim      PVC            KubePersistentVolumeFillingUp
    job_name                   Job            KubeJobFailed, KubeJobNotCompleted
    cronjob                    CronJob
    deployment                 Deployment     KubeDeploymentReplicasMismatch, ...GenerationMismatch
    statefulset, daemonset     StatefulSet, DaemonSet
    horizontalpodautoscaler    HPA            KubeHpaMaxedOut, KubeHpaReplicasMismatch
    service                    Service        (not when it names the scrape target: service == job)
    node                       Node           KubeNodeNotReady, KubeletDown
    instance                   Node           by name or address, port dropped (node-exporter's alerts)

``namespace`` places the namespaced ones (``exported_namespace`` when a relabelling kept the
scrape target's namespace in ``namespace``). Per alert name, a rule can say which label names
which kind (``[alerts.map.MyAppDown] kind = "Deployment", label = "app"``). An alert that names
nothing is investigated as its namespace (or the cluster) around its start.
"""

from __future__ import annotations

from dataclasses import dataclass

from crumbs.alerts import Rule

LABELS: tuple[tuple[str, str], ...] = (
    ("pod", "Pod"),
    ("persistentvolumeclaim", "PersistentVolumeClaim"),
    ("job_name", "Job"),
    ("cronjob", "CronJob"),
    ("deployment", "Deployment"),
    ("statefulset", "StatefulSet"),
    ("daemonset", "DaemonSet"),
    ("horizontalpodautoscaler", "HorizontalPodAutoscaler"),
    ("service", "Service"),
    ("node", "Node"),
)
CLUSTER_SCOPED = {"Node"}


@dataclass(frozen=True)
class Target:
    kind: str
    namespace: str | None
    name: str
    label: str
    """The label it was read from (said in the investigation: how it was found)."""
    by_address: bool = False
    """``instance``: a Node whose name or one of whose addresses is ``name``."""


def targets(labels: dict[str, str], rules: dict[str, Rule] | None = None) -> list[Target]:
    """The objects the labels name, most specific first (the first one found in the store wins)."""
    namespace = labels.get("exported_namespace") or labels.get("namespace") or None
    out: list[Target] = []
    rule = (rules or {}).get(labels.get("alertname", ""))
    if rule is not None and labels.get(rule.label):
        ns = labels.get(rule.namespace_label) or None
        out.append(
            Target(
                rule.kind,
                None if rule.kind in CLUSTER_SCOPED else ns,
                labels[rule.label],
                rule.label,
            )
        )
    for label, kind in LABELS:
        value = labels.get(label)
        if not value:
            continue
        if label == "service" and value == labels.get("job"):
            continue  # the exporter scraped (kube-state-metrics, node-exporter), not the subject
        out.append(Target(kind, None if kind in CLUSTER_SCOPED else namespace, value, label))
    instance = labels.get("instance")
    if instance:
        out.append(Target("Node", None, _host(instance), "instance", by_address=True))
    return out


def namespace_of(labels: dict[str, str]) -> str | None:
    return labels.get("exported_namespace") or labels.get("namespace") or None


def _host(instance: str) -> str:
    """``10.0.1.5:9100`` → ``10.0.1.5``; ``[fd00::1]:9100`` → ``fd00::1``; ``node-a`` stays."""
    if instance.startswith("["):
        return instance[1:].split("]", 1)[0]
    if instance.count(":") == 1:
        return instance.split(":", 1)[0]
    return instance
