"""What Alertmanager sends and serves, read strictly: the webhook's JSON (payload version 4:
https://prometheus.io/docs/alerting/latest/configuration/#webhook_config) and API v2's
``GET /api/v2/alerts`` (``gettableAlerts``). Anything else is a one-line :class:`InputError`."""

from __future__ import annotations

from typing import Any

import orjson

from crumbs.alerts import Alert, AlertGroup
from crumbs.errors import InputError
from crumbs.timeutil import parse_time

MAX_BODY = 8 * 1024 * 1024
"""Bytes of one webhook call (Alertmanager's groups are small; this is a guard)."""
ZERO_TIME = "0001-01-01T00:00:00Z"
"""Alertmanager's endsAt of an alert that has not ended (Go's zero time)."""


def webhook(body: bytes, where: str = "webhook") -> AlertGroup:
    if len(body) > MAX_BODY:
        raise InputError(
            where, f"{len(body)} bytes: more than {MAX_BODY} is no Alertmanager notification"
        )
    doc = _json(body, where)
    if not isinstance(doc, dict):
        raise InputError(where, "not an Alertmanager webhook payload (a JSON object was expected)")
    version = doc.get("version")
    if version != "4":
        raise InputError(
            where,
            f"payload version {version!r}: only version 4 (Alertmanager 0.x to today) is read",
        )
    alerts = doc.get("alerts")
    if not isinstance(alerts, list):
        raise InputError(where, "no alerts list")
    return AlertGroup(
        group_key=_text(doc, "groupKey", where),
        status=_status(doc.get("status"), where),
        receiver=_text(doc, "receiver", where),
        alerts=[
            _alert(a, f"{where}: alerts[{i}]", firing_by_default=False)
            for i, a in enumerate(alerts)
        ],
        group_labels=_labels(doc.get("groupLabels"), f"{where}: groupLabels"),
        external_url=str(doc.get("externalURL") or ""),
        truncated=int(doc.get("truncatedAlerts") or 0),
    )


def api_alerts(body: bytes, where: str = "alertmanager") -> list[Alert]:
    """``GET /api/v2/alerts``: active ones are firing (their ``status.state`` is active,
    suppressed or unprocessed; ``endsAt`` there is when they will expire, not an end)."""
    doc = _json(body, where)
    if not isinstance(doc, list):
        raise InputError(where, "not an Alertmanager API v2 alert list (a JSON array was expected)")
    return [_alert(a, f"{where}: [{i}]", firing_by_default=True) for i, a in enumerate(doc)]


def _json(body: bytes, where: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise InputError(where, f"not JSON ({err})") from None


def _alert(a: Any, where: str, firing_by_default: bool) -> Alert:
    if not isinstance(a, dict):
        raise InputError(where, "an alert is a JSON object")
    labels = _labels(a.get("labels"), f"{where}.labels")
    if not labels.get("alertname"):
        raise InputError(where, "no alertname label")
    starts = parse_time(str(a.get("startsAt") or ""))
    if starts is None:
        raise InputError(where, f"startsAt {a.get('startsAt')!r} is not an RFC 3339 time")
    ends_text = str(a.get("endsAt") or "")
    ends = parse_time(ends_text) if ends_text and ends_text != ZERO_TIME else None
    if firing_by_default:
        status = "firing"
        ends = None
    else:
        status = _status(a.get("status"), where)
    fingerprint = str(a.get("fingerprint") or "")
    if not fingerprint:
        raise InputError(where, "no fingerprint")
    return Alert(fingerprint, status, labels, _labels(a.get("annotations"), f"{where}.annotations"), starts,
                 ends if status == "resolved" else None, str(a.get("generatorURL") or ""))  # fmt: skip


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(where, "labels and annotations are a map of strings")
    return {str(k): v for k, v in value.items()}


def _status(value: Any, where: str) -> str:
    if value not in ("firing", "resolved"):
        raise InputError(where, f"status {value!r}: firing or resolved")
    return str(value)


def _text(doc: dict[str, Any], name: str, where: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str):
        raise InputError(where, f"no {name}")
    return value
