"""Security settings (``scan --profile lint``): what lets a compromised container reach further
— popeye's POP-300..308, k8sgpt's Security analyzer, the Pod Security Standards' baseline.

- ``privileged``: a container with ``securityContext.privileged: true`` (the host's devices
  and every capability).
- ``runs-as-root``: ``runAsUser: 0`` (warning), or neither ``runAsNonRoot`` nor a
  ``runAsUser`` set (info: the image's USER decides, and it is often root).
- ``host-path``: a hostPath volume (the Node's files, writable unless ``readOnly``).
- ``default-service-account``: pods on their namespace's ``default`` ServiceAccount with its
  token mounted: every workload there shares one identity, and whatever is bound to it.
- ``wildcard-rbac``: a Role or ClusterRole granting ``*`` verbs or resources (Kubernetes'
  own roles, ``system:*`` and aggregated roles aside).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import analyzer, authored_templates, containers, finding, pod_spec_of
from crumbs.analyze.view import ClusterView, labels_of
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence

_OWN_ROLES = {"cluster-admin", "admin", "edit", "view"}


@analyzer("security", ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod", "Role", "ClusterRole"), "Privileged or root containers, hostPath volumes, default ServiceAccount tokens, wildcard RBAC (--profile lint)", profile="lint")  # fmt: skip
def analyze(view: ClusterView) -> Iterator[Finding]:
    for rev in authored_templates(view):
        pod = pod_spec_of(rev.doc)
        yield from _privileged(rev, pod)
        yield from _root(rev, pod)
        yield from _host_path(rev, pod)
        yield from _default_account(view, rev, pod)
    for kind in ("Role", "ClusterRole"):
        for role in view.objects(kind):
            yield from _wildcards(role)


def _what(rev: StoredRevision) -> str:
    return f"{rev.key.kind} {rev.key.name}"


def _privileged(rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:
    for c in containers(pod):
        if mapping(c.get("securityContext")).get("privileged") is True:
            name = str(c.get("name") or "")
            yield finding("security", "privileged", Severity.WARNING, rev, f"{_what(rev)}: container {name} is privileged",
                          detail="it sees the Node's devices and holds every capability: an escape from it is root on the Node",
                          remediation="drop privileged; grant the one capability it needs (securityContext.capabilities.add)", discriminator=name)  # fmt: skip


def _root(rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:
    pod_ctx = mapping(pod.get("securityContext"))
    maybe: list[str] = []
    for c in containers(pod):
        ctx = mapping(c.get("securityContext"))
        user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
        non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
        name = str(c.get("name") or "")
        if user == 0:
            yield finding("security", "runs-as-root", Severity.WARNING, rev, f"{_what(rev)}: container {name} runs as root (runAsUser: 0)",
                          detail="a process escaping the container is root on the Node's kernel", discriminator=name,
                          remediation="run as a non-zero user (runAsUser) and set runAsNonRoot: true")  # fmt: skip
        elif non_root is not True and user is None:
            maybe.append(name)
    if maybe:
        yield finding("security", "runs-as-root", Severity.INFO, rev, f"{_what(rev)}: container{'s' if len(maybe) > 1 else ''} {', '.join(maybe)} could run as root",
                      detail="neither runAsNonRoot nor runAsUser is set: the image's USER decides, and it is often root",
                      remediation="set securityContext.runAsNonRoot: true (and a runAsUser)", discriminator="maybe")  # fmt: skip


def _host_path(rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:
    for v in sequence(pod.get("volumes")):
        volume = mapping(v)
        path = mapping(volume.get("hostPath")).get("path")
        if path is None:
            continue
        name = str(volume.get("name") or "")
        yield finding("security", "host-path", Severity.WARNING, rev, f"{_what(rev)}: volume {name} mounts the Node's {path}",
                      detail="the pod reads (and unless mounted readOnly, writes) the Node's own files", discriminator=name,
                      remediation="use a PersistentVolumeClaim, an emptyDir or a projected volume; if the Node's files are the point, mount readOnly")  # fmt: skip


def _default_account(view: ClusterView, rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:  # fmt: skip
    account = str(pod.get("serviceAccountName") or pod.get("serviceAccount") or "default")
    if account != "default" or pod.get("automountServiceAccountToken") is False:
        return
    sa = view.get("ServiceAccount", rev.key.namespace, "default")
    if sa is not None and sa.doc.get("automountServiceAccountToken") is False:
        return
    if pod.get("automountServiceAccountToken") is not True and rev.key.namespace.startswith(
        "kube-"
    ):
        return
    yield finding("security", "default-service-account", Severity.WARNING, rev, f"{_what(rev)}: runs as the default ServiceAccount of {rev.key.namespace} with its token mounted",
                  detail="every workload of the namespace shares that identity and whatever is ever bound to it; the token is readable in the container",
                  remediation="give it its own ServiceAccount, and automountServiceAccountToken: false unless it calls the API")  # fmt: skip


def _wildcards(role: StoredRevision) -> Iterator[Finding]:
    name = role.key.name
    if role.doc.get("aggregationRule") or name in _OWN_ROLES or name.startswith("system:"):
        return
    if labels_of(role.doc).get("kubernetes.io/bootstrapping") == "rbac-defaults":
        return
    for i, r in enumerate(sequence(role.doc.get("rules"))):
        rule = mapping(r)
        wild = [f for f in ("verbs", "resources") if "*" in sequence(rule.get(f))]
        if not wild:
            continue
        groups = ",".join(str(g) or '""' for g in sequence(rule.get("apiGroups"))) or "(none)"
        yield finding("security", "wildcard-rbac", Severity.WARNING, role, f"{role.key.kind} {name}: rule {i + 1} grants * {' and * '.join(wild)} (apiGroups {groups})",
                      detail="it grants whatever exists now and whatever is added later, including secrets and escalation verbs",
                      remediation="list the resources and verbs it needs", discriminator=str(i))  # fmt: skip
