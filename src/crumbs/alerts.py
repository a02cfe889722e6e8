"""Alerts as Alertmanager sends them: the model Crumbs investigates (the ground floor)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Alert:
    fingerprint: str
    """Alertmanager's: the same alert (its label set) firing, firing again, resolved."""
    status: str
    """``firing`` or ``resolved``."""
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: int
    """Nanoseconds: when the condition began (what Crumbs explains the cluster as of)."""
    ends_at: int | None = None
    """When it resolved; None while firing."""
    generator_url: str = ""

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")


@dataclass(frozen=True)
class AlertGroup:
    """One notification of Alertmanager's webhook: a group of alerts that share its labels."""

    group_key: str
    status: str
    receiver: str
    alerts: list[Alert]
    group_labels: dict[str, str] = field(default_factory=dict)
    external_url: str = ""
    truncated: int = 0
    """Alerts Alertmanager left out of the group (``max_alerts``)."""


@dataclass(frozen=True)
class Rule:
    """An alert name's own mapping (``[alerts.map.NAME]``): the object of ``kind`` that label
    ``label`` names (:mod:`crumbs.analyze.alertmap`)."""

    kind: str
    label: str
    namespace_label: str = "namespace"
