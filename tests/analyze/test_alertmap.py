"""Alert labels to objects, over the label sets the kube-prometheus (kubernetes-mixin) rules
and kube-state-metrics put on their alerts."""

from __future__ import annotations

import pytest

from crumbs.alerts import Rule
from crumbs.analyze.alertmap import targets

KSM = {"job": "kube-state-metrics", "service": "kube-state-metrics", "instance": "10.244.0.9:8080",
       "container": "kube-state-metrics", "endpoint": "http", "prometheus": "monitoring/k8s"}  # fmt: skip

# (alert, its labels as Prometheus sends them, the first object expected)
CASES = [
    ("KubePodCrashLooping", {**KSM, "namespace": "shop", "pod": "api-7d9f-x2", "container": "api", "reason": "CrashLoopBackOff"}, ("Pod", "shop", "api-7d9f-x2")),
    ("KubePodNotReady", {**KSM, "namespace": "shop", "pod": "api-7d9f-x2"}, ("Pod", "shop", "api-7d9f-x2")),
    ("KubeDeploymentReplicasMismatch", {**KSM, "namespace": "shop", "deployment": "api"}, ("Deployment", "shop", "api")),
    ("KubeDeploymentGenerationMismatch", {**KSM, "namespace": "shop", "deployment": "api"}, ("Deployment", "shop", "api")),
    ("KubeStatefulSetReplicasMismatch", {**KSM, "namespace": "db", "statefulset": "pg"}, ("StatefulSet", "db", "pg")),
    ("KubeDaemonSetRolloutStuck", {**KSM, "namespace": "kube-system", "daemonset": "cilium"}, ("DaemonSet", "kube-system", "cilium")),
    ("KubeJobFailed", {**KSM, "namespace": "shop", "job_name": "nightly-28931"}, ("Job", "shop", "nightly-28931")),
    ("KubeHpaMaxedOut", {**KSM, "namespace": "shop", "horizontalpodautoscaler": "api"}, ("HorizontalPodAutoscaler", "shop", "api")),
    ("KubePersistentVolumeFillingUp", {"job": "kubelet", "service": "kubelet", "namespace": "db", "persistentvolumeclaim": "data-pg-0",
                                       "instance": "10.0.1.5:10250", "node": "node-a"}, ("PersistentVolumeClaim", "db", "data-pg-0")),
    ("KubeNodeNotReady", {**KSM, "node": "node-a", "condition": "Ready", "status": "false"}, ("Node", None, "node-a")),
    ("KubeletDown", {"job": "kubelet", "service": "kubelet", "node": "node-b", "instance": "10.0.1.6:10250"}, ("Node", None, "node-b")),
    ("NodeFilesystemSpaceFillingUp", {"job": "node-exporter", "service": "node-exporter", "instance": "10.0.1.7:9100", "device": "/dev/sda1"}, ("Node", None, "10.0.1.7")),
    ("TargetDown", {"job": "checkout", "service": "checkout-metrics", "namespace": "shop"}, ("Service", "shop", "checkout-metrics")),
]  # fmt: skip


@pytest.mark.parametrize(("alert", "labels", "first"), CASES, ids=[c[0] for c in CASES])
def test_the_most_specific_object_comes_first(
    alert: str, labels: dict[str, str], first: tuple[str, str | None, str]
) -> None:
    found = targets({"alertname": alert, **labels})
    assert (found[0].kind, found[0].namespace, found[0].name) == first


def test_the_exporter_scraped_is_not_the_subject() -> None:
    """kube-state-metrics' own Service and address are on every alert it feeds: never the subject."""
    found = targets(
        {
            "alertname": "KubeDeploymentReplicasMismatch",
            **KSM,
            "namespace": "shop",
            "deployment": "api",
        }
    )
    assert all(t.kind != "Service" for t in found)
    assert (
        found[-1].by_address and found[-1].name == "10.244.0.9"
    )  # only as a last resort, by address


def test_an_alert_name_can_say_its_own_label() -> None:
    rules = {"CheckoutErrors": Rule("Deployment", "app")}
    found = targets(
        {
            "alertname": "CheckoutErrors",
            "app": "checkout",
            "namespace": "shop",
            "pod": "checkout-1",
        },
        rules,
    )
    assert (found[0].kind, found[0].name, found[0].label) == ("Deployment", "checkout", "app")
    assert found[1].kind == "Pod"


def test_exported_namespace_wins_and_ipv6_instances_lose_their_port() -> None:
    found = targets(
        {"alertname": "X", "namespace": "monitoring", "exported_namespace": "shop", "pod": "p"}
    )
    assert found[0].namespace == "shop"
    assert targets({"alertname": "X", "instance": "[fd00::5]:9100"})[0].name == "fd00::5"
    assert targets({"alertname": "NothingNamed", "namespace": "shop"}) == []
