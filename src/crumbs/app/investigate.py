"""An alert investigated: the object its labels name, ``why`` of it as of the alert's start (not
now), and the one line people read first: what changed, who changed it, when, how sure.

An alert that names no object in the store gets its namespace's scan (or the cluster's) as of
its start. What is kept (``investigations``) is the JSON of :class:`crumbs.contract.Investigation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crumbs import contract
from crumbs.alerts import Alert, Rule
from crumbs.analyze.alertmap import Target, namespace_of, targets
from crumbs.app import diagnose
from crumbs.errors import CrumbsError, NotFoundError
from crumbs.redaction import Redactor
from crumbs.store import Selector, Store
from crumbs.store import investigations as kept
from crumbs.timeutil import format_time, now_ns


@dataclass
class Investigation:
    alert: Alert
    received_at: int
    source: str
    cluster: str
    namespace: str
    subject: contract.SubjectRef | None
    mapped_by: str | None
    findings: list[contract.FindingRef]
    explanation: contract.Explanation | None = None
    id: int | None = None
    notifications: list[contract.DeliveryRef] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.subject is None:
            return "unmapped"
        if not self.findings:
            return "nothing"
        return "explained" if any(f["causes"] for f in self.findings) else "unexplained"

    @property
    def headline(self) -> str:
        return headline(self.findings, self.subject, self.alert)

    def json(self, redactor: Redactor | None = None) -> contract.Investigation:
        a = self.alert
        labels, annotations = a.labels, a.annotations
        if redactor is not None:  # what Alertmanager sent is not the store's: redacted here
            labels, annotations = redactor.tree(labels), redactor.tree(annotations)
        return {
            "id": self.id,
            "alert": {"fingerprint": a.fingerprint, "name": a.name, "status": a.status, "severity": a.severity,
                      "labels": labels, "annotations": annotations, "startsAt": format_time(a.starts_at),
                      "endsAt": format_time(a.ends_at) if a.ends_at is not None else None, "generatorURL": a.generator_url},
            "receivedAt": format_time(self.received_at), "source": self.source, "cluster": self.cluster,
            "namespace": self.namespace, "at": format_time(a.starts_at), "subject": self.subject,
            "mappedBy": self.mapped_by, "outcome": self.outcome, "headline": self.headline, "findings": self.findings,
            "explanation": self.explanation, "notifications": self.notifications,
        }  # fmt: skip


def headline(
    findings: list[contract.FindingRef], subject: contract.SubjectRef | None, alert: Alert
) -> str:
    """``Deployment billing: image 1.4.2 → 2.0.0, by kubectl-patch (human) at 14:05:12, certain
    (0.80)``; without a cause, the top finding; without a finding, that nothing was found."""
    for f in findings:
        if f["causes"]:
            c = f["causes"][0]
            who = c["actor"]["manager"] or "someone unknown"
            sure = "certain" if c["actor"]["certain"] else "attribution uncertain"
            return (f"{c['subject']['kind']} {c['subject']['name']}: {c['summary']}, by {who} ({c['actor']['channel']}) "
                    f"at {c['at']}, {sure}; cause of: {f['title']} (score {c['score']:.2f})")  # fmt: skip
    if findings:
        return f"{findings[0]['title']} (no recorded change explains it)"
    what = (
        f"{subject['kind']} {subject['name']}"
        if subject
        else (alert.labels.get("namespace") or "the cluster")
    )
    return f"nothing found about {what} as of {format_time(alert.starts_at)}"


def investigate(store: Store, alert: Alert, rules: dict[str, Rule] | None = None, source: str = "webhook",
                received_at: int | None = None) -> Investigation:  # fmt: skip
    """``why`` of the object the alert names, as of its start; else the scan of its namespace."""
    received = received_at if received_at is not None else now_ns()
    cluster = (
        alert.labels.get("cluster")
        if alert.labels.get("cluster") in store.queries.clusters()
        else None
    )
    at = format_time(alert.starts_at)
    for t in targets(alert.labels, rules):
        found = _resolve(store, t, cluster, alert.starts_at)
        if found is None:
            continue
        kind, namespace, name = found
        d = diagnose.why(
            store, f"{kind}/{name}", namespace=namespace or None, at=at, cluster=cluster
        )
        subject: contract.SubjectRef = {
            "apiVersion": "",
            "kind": kind,
            "namespace": namespace,
            "name": name,
        }
        return Investigation(alert, received, source, cluster or only_cluster(store), namespace, subject, t.label,
                             d.json()["findings"])  # fmt: skip
    scope = namespace_of(alert.labels)
    try:
        d = diagnose.scan(store, at=at, namespace=scope, severity="warning", cluster=cluster)
        findings = d.json()["findings"]
    except NotFoundError:
        findings = []
    return Investigation(alert, received, source, cluster or only_cluster(store), scope or "", None, None, findings)  # fmt: skip


def _resolve(store: Store, t: Target, cluster: str | None, at: int) -> tuple[str, str, str] | None:
    """The object a target names, as the store spells it: (kind, namespace, name), or None."""
    from crumbs.app.query import object_selector

    if t.by_address:
        return _node_by_address(store, t.name, cluster, at)
    try:
        sel = object_selector(store, f"{t.kind}/{t.name}", t.namespace, cluster)
    except CrumbsError:
        return None
    return t.kind, sel.namespace or "", t.name


def _node_by_address(
    store: Store, host: str, cluster: str | None, at: int
) -> tuple[str, str, str] | None:
    for rev in store.queries.state_at(at, Selector(cluster=cluster, kinds=[("", "Node")])):
        addresses = {str(a.get("address")) for a in (rev.doc.get("status") or {}).get("addresses") or [] if isinstance(a, dict)}  # fmt: skip
        if host == rev.key.name or host in addresses:
            return "Node", "", rev.key.name
    return None


def only_cluster(store: Store) -> str:
    """The store's cluster when it holds one ("" when several: each says its own)."""
    names = store.queries.clusters()
    return names[0] if len(names) == 1 else ""


def keep(store: Store, inv: Investigation, redactor: Redactor | None = None) -> int:
    """Store the investigation; its id is set."""
    a = inv.alert
    row = kept.Row(0, a.fingerprint, a.name, a.status, a.severity, inv.cluster, inv.namespace, a.starts_at, a.ends_at,
                   inv.received_at, inv.source, inv.outcome, inv.headline,
                   inv.explanation["trace"] if inv.explanation else None)  # fmt: skip
    inv.id = kept.add(store.db, row, inv.json(redactor))
    return inv.id


def shown(store: Store, investigation: int) -> contract.Investigation:
    """``investigations show``: as kept, with its notifications as delivered since."""
    _, doc = kept.load(store.db, investigation)
    doc["id"] = investigation
    doc["notifications"] = [_delivery(d) for d in kept.deliveries(store.db, investigation)]
    out: contract.Investigation = doc
    return out


def listed(
    store: Store, limit: int = 50, fingerprint: str | None = None
) -> contract.Investigations:
    return {"investigations": [
        {"id": r.id, "fingerprint": r.fingerprint, "alertname": r.alertname, "status": r.status, "severity": r.severity,
         "cluster": r.cluster, "namespace": r.namespace, "startsAt": format_time(r.starts_at),
         "receivedAt": format_time(r.received_at), "outcome": r.outcome, "headline": r.headline}
        for r in kept.rows(store.db, limit, fingerprint)]}  # fmt: skip


def _delivery(d: kept.Delivery) -> contract.DeliveryRef:
    return {"destination": d.destination, "kind": d.kind, "state": d.state, "attempts": d.attempts,
            "at": format_time(d.at), "error": d.error, "latencyMs": d.latency_ms}  # fmt: skip
