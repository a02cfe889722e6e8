"""Alertmanager's webhook payload (version 4) and API v2 alert list, read strictly."""

from __future__ import annotations

import json

import pytest

from crumbs.errors import InputError
from crumbs.formats.alertmanager import api_alerts, webhook

FIRING = {"status": "firing", "labels": {"alertname": "KubeJobFailed", "namespace": "shop", "job_name": "x"},
          "annotations": {"summary": "s"}, "startsAt": "2026-11-27T14:31:45.123Z", "endsAt": "0001-01-01T00:00:00Z",
          "generatorURL": "http://prometheus/graph", "fingerprint": "a1b2c3d4e5f60718"}  # fmt: skip


def body(**over: object) -> bytes:
    doc = {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing", "receiver": "crumbs",
           "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "alerts": [FIRING]}  # fmt: skip
    doc.update(over)
    return json.dumps(doc).encode()


def test_a_group_is_read_with_its_times() -> None:
    g = webhook(body())
    (a,) = g.alerts
    assert (g.receiver, g.status, a.name, a.status, a.ends_at) == (
        "crumbs",
        "firing",
        "KubeJobFailed",
        "firing",
        None,
    )
    assert a.starts_at == 1795789905123000000
    resolved = webhook(
        body(
            status="resolved",
            alerts=[{**FIRING, "status": "resolved", "endsAt": "2026-11-27T15:00:00Z"}],
        )
    )
    assert resolved.alerts[0].ends_at == 1795791600000000000


@pytest.mark.parametrize(("payload", "words"), [
    (b"\xff\xfe", "not JSON"),
    (body(version="3"), "payload version '3'"),
    (body(alerts="x"), "no alerts list"),
    (body(alerts=[{**FIRING, "startsAt": "soon"}]), "alerts[0]: startsAt 'soon'"),
    (body(alerts=[{**FIRING, "labels": {"x": 1}}]), "alerts[0].labels"),
    (body(alerts=[{**FIRING, "status": "pending"}]), "status 'pending'"),
    (body(alerts=[{**FIRING, "fingerprint": ""}]), "no fingerprint"),
    (b"x" * (8 * 1024 * 1024 + 1), "no Alertmanager notification"),
])  # fmt: skip
def test_bad_payloads_are_one_line_errors(payload: bytes, words: str) -> None:
    with pytest.raises(InputError) as err:
        webhook(payload, "hook")
    assert (
        words in str(err.value) and str(err.value).startswith("hook") and "\n" not in str(err.value)
    )


def test_the_api_list_is_all_firing() -> None:
    listed = [{**{k: v for k, v in FIRING.items() if k != "status"}, "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
               "endsAt": "2026-11-27T15:05:00Z", "receivers": [{"name": "crumbs"}], "updatedAt": "2026-11-27T14:32:00Z"}]  # fmt: skip
    (a,) = api_alerts(json.dumps(listed).encode())
    assert a.status == "firing" and a.ends_at is None  # endsAt there is an expiry, not an end
    with pytest.raises(InputError, match="JSON array"):
        api_alerts(b"{}")
