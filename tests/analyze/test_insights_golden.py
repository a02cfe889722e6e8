"""The real OpenShift Insights archive (../shared/corpus/insights-operator): what is stored
and what a scan says, against a golden reviewed by hand (``golden/insights-archive.yaml``).

A reader of the archive finds: the ingress ClusterOperator Degraded because the
router pod cannot be scheduled (no free host ports; the other node a master),
an init container crash-looping on a database it cannot reach, a pod stuck
initializing, a LokiStack without its object storage secret, a StorageCluster
that never finished initializing, two failed CronJob runs whose Jobs are not in
the archive, and operators that block upgrades. Nothing else is an error.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from crumbs.store import Store
from crumbs.store.queries import Selector
from tests.conftest import need_corpus

GOLDEN = Path(__file__).parent / "golden" / "insights-archive.yaml"
ARCHIVE = "insights-operator/docs/insights-archive-sample"


@pytest.fixture
def archive(cli, store_path: str) -> dict[str, Any]:
    result = cli("ingest", str(need_corpus() / ARCHIVE), "-o", "json")
    assert result.code == 0, result.err
    return result.json()


def _kinds(path: str) -> dict[str, int]:
    with Store.open(path) as store:
        clock = store.queries.latest_time()
        assert clock is not None
        revs = store.queries.state_at(clock, Selector(), lazy=True)
        return dict(sorted(Counter(r.key.kind for r in revs).items()))


def _findings(report: dict[str, Any]) -> list[str]:
    return sorted(
        f"{f['severity']} {f['analyzer']}/{f['rule']} {f['subject']['kind']}/{f['subject']['name']}"
        for f in report["findings"]
    )


def test_what_is_stored(archive, store_path: str) -> None:
    golden = yaml.safe_load(GOLDEN.read_text())
    assert archive["problems"] == []
    assert archive["snapshots"][0]["observedAt"] == golden["observedAt"]
    assert _kinds(store_path) == golden["kinds"]
    assert archive["stored"]["events"] == golden["events"]


def test_what_a_scan_finds(cli, archive) -> None:
    golden = yaml.safe_load(GOLDEN.read_text())
    report = cli("scan", "-o", "json").json()
    assert _findings(report) == sorted(golden["findings"])
    by_rule = {(f["analyzer"], f["rule"], f["subject"]["name"]): f for f in report["findings"]}
    ingress = by_rule[("conditions", "condition", "ingress")]
    assert ingress["title"] == "ClusterOperator ingress: Degraded (IngressControllersDegraded)"
    # the Degraded message names the router pod: the two findings are linked
    assert any(
        (r["kind"], r["name"]) == ("Pod", "router-default-7bbdcfcf9b-7xdln")
        for r in ingress["related"]
    )
    router = by_rule[("pods", "unschedulable", "router-default-7bbdcfcf9b-7xdln")]
    assert "didn't have free ports for the requested pod ports" in router["detail"]
    init = by_rule[("pods", "crashloop", "vsystem-867f4b77cc-pqcns")]
    assert init["detail"].startswith("init container vsystem-hana-init: last exit code 1")
    assert "could not connect to hana" in init["detail"]
    failed = by_rule[("pods", "failed", "auditlog-retention-28566720-t22qj")]
    assert "CronJob auditlog-retention scheduled at 2024-04-25T00:00:00Z" in failed["detail"]
    # operators that only block upgrades are worth knowing, not errors
    assert by_rule[("conditions", "condition", "etcd")]["severity"] == "info"
