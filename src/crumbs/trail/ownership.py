"""Who declares an object: a Helm release, an Argo CD application, a Flux object, a controller, or nobody.

Evidence, strongest first:

- Flux: ``kustomize.toolkit.fluxcd.io/name|namespace`` or ``helm.toolkit.fluxcd.io/name|namespace`` labels
  (Flux's helm-controller also leaves Helm's marks; Flux is the one in charge);
- Argo CD: the ``argocd.argoproj.io/tracking-id`` annotation, or an instance label
  (``argocd.argoproj.io/instance``, ``applications.argoproj.io/app-name``), or
  ``app.kubernetes.io/instance`` backed by an Argo CD field manager;
- Helm: ``meta.helm.sh/release-name`` (and ``app.kubernetes.io/managed-by: Helm``);
- a controller: an ``ownerReferences`` entry with ``controller: true``.
"""

from __future__ import annotations

from dataclasses import dataclass

from crumbs.model import Channel, Obj, mapping, sequence
from crumbs.trail.fieldsets import managers
from crumbs.trail.managers import actor

ARGO_MANAGERS = {"argocd-controller", "argocd-application-controller", "argocd-server"}


@dataclass(frozen=True, slots=True)
class Owner:
    channel: str
    """``helm``, ``gitops`` or ``controller``."""
    kind: str
    """``Helm release``, ``Argo CD application``, ``Flux Kustomization``, ``Flux HelmRelease``, or the owner's kind."""
    name: str
    namespace: str
    evidence: str
    """The label, annotation or reference that says so."""

    def display(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


def declared_owner(obj: Obj) -> Owner | None:
    md = mapping(obj.get("metadata"))
    labels = mapping(md.get("labels"))
    ann = mapping(md.get("annotations"))
    namespace = str(md.get("namespace") or "")
    for prefix, kind in (
        ("kustomize.toolkit.fluxcd.io", "Flux Kustomization"),
        ("helm.toolkit.fluxcd.io", "Flux HelmRelease"),
    ):
        name = labels.get(f"{prefix}/name")
        if name:
            return Owner(
                Channel.GITOPS,
                kind,
                str(name),
                str(labels.get(f"{prefix}/namespace") or ""),
                f"label {prefix}/name",
            )
    tracking = ann.get("argocd.argoproj.io/tracking-id")
    if isinstance(tracking, str) and tracking:
        app = tracking.split(":", 1)[0]
        return Owner(
            Channel.GITOPS,
            "Argo CD application",
            app,
            "",
            "annotation argocd.argoproj.io/tracking-id",
        )
    for label in ("argocd.argoproj.io/instance", "applications.argoproj.io/app-name"):
        if labels.get(label):
            return Owner(
                Channel.GITOPS, "Argo CD application", str(labels[label]), "", f"label {label}"
            )
    written_by = {m.manager for m, _ in managers(obj)}
    if labels.get("app.kubernetes.io/instance") and written_by & ARGO_MANAGERS:
        return Owner(
            Channel.GITOPS,
            "Argo CD application",
            str(labels["app.kubernetes.io/instance"]),
            "",
            "label app.kubernetes.io/instance and an Argo CD field manager",
        )
    if labels.get("owner") == "helm" and str(md.get("name") or "").startswith(
        "sh.helm.release.v1."
    ):
        return Owner(
            Channel.HELM,
            "Helm release",
            str(labels.get("name") or ""),
            namespace,
            "Helm's release storage (label owner=helm)",
        )
    release = ann.get("meta.helm.sh/release-name")
    if release:
        return Owner(
            Channel.HELM,
            "Helm release",
            str(release),
            str(ann.get("meta.helm.sh/release-namespace") or namespace),
            "annotation meta.helm.sh/release-name",
        )
    if labels.get("app.kubernetes.io/managed-by") in ("Helm", "Tiller") and labels.get(
        "app.kubernetes.io/instance"
    ):
        return Owner(
            Channel.HELM,
            "Helm release",
            str(labels["app.kubernetes.io/instance"]),
            namespace,
            "label app.kubernetes.io/managed-by",
        )
    for ref in sequence(md.get("ownerReferences")):
        if isinstance(ref, dict) and ref.get("controller") is True:
            return Owner(
                Channel.CONTROLLER,
                str(ref.get("kind")),
                str(ref.get("name")),
                namespace,
                "ownerReferences (controller)",
            )
    return None


def creator_channel(obj: Obj) -> str:
    """The channel of whoever wrote the object first, as far as managedFields tell."""
    entries = [m for m, _ in managers(obj) if m.subresource != "status"]
    if not entries:
        return Channel.UNKNOWN
    first = min(entries, key=lambda m: (m.time or 0, m.index))
    return actor(first.manager, first.operation, first.subresource).channel
