"""Alerts in, explanations out: each alert investigated, kept, and sent where the routes say,
every delivery recorded on its investigation (a failure too)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crumbs.alerts import Alert
from crumbs.app.investigate import Investigation, investigate, keep
from crumbs.notify.config import Alerting
from crumbs.notify.message import build
from crumbs.notify.send import deliver
from crumbs.redaction import Redactor
from crumbs.store import Store
from crumbs.store import investigations as kept
from crumbs.timeutil import now_ns


@dataclass
class Handled:
    investigation: Investigation
    delivered: int = 0
    failed: int = 0
    latencies_ms: list[int] = field(default_factory=list)


Explain = Callable[[Store, Investigation], None]
"""Adds the copilot's explanation to an investigation (the face that has a model supplies it)."""


def handle(store: Store, alert: Alert, alerting: Alerting, redactor: Redactor, source: str = "webhook",
           received_at: int | None = None, explain: Explain | None = None,
           sleep: Callable[[float], None] = time.sleep) -> Handled:  # fmt: skip
    """Investigate ``alert`` as of its start, keep it, notify every destination its routes name."""
    received = received_at if received_at is not None else now_ns()
    inv = investigate(store, alert, alerting.rules, source, received)
    if explain is not None and alerting.explains(_values(inv)):
        explain(store, inv)
    return send(store, inv, alerting, redactor, received, sleep=sleep)


def handle_new(store: Store, alert: Alert, alerting: Alerting, redactor: Redactor, source: str,
               received_at: int | None = None, explain: Explain | None = None) -> Handled | None:  # fmt: skip
    """:func:`handle`, unless this alert was investigated in this state already (Alertmanager
    sends a group again while it fires; ``investigate`` meets the same alerts again): None."""
    if kept.seen(store.db, alert.fingerprint, alert.status, alert.starts_at):
        return None
    return handle(store, alert, alerting, redactor, source, received_at, explain)


def send(store: Store, inv: Investigation, alerting: Alerting, redactor: Redactor, received: int,
         only: list[str] | None = None, sleep: Callable[[float], None] = time.sleep) -> Handled:  # fmt: skip
    """Keep the investigation and deliver it where the routes say (``only``: these routes, by
    name), each delivery recorded on it."""
    alert = inv.alert
    investigation = keep(store, inv, redactor)
    out = Handled(inv)
    destinations = alerting.for_(_values(inv), only)
    if not destinations:
        return out
    message = build(inv.json(redactor), alerting.link)  # as kept, its id now known
    for d in destinations:
        thread = kept.thread_of(store.db, alert.fingerprint, d.name) if d.kind == "slack" else ""
        result = deliver(d, message, thread, redactor, sleep)
        latency = max(0, (now_ns() - received) // 1_000_000)
        kept.deliver(store.db, investigation, kept.Delivery(d.name, d.kind, "sent" if result.ok else "failed",
                                                             result.attempts, now_ns(), result.error, result.thread, latency))  # fmt: skip
        if result.ok:
            out.delivered += 1
            out.latencies_ms.append(latency)
        else:
            out.failed += 1
    return out


def _values(inv: Investigation) -> dict[str, str]:
    """What routes match on."""
    a = inv.alert
    return {"cluster": inv.cluster, "namespace": inv.namespace or a.labels.get("namespace", ""),
            "alertname": a.name, "severity": a.severity}  # fmt: skip
