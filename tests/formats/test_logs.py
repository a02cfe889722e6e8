"""Container logs in dumps and archives kept as evidence of their pod and container."""

from __future__ import annotations

import json
from pathlib import Path

from crumbs.store import Store
from crumbs.timeutil import parse_time
from tests.conftest import need_corpus
from tests.scenarios.dumps import probe_rollout_dump

INSIGHTS = "insights-operator/docs/insights-archive-sample"


def _logs(store_path: str, ns: str, pod: str, container: str | None = None):
    with Store.open(store_path) as store:
        return store.queries.logs_of(ns, pod, container)


def test_cluster_info_dump_logs_kept_per_container(cli, store_path: str, tmp_path: Path) -> None:
    facts = probe_rollout_dump(tmp_path / "dump")
    result = cli("ingest", str(tmp_path / "dump"), "-o", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["stored"]["logs"] == 6
    observed = parse_time(report["snapshots"][0]["observedAt"])
    (api,) = _logs(store_path, "shop", "api-2-x7k2p")
    assert (api.container, api.previous, api.observed_at) == ("api", False, observed)
    assert api.text.splitlines() == [
        "starting api on :8080",
        "ready",
        "received SIGTERM, shutting down",
    ]
    assert api.where.endswith("shop/api-2-x7k2p/logs.txt:1")
    assert observed is not None and observed <= facts["dump_at"]
    # re-ingesting the same dump keeps nothing twice
    again = cli("ingest", str(tmp_path / "dump"), "-o", "json").json()
    assert again["stored"]["logs"] == 0


def test_insights_archive_logs(cli, store_path: str) -> None:
    assert cli("ingest", str(need_corpus() / INSIGHTS)).code == 0
    (am,) = _logs(store_path, "openshift-monitoring", "alertmanager-main-0", "alertmanager")
    assert am.first_at == parse_time("2021-11-15T09:21:29.542014685Z")
    assert am.text.startswith("2021-11-15T09:21:29.542014685Z level=info")
    assert am.lines == len(am.text.splitlines()) and am.previous is None
    # config/pod/NS/logs/POD/errors.log: the container is not said; a zone-less prefix is the
    # application's own clock, not trusted as a time
    (errors,) = _logs(
        store_path, "openshift-apiserver-operator", "openshift-apiserver-operator-6ddb679b87-4kn55"
    )
    assert errors.container == "" and errors.first_at is None
    assert "too many requests" in errors.text


def test_stdout_dump_with_inline_sections(cli, store_path: str, tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1", "creationTimestamp": "2026-11-01T00:00:00Z"},
           "status": {"phase": "Running"}}  # fmt: skip
    text = (
        json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [pod]}, indent=4)
        + "\n==== START logs for container web of pod shop/web-1 ====\n"
        "2026-11-27T10:00:00.000000001Z listening\n"
        "2026-11-27T10:05:00Z panic: runtime error: index out of range\n"
        "==== END logs for container web of pod shop/web-1 ====\n"
        + json.dumps({"kind": "EventList", "apiVersion": "v1", "items": []}, indent=4)
        + "\n"
    )
    (tmp_path / "dump.txt").write_text(text)
    report = cli("ingest", str(tmp_path / "dump.txt"), "-o", "json").json()
    assert report["stored"]["revisions"] == 1 and report["stored"]["logs"] == 1
    (web,) = _logs(store_path, "shop", "web-1", "web")
    assert web.first_at == parse_time("2026-11-27T10:00:00.000000001Z")
    assert web.last_at == parse_time("2026-11-27T10:05:00Z")
    # the lines' times date the dump: it was taken after the panic
    assert report["snapshots"][0]["observedAt"] == "2026-11-27T10:05:00Z"


def test_secrets_in_log_lines_never_stored(cli, store_path: str, tmp_path: Path) -> None:
    pod_dir = tmp_path / "dump" / "shop" / "api-1"
    pod_dir.mkdir(parents=True)
    (pod_dir / "logs.txt").write_text(
        "==== START logs for container api of pod shop/api-1 ====\n"
        "connecting to postgres://app:Sup3rSecretPw@db:5432/app\n"
        "DB_PASSWORD=hunter2hunter2 loaded\n"
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl\n"
        "==== END logs for container api of pod shop/api-1 ====\n"
    )
    assert cli("ingest", str(tmp_path / "dump")).code == 0
    (api,) = _logs(store_path, "shop", "api-1")
    for secret in ("Sup3rSecretPw", "hunter2hunter2", "c2lnbmF0dXJlc2lnbmF0dXJl"):
        assert secret not in api.text
    assert "postgres://app:" in api.text and "loaded" in api.text
    raw = Path(store_path).read_bytes()
    assert b"hunter2hunter2" not in raw


def test_must_gather_layout_and_bounds(cli, store_path: str, tmp_path: Path) -> None:
    logs = tmp_path / "mg" / "namespaces" / "shop" / "pods" / "api-1" / "api" / "api" / "logs"
    logs.mkdir(parents=True)
    (logs / "current.log").write_text("2026-11-27T10:00:00Z up\n")
    big = "".join(
        f"2026-11-27T09:{i // 60 % 60:02d}:{i % 60:02d}Z line {i} " + "x" * 200 + "\n"
        for i in range(8000)
    )
    (logs / "previous.log").write_text(big)
    failed = tmp_path / "mg" / "shop" / "gone-1"
    failed.mkdir(parents=True)
    (failed / "logs.txt").write_text(
        "==== START logs for container c of pod shop/gone-1 ====\n"
        'Request log error: pods "gone-1" not found\n'
        "==== END logs for container c of pod shop/gone-1 ====\n"
    )
    result = cli("ingest", "-v", str(tmp_path / "mg"))
    assert result.code == 0, result.err
    assert "kubectl could not get these logs" in result.err
    chunks = {c.previous: c for c in _logs(store_path, "shop", "api-1", "api")}
    assert set(chunks) == {False, True}
    kept = chunks[True].text.splitlines()
    assert kept[0].startswith("[") and "earlier lines not kept" in kept[0]
    assert kept[-1].startswith(
        "2026-11-27T09:13:19Z line 7999"
    )  # the tail: the lines before the end
    assert len(chunks[True].text) <= 1024 * 1024 + 100
    assert _logs(store_path, "shop", "gone-1") == []
