"""Files and documents that are not Kubernetes data, told apart so they are skipped, not rejected.

What people keep beside manifests and dumps: Dockerfiles, INI and TOML files,
Helm and Go templates (decided in the reader, when a file has ``{{ }}`` and
nothing readable), kubeconfigs, kubectl's kuberc preferences, API ``Status``
answers saved from a failed call, Go structs dumped as JSON (``TypeMeta``,
``ObjectMeta``: not the API's form).
"""

from __future__ import annotations

import re

from crumbs.model import Obj

_DOCKERFILE = re.compile(rb"^\s*(?:#[^\n]*\n\s*)*(?:ARG\s[^\n]*\n\s*)*FROM\s+\S", re.IGNORECASE)
_INI = re.compile(rb"^\s*(?:[#;][^\n]*\n\s*)*\[[A-Za-z0-9_. \"'-]+\][ \t]*\r?\n")


def not_kubernetes_text(head: bytes) -> str | None:
    """Why the start of a file shows it holds no Kubernetes data, or None."""
    if _DOCKERFILE.match(head):
        return "a Dockerfile, not Kubernetes data"
    if _INI.match(head):
        return "INI or TOML text (a [section] header), not Kubernetes data"
    return None


def not_an_object(obj: Obj) -> str | None:
    """Why a parsed document, shaped like one, is not a Kubernetes object to keep, or None."""
    api, kind = obj.get("apiVersion"), obj.get("kind")
    if (
        kind == "Config"
        and api == "v1"
        and any(k in obj for k in ("clusters", "contexts", "users"))
    ):
        return "a kubeconfig, not cluster data"
    if kind == "Preference" and isinstance(api, str) and api.startswith("kubectl.config.k8s.io/"):
        return "a kuberc (kubectl's preferences), not cluster data"
    if kind == "Status" and api == "v1" and "metadata" in obj and "status" in obj:
        return f"an API Status answer ({obj.get('reason') or obj.get('status')}), not an object"
    if "ObjectMeta" in obj or "TypeMeta" in obj:
        return "a Go struct dumped as JSON (TypeMeta/ObjectMeta), not the API's form"
    return None
