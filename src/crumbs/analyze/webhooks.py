"""Admission webhooks whose Service is gone: with failurePolicy Fail they block every matching request."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import analyzer, finding
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, ObjectKey, Severity, mapping, sequence


@analyzer(
    "webhooks",
    ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"),
    "Admission webhooks that point at missing Services",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for cfg in view.objects(kind):
            for hook in sequence(cfg.doc.get("webhooks")):
                h = mapping(hook)
                svc = mapping(mapping(h.get("clientConfig")).get("service"))
                if not svc:
                    continue
                ns, name = str(svc.get("namespace") or ""), str(svc.get("name") or "")
                if not view.knows("Service") or view.find("Service", ns, name) is not None:
                    continue
                blocking = (h.get("failurePolicy") or "Fail") == "Fail"
                yield finding("webhooks", "service-missing", Severity.ERROR if blocking else Severity.WARNING, cfg,
                              f"{kind} {cfg.key.name}: webhook {h.get('name')} calls Service {ns}/{name}, which does not exist",
                              detail="failurePolicy Fail: matching requests are refused" if blocking else "failurePolicy Ignore: the webhook is skipped",
                              related=[ObjectKey(cfg.key.cluster, "", "Service", ns, name)], discriminator=str(h.get("name")),
                              remediation="restore the webhook's Service, or delete the webhook configuration of an uninstalled tool")  # fmt: skip
