"""ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims nothing uses (information, as
k8sgpt and popeye's POP-400 report them).

Use is what a pod or a workload's template names (volumes, env, envFrom, imagePullSecrets,
serviceAccountName, claims), and for Secrets also what a ServiceAccount lists, an Ingress's
TLS, a cert-manager Certificate's ``secretName``, a Gateway listener's certificate, and the
ServiceAccount a token Secret belongs to; for ServiceAccounts also the role bindings that
name them (a token for something outside the cluster). Not judged: the ``default``
ServiceAccount, ``kube-*`` namespaces, Helm release records, claims a StatefulSet's
volumeClaimTemplates make, and everything when the data hold no workloads at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import analyzer, finding, meta, pod_spec_of, spec
from crumbs.analyze.refs import references
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence

_SYSTEM = {"kube-root-ca.crt"}
_TEMPLATED = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
Use = set[tuple[str, str, str]]
"""(kind, namespace, name) of what is used."""


def _template_uses(view: ClusterView) -> Use:
    """What pods and templates name. ReplicaSets aside: a live one has pods, and its
    Deployment's template is read; an old one scaled to zero is history, not use."""
    used: Use = set()
    templates: set[str] = set()  # pods of one owner and template share their spec
    for kind in _TEMPLATED:
        for rev in view.objects(kind):
            if kind == "Pod":
                md = meta(rev.doc)
                owners = sequence(md.get("ownerReferences"))
                labels = mapping(md.get("labels"))
                template = labels.get("pod-template-hash") or labels.get("controller-revision-hash")
                if owners and template:
                    seen = f"{mapping(owners[0]).get('uid')}/{template}"
                    if seen in templates:
                        continue
                    templates.add(seen)
            pod_spec = pod_spec_of(rev.doc)
            for ref in references(pod_spec):
                used.add((ref.kind, rev.key.namespace, ref.name))
            used.add(
                (
                    "ServiceAccount",
                    rev.key.namespace,
                    str(
                        pod_spec.get("serviceAccountName")
                        or pod_spec.get("serviceAccount")
                        or "default"
                    ),
                )
            )
    return used


def _other_uses(view: ClusterView) -> Use:
    used: Use = set()
    for sa in view.objects("ServiceAccount"):
        for field in ("secrets", "imagePullSecrets"):
            for s in sequence(sa.doc.get(field)):
                used.add(("Secret", sa.key.namespace, str(mapping(s).get("name") or "")))
    for ing in view.objects("Ingress"):
        for tls in sequence(spec(ing.doc).get("tls")):
            used.add(("Secret", ing.key.namespace, str(mapping(tls).get("secretName") or "")))
    for cert in view.objects("Certificate", group="cert-manager.io"):
        used.add(("Secret", cert.key.namespace, str(spec(cert.doc).get("secretName") or "")))
    for gw in view.objects("Gateway"):
        for listener in sequence(spec(gw.doc).get("listeners")):
            for ref in sequence(mapping(mapping(listener).get("tls")).get("certificateRefs")):
                r = mapping(ref)
                used.add(
                    (
                        "Secret",
                        str(r.get("namespace") or gw.key.namespace),
                        str(r.get("name") or ""),
                    )
                )
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in view.objects(kind):
            for subject in sequence(binding.doc.get("subjects")):
                s = mapping(subject)
                if s.get("kind") == "ServiceAccount":
                    used.add(
                        (
                            "ServiceAccount",
                            str(s.get("namespace") or binding.key.namespace),
                            str(s.get("name") or ""),
                        )
                    )
    return used


def _exempt(rev: StoredRevision, view: ClusterView) -> bool:
    kind, ns, name = rev.key.kind, rev.key.namespace, rev.key.name
    if ns.startswith("kube-") or name in _SYSTEM:
        return True
    if kind == "ServiceAccount":
        return name == "default"
    if kind == "Secret":
        kept = str(rev.doc.get("type") or "")
        if kept == "helm.sh/release.v1":
            return True
        owner = mapping(meta(rev.doc).get("annotations")).get("kubernetes.io/service-account.name")
        return (
            kept == "kubernetes.io/service-account-token"
            and bool(owner)
            and view.get("ServiceAccount", ns, str(owner), "") is not None
        )
    if kind == "PersistentVolumeClaim":
        return any(  # <template>-<statefulset>-<ordinal>: the StatefulSet's own
            name.startswith(f"{mapping(mapping(t).get('metadata')).get('name')}-{sts.key.name}-")
            for sts in view.objects("StatefulSet", ns)
            for t in sequence(spec(sts.doc).get("volumeClaimTemplates"))
        )
    return False


@analyzer("config", ("ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim"), "ConfigMaps, Secrets, ServiceAccounts and claims nothing uses")  # fmt: skip
def analyze(view: ClusterView) -> Iterator[Finding]:
    if not any(view.objects(k) for k in ("Pod", "Deployment", "StatefulSet", "DaemonSet")):
        return  # without workloads in the data, "unused" would be a guess
    used = _template_uses(view) | _other_uses(view)
    for kind, what in (("ConfigMap", "no pod or workload uses it"), ("Secret", "nothing uses it"),
                       ("ServiceAccount", "no pod runs as it and no binding names it"),
                       ("PersistentVolumeClaim", "no pod or workload mounts it")):  # fmt: skip
        for rev in view.objects(kind):
            if (kind, rev.key.namespace, rev.key.name) in used or _exempt(rev, view):
                continue
            yield finding("config", "unused", Severity.INFO, rev, f"{kind} {rev.key.name}: {what}")
