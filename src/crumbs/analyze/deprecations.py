"""Deprecated and removed Kubernetes API versions (the Kubernetes deprecation guide).

(apiVersion, kind, deprecated in, removed in, replacement). A test checks the
rows against FairwindsOps/pluto's versions.yaml where both speak.
"""

from __future__ import annotations

from typing import NamedTuple


class Deprecation(NamedTuple):
    api_version: str
    kind: str
    deprecated: str
    removed: str
    replacement: str


def _rows(
    api_version: str, kinds: str, deprecated: str, removed: str, replacement: str
) -> list[Deprecation]:
    return [Deprecation(api_version, k, deprecated, removed, replacement) for k in kinds.split()]


TABLE: tuple[Deprecation, ...] = tuple(
    [
        *_rows(
            "extensions/v1beta1", "Deployment DaemonSet ReplicaSet", "v1.9.0", "v1.16.0", "apps/v1"
        ),
        *_rows("extensions/v1beta1", "NetworkPolicy", "v1.9.0", "v1.16.0", "networking.k8s.io/v1"),
        *_rows("extensions/v1beta1", "PodSecurityPolicy", "v1.10.0", "v1.16.0", "policy/v1beta1"),
        *_rows("extensions/v1beta1", "Ingress", "v1.14.0", "v1.22.0", "networking.k8s.io/v1"),
        *_rows("apps/v1beta1", "Deployment StatefulSet", "v1.9.0", "v1.16.0", "apps/v1"),
        *_rows(
            "apps/v1beta2",
            "Deployment StatefulSet DaemonSet ReplicaSet",
            "v1.9.0",
            "v1.16.0",
            "apps/v1",
        ),
        *_rows(
            "networking.k8s.io/v1beta1",
            "Ingress IngressClass",
            "v1.19.0",
            "v1.22.0",
            "networking.k8s.io/v1",
        ),
        *_rows(
            "policy/v1beta1", "PodSecurityPolicy", "v1.21.0", "v1.25.0", "Pod Security Admission"
        ),
        *_rows("policy/v1beta1", "PodDisruptionBudget", "v1.21.0", "v1.25.0", "policy/v1"),
        *_rows("batch/v2alpha1", "CronJob", "v1.8.0", "v1.21.0", "batch/v1"),
        *_rows("batch/v1beta1", "CronJob", "v1.21.0", "v1.25.0", "batch/v1"),
        *_rows(
            "autoscaling/v2beta1", "HorizontalPodAutoscaler", "v1.22.0", "v1.25.0", "autoscaling/v2"
        ),
        *_rows(
            "autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.23.0", "v1.26.0", "autoscaling/v2"
        ),
        *_rows(
            "discovery.k8s.io/v1beta1", "EndpointSlice", "v1.21.0", "v1.25.0", "discovery.k8s.io/v1"
        ),
        *_rows("events.k8s.io/v1beta1", "Event", "v1.19.0", "v1.25.0", "events.k8s.io/v1"),
        *_rows("node.k8s.io/v1beta1", "RuntimeClass", "v1.20.0", "v1.25.0", "node.k8s.io/v1"),
        *_rows(
            "storage.k8s.io/v1beta1",
            "CSIDriver CSINode StorageClass VolumeAttachment",
            "v1.19.0",
            "v1.22.0",
            "storage.k8s.io/v1",
        ),
        *_rows(
            "storage.k8s.io/v1beta1",
            "CSIStorageCapacity",
            "v1.24.0",
            "v1.27.0",
            "storage.k8s.io/v1",
        ),
        *_rows(
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "FlowSchema PriorityLevelConfiguration",
            "v1.23.0",
            "v1.26.0",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
        *_rows(
            "flowcontrol.apiserver.k8s.io/v1beta2",
            "FlowSchema PriorityLevelConfiguration",
            "v1.26.0",
            "v1.29.0",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
        *_rows(
            "flowcontrol.apiserver.k8s.io/v1beta3",
            "FlowSchema PriorityLevelConfiguration",
            "v1.29.0",
            "v1.32.0",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
        *_rows(
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole ClusterRoleBinding Role RoleBinding",
            "v1.17.0",
            "v1.22.0",
            "rbac.authorization.k8s.io/v1",
        ),
        *_rows(
            "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
            "v1.16.0",
            "v1.22.0",
            "admissionregistration.k8s.io/v1",
        ),
        *_rows(
            "apiextensions.k8s.io/v1beta1",
            "CustomResourceDefinition",
            "v1.16.0",
            "v1.22.0",
            "apiextensions.k8s.io/v1",
        ),
        *_rows(
            "apiregistration.k8s.io/v1beta1",
            "APIService",
            "v1.19.0",
            "v1.22.0",
            "apiregistration.k8s.io/v1",
        ),
        *_rows(
            "authentication.k8s.io/v1beta1",
            "TokenReview",
            "v1.19.0",
            "v1.22.0",
            "authentication.k8s.io/v1",
        ),
        *_rows(
            "authorization.k8s.io/v1beta1",
            "LocalSubjectAccessReview SelfSubjectAccessReview SubjectAccessReview",
            "v1.19.0",
            "v1.22.0",
            "authorization.k8s.io/v1",
        ),
        *_rows(
            "certificates.k8s.io/v1beta1",
            "CertificateSigningRequest",
            "v1.19.0",
            "v1.22.0",
            "certificates.k8s.io/v1",
        ),
        *_rows(
            "coordination.k8s.io/v1beta1", "Lease", "v1.19.0", "v1.22.0", "coordination.k8s.io/v1"
        ),
        *_rows(
            "scheduling.k8s.io/v1beta1",
            "PriorityClass",
            "v1.14.0",
            "v1.22.0",
            "scheduling.k8s.io/v1",
        ),
        # from pluto's versions.yaml
        *_rows(
            "rbac.authorization.k8s.io/v1alpha1",
            "ClusterRole ClusterRoleBinding Role RoleBinding",
            "v1.17.0",
            "v1.22.0",
            "rbac.authorization.k8s.io/v1",
        ),
    ]
)

BY_VERSION_KIND: dict[tuple[str, str], Deprecation] = {(d.api_version, d.kind): d for d in TABLE}
