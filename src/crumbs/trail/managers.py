"""Field managers to actors: the data table, first match wins.

A manager is what a client sends as ``fieldManager`` (kubectl sends
``kubectl-<command>``, or ``kubectl`` for server-side apply), or what the API
server derives from the user agent when the client sends none
(``OpenAPI-Generator``, ``Go-http-client``). Patterns are exact names,
``prefix*`` or ``*suffix``; ``op`` and ``sub`` narrow a rule to an operation
(``Apply``/``Update``) or a subresource (``scale``, ``status``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from crumbs.model import Actor, Channel


class Rule(NamedTuple):
    pattern: str
    channel: str
    tool: str
    op: str = ""
    sub: str = ""


H, HELM, G, IAC = Channel.HUMAN, Channel.HELM, Channel.GITOPS, Channel.IAC
C, OP, U = Channel.CONTROLLER, Channel.OPERATOR, Channel.UNKNOWN

RULES: tuple[Rule, ...] = (
    # Someone at a terminal: kubectl names its manager after the command.
    Rule("kubectl-client-side-apply", H, "kubectl apply"),
    Rule("kubectl-patch", H, "kubectl patch"),
    Rule("kubectl-edit", H, "kubectl edit"),
    Rule("kubectl-set", H, "kubectl set"),
    Rule("kubectl-rollout", H, "kubectl rollout"),
    Rule("kubectl-label", H, "kubectl label"),
    Rule("kubectl-annotate", H, "kubectl annotate"),
    Rule("kubectl-create", H, "kubectl create"),
    Rule("kubectl-replace", H, "kubectl replace"),
    Rule("kubectl-scale", H, "kubectl scale"),
    Rule("kubectl", H, "kubectl apply --server-side", op="Apply"),
    Rule("kubectl", H, "kubectl scale", sub="scale"),
    Rule("kubectl", H, "kubectl"),
    Rule("kubectl-*", H, "kubectl"),
    # OpenShift's CLI vendors kubectl: its commands write kubectl's managers, and the API
    # server names requests without one after the user agent ("oc/4.14.0 (linux/amd64) ...").
    Rule("oc", H, "oc (OpenShift CLI)"),
    Rule("oc-*", H, "oc (OpenShift CLI)"),
    Rule("k9s", H, "k9s"),
    Rule("Lens", H, "Lens"),
    Rule("lens", H, "Lens"),
    Rule("dashboard", H, "Kubernetes Dashboard"),
    Rule("kubernetes-dashboard", H, "Kubernetes Dashboard"),
    Rule("Mozilla", H, "a web console"),
    Rule("headlamp", H, "Headlamp"),
    Rule("kubie", H, "kubie"),
    # Helm and GitOps.
    Rule("helm", HELM, "Helm"),
    Rule("Helm", HELM, "Helm"),
    Rule("helm-controller", G, "Flux helm-controller"),
    Rule("kustomize-controller", G, "Flux kustomize-controller"),
    Rule("source-controller", G, "Flux source-controller"),
    Rule("flux", G, "Flux CLI"),
    Rule("flux-client-side-apply", G, "Flux"),
    Rule("argocd-controller", G, "Argo CD"),
    Rule("argocd-application-controller", G, "Argo CD"),
    Rule("argocd-server", G, "Argo CD (UI or API)"),
    Rule("argo-rollouts", G, "Argo Rollouts"),
    Rule("rancher", G, "Rancher Fleet"),
    Rule("fleet-agent", G, "Rancher Fleet"),
    # Infrastructure as code.
    Rule("Terraform", IAC, "Terraform"),
    Rule("terraform*", IAC, "Terraform"),
    Rule("Pulumi*", IAC, "Pulumi"),
    Rule("pulumi*", IAC, "Pulumi"),
    Rule("crossplane*", IAC, "Crossplane"),
    # The control plane and the nodes.
    Rule("kube-controller-manager", C, "kube-controller-manager"),
    Rule("kube-scheduler", C, "kube-scheduler"),
    Rule("kubelet", C, "kubelet"),
    Rule("kube-apiserver", C, "kube-apiserver"),
    Rule("kube-proxy", C, "kube-proxy"),
    Rule("cloud-controller-manager", C, "cloud-controller-manager"),
    Rule("*.k8s.io", C, "a Kubernetes controller"),
    Rule("kubeadm", C, "kubeadm"),
    Rule("k3s", C, "k3s"),
    Rule("rke2", C, "rke2"),
    Rule("cluster-autoscaler", C, "cluster-autoscaler"),
    Rule("vpa-updater", C, "VerticalPodAutoscaler"),
    Rule("vpa-recommender", C, "VerticalPodAutoscaler"),
    # What the API server keeps when it cannot say better.
    Rule(
        "before-first-apply",
        U,
        "fields set before the first server-side apply (writer not recorded)",
    ),
    Rule("ancient-changes", U, "older updates the API server merged into one entry"),
    Rule("OpenAPI-Generator", U, "a script using a generated client (no field manager)"),
    Rule("Go-http-client", U, "a Go program without a field manager"),
    Rule("python-requests", U, "a script without a field manager"),
    Rule("curl", H, "curl"),
    # Everything else that looks like a controller is some operator.
    Rule("*-controller", OP, "an operator"),
    Rule("*-operator", OP, "an operator"),
    Rule("*operator*", OP, "an operator"),
    Rule("*controller*", OP, "an operator"),
    Rule("*-manager", OP, "an operator"),
)


def _matches(pattern: str, name: str) -> bool:
    if pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
        return pattern[1:-1] in name
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return name.endswith(pattern[1:])
    return name == pattern


@lru_cache(maxsize=4096)
def actor(manager: str, operation: str = "", subresource: str = "") -> Actor:
    """The actor a managedFields entry stands for (``unknown`` when no rule matches)."""
    for rule in RULES:
        if (
            (not rule.op or rule.op == operation)
            and (not rule.sub or rule.sub == subresource)
            and _matches(rule.pattern, manager)
        ):
            return Actor(manager, operation, rule.channel, rule.tool, subresource)
    return Actor(manager, operation, Channel.UNKNOWN, manager, subresource)
