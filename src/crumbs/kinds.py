"""The built-in Kubernetes kinds: group, plural, scope and kubectl short names.

Used to resolve what a user types (``deploy``, ``deployments.apps``, ``cj``),
to tell cluster-scoped from namespaced objects, and to reject kinds that claim
a built-in group they do not belong to. Custom resources (any other group) are
accepted as they come.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KindInfo:
    group: str
    kind: str
    plural: str
    namespaced: bool
    short: tuple[str, ...] = ()


def _k(group: str, kind: str, plural: str, namespaced: bool = True, *short: str) -> KindInfo:
    return KindInfo(group, kind, plural, namespaced, short)


BUILTIN: tuple[KindInfo, ...] = (
    _k("", "Binding", "bindings"),
    _k("", "ComponentStatus", "componentstatuses", False, "cs"),
    _k("", "ConfigMap", "configmaps", True, "cm"),
    _k("", "Endpoints", "endpoints", True, "ep"),
    _k("", "Event", "events", True, "ev"),
    _k("", "LimitRange", "limitranges", True, "limits"),
    _k("", "Namespace", "namespaces", False, "ns"),
    _k("", "Node", "nodes", False, "no"),
    _k("", "PersistentVolumeClaim", "persistentvolumeclaims", True, "pvc"),
    _k("", "PersistentVolume", "persistentvolumes", False, "pv"),
    _k("", "Pod", "pods", True, "po"),
    _k("", "PodTemplate", "podtemplates"),
    _k("", "ReplicationController", "replicationcontrollers", True, "rc"),
    _k("", "ResourceQuota", "resourcequotas", True, "quota"),
    _k("", "Secret", "secrets"),
    _k("", "ServiceAccount", "serviceaccounts", True, "sa"),
    _k("", "Service", "services", True, "svc"),
    _k(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        False,
    ),
    _k(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        False,
    ),
    _k(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        False,
    ),
    _k(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        False,
    ),
    _k(
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicy",
        "mutatingadmissionpolicies",
        False,
    ),
    _k(
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
        "mutatingadmissionpolicybindings",
        False,
    ),
    _k(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        "crd",
        "crds",
    ),
    _k("apiregistration.k8s.io", "APIService", "apiservices", False),
    _k("apps", "ControllerRevision", "controllerrevisions"),
    _k("apps", "DaemonSet", "daemonsets", True, "ds"),
    _k("apps", "Deployment", "deployments", True, "deploy"),
    _k("apps", "ReplicaSet", "replicasets", True, "rs"),
    _k("apps", "StatefulSet", "statefulsets", True, "sts"),
    _k("authentication.k8s.io", "TokenReview", "tokenreviews", False),
    _k("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", False),
    _k("authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews"),
    _k("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", False),
    _k("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", False),
    _k("authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", False),
    _k("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa"),
    _k("batch", "CronJob", "cronjobs", True, "cj"),
    _k("batch", "Job", "jobs"),
    _k(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        False,
        "csr",
    ),
    _k("certificates.k8s.io", "ClusterTrustBundle", "clustertrustbundles", False),
    _k("coordination.k8s.io", "Lease", "leases"),
    _k("coordination.k8s.io", "LeaseCandidate", "leasecandidates"),
    _k("discovery.k8s.io", "EndpointSlice", "endpointslices"),
    _k("events.k8s.io", "Event", "events", True, "ev"),
    _k("extensions", "Deployment", "deployments", True, "deploy"),
    _k("extensions", "DaemonSet", "daemonsets", True, "ds"),
    _k("extensions", "ReplicaSet", "replicasets", True, "rs"),
    _k("extensions", "Ingress", "ingresses", True, "ing"),
    _k("extensions", "NetworkPolicy", "networkpolicies", True, "netpol"),
    _k("extensions", "PodSecurityPolicy", "podsecuritypolicies", False, "psp"),
    _k("flowcontrol.apiserver.k8s.io", "FlowSchema", "flowschemas", False),
    _k(
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        False,
    ),
    _k("networking.k8s.io", "Ingress", "ingresses", True, "ing"),
    _k("networking.k8s.io", "IngressClass", "ingressclasses", False),
    _k("networking.k8s.io", "NetworkPolicy", "networkpolicies", True, "netpol"),
    _k("networking.k8s.io", "IPAddress", "ipaddresses", False),
    _k("networking.k8s.io", "ServiceCIDR", "servicecidrs", False),
    _k("node.k8s.io", "RuntimeClass", "runtimeclasses", False),
    _k("policy", "PodDisruptionBudget", "poddisruptionbudgets", True, "pdb"),
    _k("policy", "PodSecurityPolicy", "podsecuritypolicies", False, "psp"),
    _k("policy", "Eviction", "evictions"),
    _k("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", False),
    _k("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", False),
    _k("rbac.authorization.k8s.io", "RoleBinding", "rolebindings"),
    _k("rbac.authorization.k8s.io", "Role", "roles"),
    _k("resource.k8s.io", "DeviceClass", "deviceclasses", False),
    _k("resource.k8s.io", "ResourceClaim", "resourceclaims"),
    _k("resource.k8s.io", "ResourceClaimTemplate", "resourceclaimtemplates"),
    _k("resource.k8s.io", "ResourceSlice", "resourceslices", False),
    _k("scheduling.k8s.io", "PriorityClass", "priorityclasses", False, "pc"),
    _k("storage.k8s.io", "CSIDriver", "csidrivers", False),
    _k("storage.k8s.io", "CSINode", "csinodes", False),
    _k("storage.k8s.io", "CSIStorageCapacity", "csistoragecapacities"),
    _k("storage.k8s.io", "StorageClass", "storageclasses", False, "sc"),
    _k("storage.k8s.io", "VolumeAttachment", "volumeattachments", False),
    _k("storage.k8s.io", "VolumeAttributesClass", "volumeattributesclasses", False, "vac"),
    _k("storagemigration.k8s.io", "StorageVersionMigration", "storageversionmigrations", False),
    _k("internal.apiserver.k8s.io", "StorageVersion", "storageversions", False),
)

BUILTIN_GROUPS: frozenset[str] = frozenset(k.group for k in BUILTIN)
_BY_GROUP_KIND: dict[tuple[str, str], KindInfo] = {(k.group, k.kind): k for k in BUILTIN}
_BY_KIND: dict[str, list[KindInfo]] = {}
for _info in BUILTIN:
    _BY_KIND.setdefault(_info.kind, []).append(_info)

# Lists and the List wrapper are containers, not objects.
LIST_KIND = "List"


def is_known(group: str, kind: str) -> bool:
    """False only for a kind that claims a built-in group it is not part of."""
    return group not in BUILTIN_GROUPS or (group, kind) in _BY_GROUP_KIND


def is_namespaced(group: str, kind: str) -> bool | None:
    info = _BY_GROUP_KIND.get((group, kind))
    return None if info is None else info.namespaced


# The served version of built-in kinds whose group's stable version is not v1.
_VERSION = {
    ("autoscaling", "HorizontalPodAutoscaler"): "v2",
    ("extensions", "Ingress"): "v1beta1",
}
_BETA_GROUPS = {
    "internal.apiserver.k8s.io": "v1alpha1",
    "resource.k8s.io": "v1beta1",
    "storagemigration.k8s.io": "v1alpha1",
}


def api_version_of(group: str, kind: str) -> str:
    """The apiVersion a current cluster serves a built-in kind at; "" for other kinds."""
    if (group, kind) not in _BY_GROUP_KIND:
        return ""
    version = _VERSION.get((group, kind)) or _BETA_GROUPS.get(group, "v1")
    return f"{group}/{version}" if group else version


def resolve(text: str) -> list[tuple[str, str]]:
    """What a user typed for a kind → candidate (group, kind) pairs, best first.

    Accepts kinds (``Deployment``, ``deployment``), plurals (``deployments``),
    short names (``deploy``) and group-qualified forms (``deployments.apps``).
    Unknown words come back as a case-preserving guess with group ``None``-free
    matching left to the store (custom resources).
    """
    word, _, group = text.partition(".")
    lw = word.lower()
    found: list[tuple[str, str]] = []
    for info in BUILTIN:
        if group and info.group != group:
            continue
        if lw in (info.kind.lower(), info.plural) or lw in info.short:
            found.append((info.group, info.kind))
    # Prefer the current groups over legacy ``extensions`` aliases.
    found.sort(key=lambda gk: gk[0] == "extensions")
    return found
