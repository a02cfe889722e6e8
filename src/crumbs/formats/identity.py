"""Objects without ``apiVersion``/``kind``: who they are, from ``selfLink`` or the path they sit at.

Support archives keep objects as the API server's typed clients return them:
without ``apiVersion`` and ``kind`` (OpenShift Insights archives, must-gather,
``oc adm inspect``), the kind in the path and in ``metadata.selfLink``
(removed from the API in 1.20, but archives of older clusters keep it). This
module finds the identity:

1. ``metadata.selfLink``: ``/api/v1/namespaces/NS/PLURAL/NAME`` or
   ``/apis/GROUP/VERSION[/namespaces/NS]/PLURAL/NAME``;
2. the path: a segment naming a plural of a known kind
   (``cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles/NAME.json``,
   ``namespaces/NS/core/pods/NAME.json``) or a directory name Insights archives
   use (``config/pod/NS/NAME.json``, ``config/node/NAME.json``,
   ``config/crd/NAME.json``), the group from the segment before it when it has a
   dot.

Plurals resolve through the built-in kinds table, the well-known custom kinds
below, and the CustomResourceDefinitions read so far (:class:`Kinds`). Objects
Insights strips of ``metadata`` but for a top-level ``name`` (operator
configs) get it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from crumbs import kinds
from crumbs.model import Obj, mapping

WELL_KNOWN: dict[tuple[str, str], str] = {
    ("config.openshift.io", "clusteroperators"): "ClusterOperator",
    ("config.openshift.io", "clusterversions"): "ClusterVersion",
    ("config.openshift.io", "featuregates"): "FeatureGate",
    ("config.openshift.io", "ingresses"): "Ingress",
    ("config.openshift.io", "infrastructures"): "Infrastructure",
    ("config.openshift.io", "networks"): "Network",
    ("config.openshift.io", "proxies"): "Proxy",
    ("config.openshift.io", "oauths"): "OAuth",
    ("config.openshift.io", "apiservers"): "APIServer",
    ("config.openshift.io", "authentications"): "Authentication",
    ("config.openshift.io", "images"): "Image",
    ("config.openshift.io", "schedulers"): "Scheduler",
    ("security.openshift.io", "securitycontextconstraints"): "SecurityContextConstraints",
    ("authorization.openshift.io", "clusterrolebindings"): "ClusterRoleBinding",
    ("authorization.openshift.io", "clusterroles"): "ClusterRole",
    ("imageregistry.operator.openshift.io", "configs"): "Config",
    ("imageregistry.operator.openshift.io", "imagepruners"): "ImagePruner",
    ("machine.openshift.io", "machines"): "Machine",
    ("machine.openshift.io", "machinesets"): "MachineSet",
    ("machineconfiguration.openshift.io", "machineconfigs"): "MachineConfig",
    ("machineconfiguration.openshift.io", "machineconfigpools"): "MachineConfigPool",
    ("route.openshift.io", "routes"): "Route",
    ("image.openshift.io", "imagestreams"): "ImageStream",
    ("build.openshift.io", "buildconfigs"): "BuildConfig",
    ("apps.openshift.io", "deploymentconfigs"): "DeploymentConfig",
    ("cert-manager.io", "certificates"): "Certificate",
    ("cert-manager.io", "issuers"): "Issuer",
    ("cert-manager.io", "clusterissuers"): "ClusterIssuer",
    ("argoproj.io", "applications"): "Application",
    ("argoproj.io", "rollouts"): "Rollout",
    ("monitoring.coreos.com", "prometheuses"): "Prometheus",
    ("monitoring.coreos.com", "servicemonitors"): "ServiceMonitor",
    ("monitoring.coreos.com", "prometheusrules"): "PrometheusRule",
    ("helm.toolkit.fluxcd.io", "helmreleases"): "HelmRelease",
    ("kustomize.toolkit.fluxcd.io", "kustomizations"): "Kustomization",
}
"""(group, plural) → kind of custom resources common enough to know without their CRD."""

INSIGHTS_DIRECTORIES: dict[str, tuple[str, str]] = {
    "pod": ("", "Pod"),
    "node": ("", "Node"),
    "crd": ("apiextensions.k8s.io", "CustomResourceDefinition"),
    "securitycontextconstraint": ("security.openshift.io", "SecurityContextConstraints"),
    "clusterrolebinding": ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    "pdbs": ("policy", "PodDisruptionBudget"),
    "machinesets": ("machine.openshift.io", "MachineSet"),
    "machines": ("machine.openshift.io", "Machine"),
    "machineconfigs": ("machineconfiguration.openshift.io", "MachineConfig"),
    "machineconfigpools": ("machineconfiguration.openshift.io", "MachineConfigPool"),
}
"""Directory names of OpenShift Insights archives (``config/pod/NS/NAME.json``) → (group, kind)."""

INSIGHTS_CONFIG_FILES: dict[str, str] = {
    "apiserver": "APIServer",
    "authentication": "Authentication",
    "featuregate": "FeatureGate",
    "image": "Image",
    "infrastructure": "Infrastructure",
    "ingress": "Ingress",
    "network": "Network",
    "oauth": "OAuth",
    "proxy": "Proxy",
    "scheduler": "Scheduler",
    "version": "ClusterVersion",
}
"""``config/NAME.json`` of Insights archives: the cluster's config.openshift.io singletons."""

_SELFLINK = re.compile(
    r"^/(?:api/(?P<core>[^/]+)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/(?P<rest>.+)$"
)


@dataclass
class Kinds:
    """Plurals to kinds, growing with the CustomResourceDefinitions read (one per reading)."""

    custom: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    """(group, plural) → (kind, namespaced), from CRDs."""

    def learn(self, obj: Obj) -> None:
        """Remember a CustomResourceDefinition's names."""
        if obj.get("kind") != "CustomResourceDefinition":
            return
        spec = mapping(obj.get("spec"))
        names = mapping(spec.get("names"))
        group, plural, kind = spec.get("group"), names.get("plural"), names.get("kind")
        if isinstance(group, str) and isinstance(plural, str) and isinstance(kind, str):
            self.custom[(group, plural)] = (kind, spec.get("scope") != "Cluster")

    def kind_of(self, group: str, plural: str) -> str | None:
        for info in kinds.BUILTIN:
            if info.group == group and info.plural == plural:
                return info.kind
        if (group, plural) in self.custom:
            return self.custom[(group, plural)][0]
        return WELL_KNOWN.get((group, plural))

    def any_group(self, plural: str) -> tuple[str, str] | None:
        """A plural without its group (``pods``, ``clusterroles``): the built-in kind it names."""
        for info in kinds.BUILTIN:
            if info.plural == plural and info.group != "extensions":
                return info.group, info.kind
        return None


def identify(obj: Obj, where: str, known: Kinds) -> Obj | None:
    """``obj`` with ``apiVersion`` and ``kind`` filled in when they can be told, else None."""
    md = obj.get("metadata")
    if not isinstance(md, dict) or not isinstance(md.get("name"), str):
        return None
    found = _from_selflink(md.get("selfLink"), known) or _from_path(where, known)
    if found is None:
        return None
    group, version, kind, namespace = found
    api = version if not group else f"{group}/{version}"
    out: dict[str, Any] = {"apiVersion": api, "kind": kind, **obj}
    if namespace and not md.get("namespace") and kinds.is_namespaced(group, kind) is not False:
        out["metadata"] = {**md, "namespace": namespace}
    return out


def restore_name(obj: Obj) -> Obj:
    """Insights' operator configs: ``apiVersion``, ``kind`` and ``name`` without ``metadata``."""
    if (
        "metadata" not in obj
        and isinstance(obj.get("name"), str)
        and isinstance(obj.get("kind"), str)
    ):
        rest = {k: v for k, v in obj.items() if k != "name"}
        return {**rest, "metadata": {"name": obj["name"]}}
    return obj


def _from_selflink(link: Any, known: Kinds) -> tuple[str, str, str, str] | None:
    if not isinstance(link, str):
        return None
    m = _SELFLINK.match(link.split("?", 1)[0])
    if m is None:
        return None
    group, version = (m.group("group") or ""), (m.group("core") or m.group("version"))
    parts = [unquote(p) for p in m.group("rest").split("/")]
    namespace = ""
    if len(parts) >= 4 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    if len(parts) < 2:
        return None
    kind = known.kind_of(group, parts[0])
    return (group, version, kind, namespace) if kind else None


def _from_path(where: str, known: Kinds) -> tuple[str, str, str, str] | None:
    listed = "#items[" in where  # an item of a list file: the file's stem is the plural
    path = where.split("#", 1)[0].rsplit(":", 1)[0] if ":" in where else where.split("#", 1)[0]
    segments = [s for s in path.replace("\\", "/").split("/") if s]
    dirs = segments[:-1]
    stem = segments[-1].split(".", 1)[0] if segments else ""
    if dirs and dirs[-1] == "config" and stem in INSIGHTS_CONFIG_FILES:
        return "config.openshift.io", "v1", INSIGHTS_CONFIG_FILES[stem], ""
    namespace = ""
    hierarchy: set[int] = set()  # ``namespaces/NS/…``: a place, not Namespace objects
    for i, seg in enumerate(dirs):
        if seg == "namespaces" and i + 1 < len(dirs):
            namespace = dirs[i + 1]
            hierarchy |= {i, i + 1}
    if not listed and namespace and dirs[-1] == namespace and stem == namespace:
        return "", "v1", "Namespace", ""  # must-gather's namespaces/NS/NS.yaml
    names = [*dirs, stem] if listed else dirs
    for i in range(len(names) - 1, -1, -1):
        if i in hierarchy:
            continue
        seg = names[i]
        before = names[i - 1] if i and i - 1 not in hierarchy else ""
        group = "" if before == "core" else before
        if before and ("." in before or group in _PLAIN_GROUPS):
            kind = known.kind_of(group, seg)
            if kind:
                return group, _version(group, kind), kind, namespace
        if seg in INSIGHTS_DIRECTORIES and i >= 1 and names[i - 1] == "config":
            group, kind = INSIGHTS_DIRECTORIES[seg]
            ns = names[i + 1] if group == "" and kind == "Pod" and i + 1 < len(dirs) else namespace
            return group, _version(group, kind), kind, ns
        builtin = known.any_group(seg)
        if builtin is not None:
            group, kind = builtin
            return group, _version(group, kind), kind, namespace
    return None


_PLAIN_GROUPS = {info.group for info in kinds.BUILTIN if "." not in info.group}
"""Groups without a dot (``apps``, ``batch``, ``policy``; ``core`` stands for the empty one)."""


def _version(group: str, kind: str) -> str:
    api = kinds.api_version_of(group, kind)
    return api.rpartition("/")[2] if api else "v1"
