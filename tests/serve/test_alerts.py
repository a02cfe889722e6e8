"""Alerts in, explanations out, over real HTTP: Alertmanager's webhook payloads posted to
``crumbs serve``, investigated as of each alert's start, kept, and sent to stand-ins of Slack,
Teams and a signed webhook (tests/fakes/chat.py) that record what Crumbs sent."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from crumbs.notify.config import parse
from tests.fakes.chat import TOKEN, ChatServer
from tests.serve.conftest import Served, request, start

SECRET = "webhook-signing-secret-0123456789"
JOB = "billing-invoices-29405430"


def payload(status: str, alerts: list[dict[str, Any]]) -> bytes:
    """Alertmanager's webhook body (payload version 4), as its notifier builds it."""
    return json.dumps({
        "version": "4", "groupKey": '{}:{alertname="KubeJobFailed"}', "truncatedAlerts": 0, "status": status,
        "receiver": "crumbs", "groupLabels": {"alertname": alerts[0]["labels"].get("alertname", "")},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": alerts,
    }).encode()  # fmt: skip


def alert(name: str, labels: dict[str, str], starts: str, status: str = "firing", ends: str = "0001-01-01T00:00:00Z",
          fingerprint: str = "", annotations: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"status": status, "labels": {"alertname": name, "severity": "critical", **labels},
            "annotations": annotations or {"summary": f"{name} fired"}, "startsAt": starts, "endsAt": ends,
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": fingerprint or hashlib.sha1(name.encode() + json.dumps(labels).encode()).hexdigest()[:16]}  # fmt: skip


KUBE_JOB_FAILED = alert("KubeJobFailed", {"namespace": "shop", "job_name": JOB, "job": "kube-state-metrics",
                                          "service": "kube-state-metrics", "instance": "10.244.0.9:8080"},
                        "2026-11-27T14:31:45Z", annotations={"summary": "Job failed", "runbook": "https://wiki/x?token=ghp_abcdefghijklmnopqrstuvwxyz0123456789"})  # fmt: skip


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    with ChatServer() as c:
        yield c


@pytest.fixture
def alerted(
    served_db: str, chat: ChatServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    from crumbs.cli import main

    db = str(tmp_path_factory.mktemp("alerts") / "crumbs.db")
    import shutil

    shutil.copy(served_db, db)
    assert main(["--db", db, "info"]) == 0
    alerting = parse({
        "alerts": {"link": "https://crumbs.example.com"},
        "notify": {
            "destinations": {
                "oncall": {"type": "slack", "channel": "#oncall", "token": TOKEN, "api_url": chat.url + "/api/"},
                "teams": {"type": "teams", "url": chat.url + "/teams/abc"},
                "audit": {"type": "webhook", "url": chat.url + "/hook", "secret": SECRET},
            },
            "routes": [{"destinations": ["oncall", "teams", "audit"], "severity": ["critical"], "namespace": "shop"}],
        },
    })  # fmt: skip
    with start(db, alerting=alerting) as s:
        yield s


def post(served: Served, body: bytes) -> dict[str, Any]:
    status, _, answer = request(
        served.base + "/api/v1/alerts/alertmanager",
        "POST",
        body,
        {"content-type": "application/json"},
    )
    assert status == 200, answer
    return json.loads(answer)


def wait_for(served: Served, n: int) -> list[dict[str, Any]]:
    import time

    for _ in range(600):
        listed = served.json("/api/v1/investigations")["investigations"]
        if len(listed) >= n:
            return listed
        time.sleep(0.05)
    raise AssertionError(f"{n} investigations expected, {len(listed)} arrived")


def test_a_firing_alert_is_explained_as_of_its_start_and_sent_everywhere(
    alerted: Served, chat: ChatServer
) -> None:
    assert post(alerted, payload("firing", [KUBE_JOB_FAILED]))["accepted"] == 1
    (row,) = wait_for(alerted, 1)
    inv = alerted.json(f"/api/v1/investigations/{row['id']}")
    assert inv["subject"] == {"apiVersion": "", "kind": "Job", "namespace": "shop", "name": JOB}
    assert inv["mappedBy"] == "job_name" and inv["outcome"] == "explained"
    assert (
        inv["at"] == "2026-11-27T14:31:45Z"
    )  # as of the alert's start, not the store's newest time
    cause = inv["findings"][0]["causes"][0]
    assert (cause["subject"]["kind"], cause["subject"]["name"], cause["actor"]["manager"]) == (
        "Deployment",
        "billing",
        "kubectl-patch",
    )
    assert (
        "image ghcr.io/acme/billing:1.4.2 → 2.0.0" in inv["headline"]
        and "kubectl-patch (human)" in inv["headline"]
    )
    _wait_notified(alerted, row["id"], 3)
    inv = alerted.json(f"/api/v1/investigations/{row['id']}")
    assert {(n["kind"], n["state"]) for n in inv["notifications"]} == {
        ("slack", "sent"),
        ("teams", "sent"),
        ("webhook", "sent"),
    }
    (slack,) = chat.chat.to("/api/chat.postMessage")
    sent = slack.json()
    assert sent["channel"] == "#oncall" and sent["blocks"][0]["type"] == "header"
    assert "Firing: KubeJobFailed" in sent["blocks"][0]["text"]["text"]
    assert any(
        b.get("elements", [{}])[0].get("url")
        == f"https://crumbs.example.com/investigations/{row['id']}"
        for b in sent["blocks"]
    )
    (teams,) = chat.chat.to("/teams/")
    assert teams.json()["attachments"][0]["content"]["body"][1]["text"] == inv["headline"]
    (hook,) = chat.chat.to("/hook")
    stamp = hook.headers["x-crumbs-timestamp"]
    expected = hmac.new(
        SECRET.encode(), stamp.encode() + b"." + hook.body, hashlib.sha256
    ).hexdigest()
    assert hook.headers["x-crumbs-signature"] == f"sha256={expected}"
    assert json.loads(hook.body)["investigation"]["id"] == row["id"]
    for call in chat.chat.calls:  # nothing secret left the machine, whatever the destination
        assert (
            b"ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in call.body
            and b"hunter2" not in call.body
        )


def _wait_notified(served: Served, investigation: int, n: int) -> None:
    import time

    for _ in range(600):
        if len(served.json(f"/api/v1/investigations/{investigation}")["notifications"]) >= n:
            return
        time.sleep(0.05)
    raise AssertionError("notifications did not arrive")


def test_the_same_alert_keeps_one_slack_thread_and_its_resolution_goes_there(
    alerted: Served, chat: ChatServer
) -> None:
    post(alerted, payload("firing", [KUBE_JOB_FAILED]))
    wait_for(alerted, 1)
    post(
        alerted, payload("firing", [KUBE_JOB_FAILED])
    )  # Alertmanager repeats the group: nothing new
    resolved = {**KUBE_JOB_FAILED, "status": "resolved", "endsAt": "2026-11-27T15:10:00Z"}
    post(alerted, payload("resolved", [resolved]))
    rows = wait_for(alerted, 2)
    _wait_notified(alerted, rows[0]["id"], 3)
    assert [r["status"] for r in rows] == ["resolved", "firing"]
    posts = [c.json() for c in chat.chat.to("/api/chat.postMessage")]
    assert len(posts) == 2 and "thread_ts" not in posts[0] and posts[1]["thread_ts"]
    assert posts[1]["text"].startswith("Resolved: KubeJobFailed")
    (update,) = [c.json() for c in chat.chat.to("/api/chat.update")]
    assert update["ts"] == posts[1]["thread_ts"] and update["text"].startswith("Resolved")


def test_deliveries_retry_on_429_and_5xx_and_failures_are_recorded(
    alerted: Served, chat: ChatServer
) -> None:
    chat.chat.fail("/api/chat.postMessage", 429, 2, retry_after="0")
    chat.chat.fail("/teams/abc", 503, 1)
    chat.chat.fail("/hook", 400, 1)  # refused for good: not retried
    post(alerted, payload("firing", [KUBE_JOB_FAILED]))
    (row,) = wait_for(alerted, 1)
    _wait_notified(alerted, row["id"], 3)
    by_kind = {
        n["kind"]: n for n in alerted.json(f"/api/v1/investigations/{row['id']}")["notifications"]
    }
    assert by_kind["slack"]["state"] == "sent" and by_kind["slack"]["attempts"] == 3
    assert by_kind["teams"]["state"] == "sent" and by_kind["teams"]["attempts"] == 2
    assert (
        by_kind["webhook"]["state"] == "failed"
        and by_kind["webhook"]["attempts"] == 1
        and "HTTP 400" in by_kind["webhook"]["error"]
    )
    metrics = alerted.get("/metrics")[2].decode()
    assert 'crumbs_notifications_total{kind="webhook",state="failed"} 1.0' in metrics
    assert 'crumbs_investigations_total{outcome="explained"} 1.0' in metrics
    assert "crumbs_alert_to_notification_seconds_count 2.0" in metrics


def test_unmapped_and_quiet_alerts_are_told_as_such(alerted: Served, chat: ChatServer) -> None:
    """Negative controls: an alert naming nothing in the store gets the namespace's scan; one
    about a healthy object finds nothing; neither invents a cause."""
    gone = alert(
        "KubePodNotReady", {"namespace": "shop", "pod": "no-such-pod-abc"}, "2026-11-27T14:40:00Z"
    )
    healthy = alert(
        "KubeDeploymentReplicasMismatch",
        {"namespace": "shop", "deployment": "checkout"},
        "2026-11-27T12:00:00Z",
    )
    post(alerted, payload("firing", [gone, healthy]))
    rows = {r["alertname"]: r for r in wait_for(alerted, 2)}
    assert rows["KubePodNotReady"]["outcome"] == "unmapped"
    quiet = alerted.json(f"/api/v1/investigations/{rows['KubeDeploymentReplicasMismatch']['id']}")
    assert quiet["outcome"] == "nothing" and quiet["findings"] == []
    assert quiet["headline"].startswith("nothing found about Deployment checkout")


@pytest.mark.parametrize("body", [b"{", b"[]", json.dumps({"version": "3", "alerts": []}).encode(),
                                  payload("firing", [{**KUBE_JOB_FAILED, "startsAt": "yesterday"}]),
                                  payload("firing", [{**KUBE_JOB_FAILED, "labels": {}}])])  # fmt: skip
def test_a_bad_payload_is_refused_in_one_line(alerted: Served, body: bytes) -> None:
    status, _, answer = request(
        alerted.base + "/api/v1/alerts/alertmanager",
        "POST",
        body,
        {"content-type": "application/json"},
    )
    message = json.loads(answer)["error"]
    assert status == 400 and "\n" not in message and message.startswith("alertmanager webhook")
    assert alerted.json("/api/v1/investigations")["investigations"] == []


def test_the_copilot_explains_when_asked_and_its_trace_is_kept(
    served_db: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import shutil

    db = str(tmp_path_factory.mktemp("explained") / "crumbs.db")
    shutil.copy(served_db, db)
    with start(db, alerting=parse({"alerts": {"explain": True}})) as served:
        post(served, payload("firing", [KUBE_JOB_FAILED]))
        (row,) = wait_for(served, 1)
        inv = served.json(f"/api/v1/investigations/{row['id']}")
    explanation = inv["explanation"]
    assert explanation["trace"] and "billing" in explanation["answer"]
    trace = served_trace(db, explanation["trace"])
    assert "KubeJobFailed" in trace["question"] and trace["status"] == "ok"


def served_trace(db: str, trace: int) -> dict[str, Any]:
    from crumbs.app.traces import trace_show
    from crumbs.store import Store

    with Store.open(db, create=False) as store:
        return dict(trace_show(store, trace)[1])


def test_a_deleted_slack_thread_starts_a_new_one(alerted: Served, chat: ChatServer) -> None:
    post(alerted, payload("firing", [KUBE_JOB_FAILED]))
    (row,) = wait_for(alerted, 1)
    _wait_notified(alerted, row["id"], 3)
    chat.chat.messages.clear()  # someone deleted the alert's message in Slack
    post(
        alerted,
        payload(
            "resolved",
            [{**KUBE_JOB_FAILED, "status": "resolved", "endsAt": "2026-11-27T15:10:00Z"}],
        ),
    )
    rows = wait_for(alerted, 2)
    _wait_notified(alerted, rows[0]["id"], 3)
    slack = next(
        n
        for n in alerted.json(f"/api/v1/investigations/{rows[0]['id']}")["notifications"]
        if n["kind"] == "slack"
    )
    assert slack["state"] == "sent", slack["error"]
    last = chat.chat.to("/api/chat.postMessage")[-1].json()
    assert "thread_ts" not in last and last["text"].startswith("Resolved")
