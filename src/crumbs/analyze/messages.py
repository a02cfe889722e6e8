"""Objects that Kubernetes' own messages name as the reason something failed.

The words are the Kubernetes sources' own:

- ResourceQuota admission: ``exceeded quota: NAME, requested: …, used: …, limited: …``;
- a webhook: ``admission webhook "NAME" denied the request: …`` (and ``failed calling webhook "NAME"``);
- LimitRange admission: ``maximum memory usage per Container is 256Mi, but limit is 512Mi``,
  ``minimum cpu usage per Pod is …`` (no name: every LimitRange of the namespace);
- the kubelet: ``couldn't find key KEY in ConfigMap NS/NAME`` (or Secret),
  ``configmap "NAME" not found``, ``secret "NAME" not found``;
- the scheduler: ``N node(s) had untolerated taint {KEY: VALUE}`` (the Nodes with that taint),
  ``persistentvolumeclaim "NAME" not found``, ``pod has unbound immediate PersistentVolumeClaims``;
- the PV controller: ``storageclass.storage.k8s.io "NAME" not found``;
- admission: ``pod rejected: RuntimeClass "NAME" not found``, ``no PriorityClass with name NAME
  was found``, ``error looking up service account NS/NAME: serviceaccount "NAME" not found``;
- eviction: ``Cannot evict pod as it would violate the pod's disruption budget`` (the PDBs
  selecting the pod);
- Pod Security admission: ``violates PodSecurity "restricted:latest"`` (the Namespace's labels);
- image pulls the registry refused for credentials (containerd's and CRI-O's words:
  ``no basic auth credentials``, ``authorization failed``, ``401 Unauthorized``,
  ``authentication required``, ``requested access to the resource is denied``): the pod's
  imagePullSecrets and its ServiceAccount's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTA = re.compile(r"exceeded quota: ([a-z0-9][-a-z0-9.]*)")
_WEBHOOK = re.compile(r'(?:admission webhook|failed calling webhook) \\?"([^"\\]+)\\?"')
_LIMIT_RANGE = re.compile(
    r"(?:maximum|minimum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is"
)
_KEY = re.compile(
    r"couldn't find key \S+ in (ConfigMap|Secret) ([a-z0-9][-a-z0-9.]*)/([a-z0-9][-a-z0-9.]*)"
)
_NOT_FOUND = re.compile(
    r'\b(configmap|secret|persistentvolumeclaim|serviceaccount|storageclass\.storage\.k8s\.io|priorityclass\.scheduling\.k8s\.io|runtimeclass\.node\.k8s\.io) \\?"([a-z0-9][-a-z0-9.]*)\\?" not found'
)
_RUNTIME_CLASS = re.compile(r'RuntimeClass \\?"([a-z0-9][-a-z0-9.]*)\\?" not found')
_PRIORITY_CLASS = re.compile(r"no PriorityClass with name ([a-z0-9][-a-z0-9.]*) was found")
_TAINT = re.compile(r"untolerated taint \{([^:}]+):")
_PDB = "would violate the pod's disruption budget"
_POD_SECURITY = re.compile(r'violates PodSecurity "([a-z]+)')
_PULL_AUTH = re.compile(
    r"no basic auth credentials|authorization failed|401 Unauthorized|403 Forbidden"
    r"|authentication required|requested access to the resource is denied"
)
PULL_SECRETS = "imagePullSecrets"
"""``Named.match`` of the Secrets an image pull used."""
_KINDS = {
    "configmap": ("", "ConfigMap"),
    "secret": ("", "Secret"),
    "persistentvolumeclaim": ("", "PersistentVolumeClaim"),
    "serviceaccount": ("", "ServiceAccount"),
    "storageclass.storage.k8s.io": ("storage.k8s.io", "StorageClass"),
    "priorityclass.scheduling.k8s.io": ("scheduling.k8s.io", "PriorityClass"),
    "runtimeclass.node.k8s.io": ("node.k8s.io", "RuntimeClass"),
}
_CLUSTER_SCOPED = {"StorageClass", "PriorityClass", "RuntimeClass"}


@dataclass(frozen=True)
class Named:
    """What a message blames: an object by name, or every object of a kind that matches."""

    group: str
    kind: str
    namespace: str | None
    """None: the object is cluster-scoped (or the message does not say; the subject's then)."""
    name: str | None
    """None: every such object of the namespace (LimitRanges), or those matching ``taint``."""
    why: str
    """The message's words, for the cause's why: ``exceeded quota: compute``."""
    match: str = ""
    """When ``name`` is None: the Nodes' taint key, the webhook's own name (inside its
    configuration)."""


def named(text: str, namespace: str) -> list[Named]:
    """The objects ``text`` blames (``namespace``: the subject's, for namespaced kinds unsaid)."""
    out: list[Named] = []
    for m in _QUOTA.finditer(text):
        out.append(Named("", "ResourceQuota", namespace, m.group(1), m.group(0)))
    for m in _WEBHOOK.finditer(text):
        name = m.group(1)
        for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            out.append(
                Named(
                    "admissionregistration.k8s.io",
                    kind,
                    None,
                    None,
                    f'webhook "{name}"',
                    match=name,
                )
            )
    if limit := _LIMIT_RANGE.search(text):
        out.append(Named("", "LimitRange", namespace, None, limit.group(0)))
    for m in _KEY.finditer(text):
        out.append(Named("", m.group(1), m.group(2), m.group(3), m.group(0)))
    for m in _NOT_FOUND.finditer(text):
        group, kind = _KINDS[m.group(1)]
        out.append(
            Named(
                group, kind, None if kind in _CLUSTER_SCOPED else namespace, m.group(2), m.group(0)
            )
        )
    for m in _RUNTIME_CLASS.finditer(text):
        out.append(Named("node.k8s.io", "RuntimeClass", None, m.group(1), m.group(0)))
    for m in _PRIORITY_CLASS.finditer(text):
        out.append(Named("scheduling.k8s.io", "PriorityClass", None, m.group(1), m.group(0)))
    for m in _TAINT.finditer(text):
        out.append(Named("", "Node", None, None, m.group(0).rstrip(":"), match=m.group(1).strip()))
    if _PDB in text:
        out.append(Named("policy", "PodDisruptionBudget", namespace, None, _PDB))
    for m in _POD_SECURITY.finditer(text):
        out.append(Named("", "Namespace", None, namespace, m.group(0)))
    if pull := _PULL_AUTH.search(text):
        out.append(Named("", "Secret", namespace, None, pull.group(0), match=PULL_SECRETS))
    return list(dict.fromkeys(out))
