"""``crumbs scan``, ``why`` and ``analyzers`` over recorded incidents: filters, time, output, exit codes, failures."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from crumbs.analyze import registry
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding

INCIDENTS = Path(__file__).parent.parent / "scenarios" / "incidents"


@pytest.fixture
def crashloop(cli):
    assert cli("ingest", str(INCIDENTS / "crashloop-after-configmap-edit.jsonl")).code == 0
    return cli


@pytest.fixture
def two_incidents(cli):
    for name in ("image-pull-after-set-image", "cron-suspended-with-active-job"):
        assert cli("ingest", str(INCIDENTS / f"{name}.jsonl")).code == 0
    return cli


def rules(result) -> list[str]:
    return [f"{f['analyzer']}/{f['rule']}" for f in result.json()["findings"]]


def test_json_contract(crashloop) -> None:
    report = crashloop("scan", "-o", "json").json()
    assert set(report) == {"at", "summary", "findings"}
    assert report["at"] == "2026-11-27T14:06:00Z"  # the store's newest time, not the wall clock
    f = report["findings"][0]
    assert set(f) == {
        "id", "analyzer", "rule", "severity", "subject", "title", "detail", "since",
        "remediation", "evidence", "related", "causes", "also",
    }  # fmt: skip
    assert set(f["subject"]) == {"apiVersion", "kind", "namespace", "name", "uid"}
    assert f["subject"]["apiVersion"] == "apps/v1"
    assert f["id"].startswith("F") and len(f["id"]) == 13
    for e in f["evidence"]:
        assert set(e) == {"kind", "subject", "at", "summary", "id"}
        assert e["kind"] in ("revision", "event", "object")
        assert e["subject"]["apiVersion"]
    cause = f["causes"][0]
    assert set(cause) == {
        "rank", "score", "subject", "at", "revision", "actor", "summary", "paths", "distance", "why",
        "transition", "path",
    }  # fmt: skip
    assert cause["transition"] is False
    assert len(cause["path"]) == cause["distance"]
    for step in cause["path"]:
        assert set(step) == {"from", "to", "edge", "label"}
    if cause["path"]:
        assert cause["path"][0]["from"]["name"] == f["subject"]["name"]
        assert cause["path"][-1]["to"]["name"] == cause["subject"]["name"]
    assert {"manager", "operation", "channel"} <= set(cause["actor"])
    assert cause["paths"] == ["data.DB_HOST"]
    assert report["summary"]["error"] == sum(x["severity"] == "error" for x in report["findings"])


def test_ids_are_stable_across_runs_and_stores(cli, tmp_path: Path) -> None:
    path = str(INCIDENTS / "service-selector-edit.jsonl")
    ids = []
    for db in (tmp_path / "a.db", tmp_path / "b.db"):
        assert cli("ingest", path, db=str(db)).code == 0
        ids.append([f["id"] for f in cli("scan", "-o", "json", db=str(db)).json()["findings"]])
    assert ids[0] and ids[0] == ids[1]


def test_exit_codes(cli) -> None:
    assert cli("ingest", str(INCIDENTS / "healthy.jsonl")).code == 0
    assert cli("scan").code == 0
    assert cli("ingest", str(INCIDENTS / "node-not-ready.jsonl")).code == 0
    assert cli("scan").code == 3
    assert cli("scan", "--severity", "warning", "-a", "config").code == 0
    bad = cli("scan", "--at", "yesterday-ish")
    assert bad.code == 2 and "--at" in bad.err and "Traceback" not in bad.err


def test_at_travels_back_before_the_incident(crashloop) -> None:
    before = crashloop("scan", "--at", "2026-11-27T13:59:00Z", "-o", "json").json()
    assert before["at"] == "2026-11-27T13:59:00Z"
    assert [f for f in before["findings"] if f["severity"] != "info"] == []
    assert crashloop("scan", "--at", "2026-11-27T13:59:00Z").code == 0


def test_namespace_label_and_severity_filters(two_incidents) -> None:
    cli = two_incidents
    everything = rules(cli("scan", "-o", "json"))
    assert "pods/image-pull" in everything and "cronjobs/suspended-active" in everything
    assert rules(cli("scan", "-n", "elsewhere", "-o", "json")) == []
    assert set(rules(cli("scan", "-n", "shop", "-o", "json"))) == set(everything)
    assert rules(cli("scan", "-l", "app=web", "-o", "json")) == ["pods/image-pull"]
    assert rules(cli("scan", "-l", "app!=web", "-o", "json")) == ["cronjobs/suspended-active"]
    errors = cli("scan", "--severity", "error", "-o", "json").json()["findings"]
    assert errors and {f["severity"] for f in errors} == {"error"}
    bad = cli("scan", "--severity", "fatal")
    assert bad.code == 2 and "--severity" in bad.err


def test_choosing_analyzers(two_incidents) -> None:
    cli = two_incidents
    assert rules(cli("scan", "-a", "cronjobs", "-o", "json")) == ["cronjobs/suspended-active"]
    assert "cronjobs/suspended-active" not in rules(
        cli("scan", "--disable", "cronjobs", "-o", "json")
    )
    unknown = cli("scan", "-a", "cronjob")
    assert unknown.code == 2
    assert "unknown analyzer cronjob" in unknown.err and "cronjobs" in unknown.err
    assert len(unknown.err.strip().splitlines()) == 1


def test_analyzers_command(cli) -> None:
    names = [a["name"] for a in cli("analyzers", "-o", "json").json()["analyzers"]]
    assert names == sorted(names)
    assert {"pods", "cronjobs", "services", "workloads", "apis", "network"} <= set(names)
    assert "cronjobs" in cli("analyzers").out


class Broken:
    """A real analyzer that fails on real data (the way a buggy rule would)."""

    name = "broken"
    description = "always fails"
    kinds = ("Pod",)

    def analyze(self, view: ClusterView) -> Iterable[Finding]:
        for pod in view.objects("Pod"):
            yield pod.doc["spec"]["no-such-field"]


def test_a_failing_analyzer_is_contained(crashloop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.load_builtins(), "broken", Broken())
    result = crashloop("scan", "-o", "json")
    found = rules(result)
    assert "broken/analyzer-failed" in found
    assert "pods/crashloop" in found  # the other analyzers still ran
    failed = next(f for f in result.json()["findings"] if f["rule"] == "analyzer-failed")
    assert failed["severity"] == "warning" and "KeyError" in failed["title"]
    assert result.code == 3


def test_markdown(crashloop) -> None:
    md = crashloop("scan", "-o", "markdown").out
    assert md.startswith("#")
    assert "crash-looping" in md and "ConfigMap api-config" in md and "kubectl-edit" in md


def test_text(crashloop) -> None:
    out = crashloop("scan").out
    assert "ERROR" in out and "cause 1" in out and "data.DB_HOST changed" in out
    assert "1 error," in out


def test_why(crashloop) -> None:
    about_deploy = crashloop("why", "deploy/api", "-n", "shop", "-o", "json")
    assert about_deploy.code == 3
    found = about_deploy.json()["findings"]
    assert found and all(f["subject"]["name"] == "api" for f in found)
    assert found[0]["causes"][0]["subject"]["name"] == "api-config"
    pod = next(r["name"] for r in found[0]["related"] if r["kind"] == "Pod")
    about_pod = crashloop("why", f"pod/{pod}", "-o", "json").json()["findings"]
    assert [f["id"] for f in about_pod] == [found[0]["id"]]
    fine = crashloop("why", "configmap/api-config")
    assert fine.code == 0 and "no findings" in fine.out
    missing = crashloop("why", "deploy/nope")
    assert missing.code != 0 and "nope" in missing.err and "Traceback" not in missing.err
