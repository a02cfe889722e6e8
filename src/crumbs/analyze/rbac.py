"""Role bindings whose role does not exist (popeye's POP-1300): the subjects get none of the
permissions someone meant them to have, and requests fail with ``forbidden``.

A role is only called missing when the data hold roles of that kind at all (a manifest of
a binding alone says nothing about the cluster's roles); the ClusterRoles Kubernetes makes
itself (``cluster-admin``, ``admin``, ``edit``, ``view``, ``system:*``) always exist.
"""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import analyzer, finding
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, ObjectKey, Severity, mapping

BUILTIN_CLUSTER_ROLES = {"cluster-admin", "admin", "edit", "view"}
RBAC = "rbac.authorization.k8s.io"


@analyzer("rbac", ("RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole"), "Role bindings whose Role or ClusterRole does not exist")  # fmt: skip
def analyze(view: ClusterView) -> Iterator[Finding]:
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in view.objects(kind):
            ref = mapping(binding.doc.get("roleRef"))
            role_kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
            if role_kind not in ("Role", "ClusterRole") or not name:
                continue
            if role_kind == "ClusterRole" and (
                name in BUILTIN_CLUSTER_ROLES or name.startswith("system:")
            ):
                continue
            namespace = binding.key.namespace if role_kind == "Role" else ""
            if not view.knows(role_kind) or view.get(role_kind, namespace, name, RBAC) is not None:
                continue
            where = f"{namespace}/{name}" if namespace else name
            key = ObjectKey(binding.key.cluster, RBAC, role_kind, namespace, name)
            yield finding("rbac", "missing-role", Severity.WARNING, binding, f"{kind} {binding.key.name}: {role_kind} {where} does not exist",
                          detail="its subjects get none of the permissions it was meant to grant", related=[key],
                          remediation=f"create the {role_kind}, or point roleRef at one that exists (roleRef cannot be edited: recreate the binding)")  # fmt: skip
