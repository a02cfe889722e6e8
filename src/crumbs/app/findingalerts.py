"""``crumbs watch --notify ROUTE``: new error findings told as they appear, and when they end.

Every tick, the findings at error severity as of the store's newest time are grouped by their
root cause (the top cause's object and revision; a finding without a cause is its own group):
twenty crash-looping pods of one bad rollout are one message, not twenty. A group is told when
it is seen on two ticks in a row (debounced: a blip is not paged), and its resolution when it
has been absent on two ticks in a row. Each is kept as an investigation (source ``watch``) and
goes to the destinations of the named routes, in one Slack thread per group.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from crumbs import contract
from crumbs.alerts import Alert
from crumbs.app import diagnose
from crumbs.app.alerting import Handled, send
from crumbs.app.investigate import Investigation, only_cluster
from crumbs.notify.config import Alerting
from crumbs.redaction import Redactor
from crumbs.store import Store
from crumbs.timeutil import now_ns, parse_time

SEEN = 2
"""Ticks in a row a group must be seen (to be told) or missed (to be told resolved)."""


def group_key(f: contract.FindingRef) -> str:
    if f["causes"]:
        c = f["causes"][0]
        return f"cause {c['subject']['kind']}/{c['subject']['namespace']}/{c['subject']['name']}#{c['revision']}"
    return f"finding {f['id']}"


@dataclass
class _Group:
    findings: list[contract.FindingRef]
    seen: int = 0
    missed: int = 0
    told: bool = False
    since: int = 0


@dataclass
class FindingAlerts:
    alerting: Alerting
    routes: list[str]
    redactor: Redactor
    groups: dict[str, _Group] = field(default_factory=dict)

    def tick(self, store: Store) -> list[Handled]:
        """One look at the store; returns what was sent."""
        if not store.queries.has_revisions():
            return []
        found = diagnose.scan(store, severity="error").json()["findings"]
        now: dict[str, list[contract.FindingRef]] = {}
        for f in found:
            now.setdefault(group_key(f), []).append(f)
        out = []
        for key, findings in now.items():
            g = self.groups.setdefault(key, _Group(findings, since=now_ns()))
            g.findings, g.seen, g.missed = findings, g.seen + 1, 0
            if not g.told and g.seen >= SEEN:
                g.told = True
                out.append(self._send(store, key, g, "firing"))
        for key, g in list(self.groups.items()):
            if key in now:
                continue
            g.missed, g.seen = g.missed + 1, 0
            if g.missed >= SEEN:
                del self.groups[key]
                if g.told:
                    out.append(self._send(store, key, g, "resolved"))
        return out

    def _send(self, store: Store, key: str, g: _Group, status: str) -> Handled:
        top = g.findings[0]
        subject = top["subject"]
        starts = parse_time(top["since"] or "") or g.since
        labels = {"alertname": f"{top['analyzer']}/{top['rule']}", "severity": "error", "namespace": subject["namespace"],
                  "finding": top["id"], "count": str(len(g.findings))}  # fmt: skip
        fingerprint = "finding-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        alert = Alert(fingerprint, status, labels, {"summary": top["title"]}, starts,
                      now_ns() if status == "resolved" else None)  # fmt: skip
        inv = Investigation(
            alert,
            now_ns(),
            "watch",
            only_cluster(store),
            subject["namespace"],
            subject,
            "finding",
            g.findings,
        )
        return send(store, inv, self.alerting, self.redactor, inv.received_at, self.routes)
