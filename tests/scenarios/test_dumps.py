"""A `kubectl cluster-info dump` tree with a real incident in it, and manifests beside it.

The dump (see :mod:`tests.scenarios.dumps`) holds a rollout that added a
livenessProbe on the wrong port, its pods crash-looping 12 s later, an older
unrelated rollout (healthy for three days), a workload nobody touched, and two
Services. Nothing in it was recorded live: every time comes from the dump itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crumbs.timeutil import NS, format_time, parse_time
from tests.scenarios.dumps import loose_manifests, probe_rollout_dump


@pytest.fixture
def dump(cli, tmp_path: Path) -> dict[str, Any]:
    facts = probe_rollout_dump(tmp_path / "incident" / "dump")
    loose_manifests(tmp_path / "incident" / "manifests")
    result = cli("ingest", str(tmp_path / "incident"), "-o", "json")
    assert result.code == 0, result.err
    facts["ingest"] = result.json()
    return facts


def _at(text: str) -> int:
    t = parse_time(text)
    assert t is not None
    return t


def test_observed_at_the_dumps_own_time(cli, dump) -> None:
    (snap,) = dump["ingest"]["snapshots"]
    observed = _at(snap["observedAt"])
    # the newest time the dump holds (a node's heartbeat, 15 s before the dump was written):
    # not the wall clock, not later than the dump, and the manifests beside it do not move it
    assert dump["dump_at"] - 60 * NS <= observed <= dump["dump_at"]
    assert snap["reconstructed"] >= 3  # api's two templates and web's older one
    scan = cli("scan", "-o", "json").json()
    assert _at(scan["at"]) == observed
    info = cli("info", "-o", "json").json()
    assert _at(info["to"]) == observed


def test_the_rollout_is_cause_one_and_since_is_the_onset(cli, dump) -> None:
    findings = cli("scan", "-o", "json").json()["findings"]
    top = findings[0]
    assert (top["analyzer"], top["rule"], top["subject"]["kind"], top["subject"]["name"]) == (
        "pods", "crashloop", "Deployment", "api",
    )  # fmt: skip
    assert _at(top["since"]) == dump["onset"]  # the first crash, not the newest
    cause = top["causes"][0]
    assert cause["subject"]["name"] == "api" and cause["subject"]["kind"] == "Deployment"
    assert cause["actor"]["manager"] == "kubectl-client-side-apply"
    assert "livenessProbe" in cause["summary"]
    assert _at(cause["at"]) == dump["rollout_at"]
    assert "liveness probe" in top["detail"]  # the probe's failures are the crash loop's story
    assert not [f for f in findings if f["rule"] == "probe-failing"]
    # the Deployment's unavailability has the same root: told with the crash loop, not apart
    assert any("0 of 2" in a["title"] for a in top["also"])


def test_negative_controls_are_quiet(cli, dump) -> None:
    findings = cli("scan", "-o", "json").json()["findings"]
    subjects = {(f["subject"]["kind"], f["subject"]["name"]) for f in findings}
    for quiet in ("web", "worker", "billing"):
        assert not [s for s in subjects if s[1] == quiet or s[1].startswith(quiet + "-")], findings
    # the older rollout of web is never a cause of api's problem
    for f in findings:
        assert all(c["subject"]["name"] != "web" for c in f["causes"])


def test_service_unready_inferred_without_endpoints(cli, dump) -> None:
    findings = cli("scan", "-o", "json").json()["findings"]
    (svc,) = [f for f in findings if f["subject"]["kind"] == "Service"]
    assert (svc["rule"], svc["subject"]["name"]) == ("no-ready-pods", "api")
    assert svc["causes"][0]["subject"]["name"] == "api"
    assert "livenessProbe" in svc["causes"][0]["summary"]


def test_get_at_before_and_after_the_rollout(cli, dump) -> None:
    before = format_time(dump["rollout_at"] - 60 * NS)
    old = cli("get", "deploy/api", "-n", "shop", "--at", before, "-o", "json").json()
    containers = old["spec"]["template"]["spec"]["containers"]
    assert "livenessProbe" not in containers[0]  # the template the older ReplicaSet kept
    new = cli("get", "deploy/api", "-n", "shop", "-o", "json").json()
    assert (
        new["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] == 8081
    )
    # pods alive before the dump's time are listed as existing, their spec unknown before it
    pods = cli("get", "pods", "-n", "shop", "--at", format_time(dump["dump_at"] - 300 * NS))
    assert pods.code == 0
    assert "worker-1-g5h6i" in pods.out and "spec unknown before" in pods.out
    # before anything existed there is nothing, not the later spec
    long_ago = format_time(dump["dump_at"] - 90 * 86400 * NS)
    assert (
        "No resources found in shop namespace"
        in cli("get", "deploy", "-n", "shop", "--at", long_ago).err
    )


def test_loose_manifests_are_declared_not_live(cli, dump) -> None:
    listed = cli("get", "deploy", "-n", "shop").out
    assert "billing" in listed and "declared" in listed
    findings = cli("scan", "-o", "json").json()["findings"]
    titles = " ".join(f["title"] for f in findings)
    assert "billing" not in titles
    assert "load balancer" not in titles
