"""With the real components from Debian: ``prometheus-alertmanager`` routes alerts posted to its
API v2 to ``crumbs serve``'s webhook (grouped, then resolved), and ``prometheus`` scrapes
``crumbs serve``'s /metrics; a PromQL query reads the investigation counter. ``crumbs
investigate`` pulls the same alerts from Alertmanager's API v2."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from crumbs.notify.config import parse
from tests.conftest import IN_CI
from tests.fakes.chat import TOKEN, ChatServer
from tests.serve.conftest import Served, free_port, request, start

pytestmark = pytest.mark.slow
JOB = "billing-invoices-29405430"


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if IN_CI:
            pytest.fail(f"{binary} is missing: `make test` installs it (Debian) as root")
        pytest.skip(f"needs Debian's {binary} (make test installs it as root)")
    return path


class Process:
    def __init__(self, argv: list[str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_until(check: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def crumbs(served_db: str, tmp_path: Path) -> Iterator[tuple[Served, ChatServer]]:
    db = str(tmp_path / "crumbs.db")
    shutil.copy(served_db, db)
    with ChatServer() as chat:
        alerting = parse({"notify": {
            "destinations": {"oncall": {"type": "slack", "channel": "#oncall", "token": TOKEN, "api_url": chat.url + "/api/"}},
            "routes": [{"destinations": ["oncall"], "severity": "critical"}]}})  # fmt: skip
        with start(db, alerting=alerting) as served:
            yield served, chat


@pytest.fixture
def alertmanager(crumbs: tuple[Served, ChatServer], tmp_path: Path) -> Iterator[str]:
    binary = need("prometheus-alertmanager")
    served, _ = crumbs
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(f"""
route:
  receiver: crumbs
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: crumbs
    webhook_configs:
      - url: {served.base}/api/v1/alerts/alertmanager
        send_resolved: true
""")
    am = Process([binary, f"--config.file={config}", f"--storage.path={tmp_path / 'am-data'}",
                  f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="], tmp_path / "alertmanager.log")  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: request(url + "/-/ready")[0] == 200, "alertmanager to start")
        yield url
    finally:
        am.stop()


def post_alerts(url: str, alerts: list[dict[str, Any]]) -> None:
    status, _, body = request(
        url + "/api/v2/alerts",
        "POST",
        json.dumps(alerts).encode(),
        {"content-type": "application/json"},
    )
    assert status == 200, body


def am_alert(
    name: str, labels: dict[str, str], starts: str, ends: str | None = None
) -> dict[str, Any]:
    out = {"labels": {"alertname": name, "severity": "critical", **labels}, "annotations": {"summary": name},
           "startsAt": starts, "generatorURL": "http://prometheus:9090/graph"}  # fmt: skip
    if ends:
        out["endsAt"] = ends
    return out


def test_alertmanager_routes_grouped_alerts_then_their_resolution(
    crumbs: tuple[Served, ChatServer], alertmanager: str
) -> None:
    served, chat = crumbs
    failed = am_alert(
        "KubeJobFailed",
        {"namespace": "shop", "job_name": JOB, "job": "kube-state-metrics"},
        "2026-11-27T14:31:45Z",
    )
    older = am_alert(
        "KubeJobFailed",
        {"namespace": "shop", "job_name": "billing-invoices-29405400", "job": "kube-state-metrics"},
        "2026-11-27T14:01:30Z",
    )
    post_alerts(alertmanager, [failed, older])  # one group (alertname), two alerts
    rows = wait_until(
        lambda: (
            len(served.json("/api/v1/investigations")["investigations"]) >= 2
            and served.json("/api/v1/investigations")["investigations"]
        ),
        "the grouped alerts",
    )
    by_job = {served.json(f"/api/v1/investigations/{r['id']}")["subject"]["name"]: r for r in rows}
    assert set(by_job) == {JOB, "billing-invoices-29405400"}
    top = served.json(f"/api/v1/investigations/{by_job[JOB]['id']}")
    assert (
        top["outcome"] == "explained"
        and top["findings"][0]["causes"][0]["subject"]["name"] == "billing"
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    post_alerts(alertmanager, [{**failed, "endsAt": now}])  # resolved
    wait_until(
        lambda: any(
            r["status"] == "resolved"
            for r in served.json("/api/v1/investigations")["investigations"]
        ),
        "the resolution",
        90,
    )
    wait_until(lambda: len(chat.chat.to("/api/chat.postMessage")) >= 3, "the resolution's message")
    posts = [c.json() for c in chat.chat.to("/api/chat.postMessage")]
    resolution = next(p for p in posts if p["text"].startswith("Resolved"))
    head = chat.chat.messages[
        (resolution["channel"], resolution["thread_ts"])
    ]  # the thread it opened
    assert JOB in json.dumps(head) and head["text"].startswith("Resolved")  # its head updated too


def test_prometheus_reads_the_investigation_counter(
    crumbs: tuple[Served, ChatServer], alertmanager: str, tmp_path: Path
) -> None:
    binary = need("prometheus")
    served, _ = crumbs
    post_alerts(
        alertmanager,
        [am_alert("KubeJobFailed", {"namespace": "shop", "job_name": JOB}, "2026-11-27T14:31:45Z")],
    )
    wait_until(lambda: served.json("/api/v1/investigations")["investigations"], "the investigation")
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: crumbs
    static_configs: [{{targets: ["{served.base.removeprefix("http://")}"]}}]
""")
    prom = Process([binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}"], tmp_path / "prometheus.log")  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/v1/query?query=" + quote(
        'sum(crumbs_investigations_total{outcome="explained"})'
    )
    try:

        def read() -> float | None:
            status, _, body = request(url)
            result = json.loads(body)["data"]["result"] if status == 200 else []
            return float(result[0]["value"][1]) if result else None

        assert wait_until(read, "prometheus to scrape crumbs", 90) == 1.0
        up = json.loads(request(f"http://127.0.0.1:{port}/api/v1/query?query=up")[2])["data"][
            "result"
        ]
        assert up and up[0]["value"][1] == "1"
    finally:
        prom.stop()


def test_investigate_pulls_firing_alerts_from_alertmanager(crumbs: tuple[Served, ChatServer], alertmanager: str, served_db: str, tmp_path: Path, cli) -> None:  # fmt: skip
    post_alerts(alertmanager, [am_alert("KubeJobFailed", {"namespace": "shop", "job_name": JOB}, "2026-11-27T14:31:45Z"),
                               am_alert("KubeServiceDown", {"namespace": "shop", "service": "checkout", "job": "blackbox"}, "2026-11-27T14:21:00Z")])  # fmt: skip
    db = str(tmp_path / "pulled.db")
    shutil.copy(served_db, db)
    wait_until(
        lambda: len(json.loads(request(alertmanager + "/api/v2/alerts")[2])) >= 2,
        "alertmanager to hold the alerts",
    )
    r = cli(
        "investigate",
        "--alertmanager",
        alertmanager,
        "--filter",
        "alertname=KubeServiceDown",
        "--no-notify",
        "-o",
        "json",
        db=db,
    )
    assert r.code == 0, r.err
    (inv,) = r.json()["investigations"]
    assert (
        inv["source"] == "api"
        and inv["subject"]["kind"] == "Service"
        and inv["mappedBy"] == "service"
    )
    assert inv["findings"][0]["causes"][0]["summary"] == "selector app=checkout → app=checkout-api"
    again = cli(
        "investigate", "--alertmanager", alertmanager, "--no-notify", "-o", "json", db=db
    ).json()
    assert [i["alert"]["name"] for i in again["investigations"]] == ["KubeJobFailed"] and again[
        "skipped"
    ] == 1
    listed = cli("investigations", "list", "-o", "json", db=db).json()["investigations"]
    assert len(listed) == 2
    shown = cli("investigations", "show", str(listed[-1]["id"]), db=db)
    assert (
        shown.code == 0
        and "KubeServiceDown" in shown.out
        and "selector app=checkout → app=checkout-api" in shown.out
    )
