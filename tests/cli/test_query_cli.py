"""timeline, history, diff, get: against the bundled demo incident, text and JSON."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crumbs.timeutil import parse_time


@pytest.fixture
def demo_store(demo_cli):
    return demo_cli


def test_timeline_interleaves_changes_and_events(demo_store) -> None:
    out = demo_store(
        "timeline", "--from", "2026-11-27T14:05:00Z", "--to", "2026-11-27T14:21:00Z", "-o", "json"
    ).json()
    assert set(out) == {"from", "to", "entries"}
    assert out["from"] == "2026-11-27T14:05:00Z"
    entries = out["entries"]
    times = [parse_time(e["at"]) for e in entries]
    assert times == sorted(times)
    patch = next(
        e for e in entries if e["type"] == "change" and e["object"]["kind"] == "Deployment"
    )
    assert set(patch) == {"type", "at", "object", "revision", "summary", "paths", "actor"}
    assert set(patch["object"]) == {
        "cluster",
        "group",
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
    }
    assert set(patch["revision"]) >= {"id", "at", "type", "uid"}
    assert patch["summary"] == "image ghcr.io/acme/billing:1.4.2 → 2.0.0"
    assert patch["paths"] == ["spec.template.spec.containers[billing].image"]
    event = next(e for e in entries if e["type"] == "event")
    assert set(event["event"]) == {"id", "type", "reason", "message", "count", "source", "firstAt"}
    selector = next(e for e in entries if e["object"]["kind"] == "Service")
    assert selector["summary"] == "selector app=checkout → app=checkout-api"


def test_timeline_since_counts_back_from_the_store_clock(demo_store) -> None:
    entries = demo_store("timeline", "--since", "1h", "-o", "json").json()["entries"]
    assert entries and all(
        parse_time(e["at"]) >= parse_time("2026-11-27T14:01:38.6Z") for e in entries
    )
    assert any(parse_time(e["at"]) < parse_time("2026-11-27T14:06:00Z") for e in entries)
    only_jobs = demo_store("timeline", "--kind", "job", "--no-events", "-o", "json").json()[
        "entries"
    ]
    assert {e["object"]["kind"] for e in only_jobs} == {"Job"}
    text = demo_store("timeline", "-n", "shop", "--kind", "svc").out
    assert "selector app=checkout → app=checkout-api" in text


def test_history_and_diff(demo_store) -> None:
    h = demo_store("history", "deploy/billing", "-o", "json").json()
    assert h["object"]["name"] == "billing" and h["object"]["namespace"] == "shop"
    assert [r["summary"] for r in h["revisions"]][:1] == ["created (ghcr.io/acme/billing:1.4.1)"]
    assert [r["ordinal"] for r in h["revisions"]] == list(range(1, len(h["revisions"]) + 1))
    assert "image ghcr.io/acme/billing:1.4.2 → 2.0.0" in [r["summary"] for r in h["revisions"]]
    text = demo_store("history", "deployment", "billing", "-n", "shop").out
    assert "REV" in text and "image ghcr.io/acme/billing:1.4.2 → 2.0.0" in text
    d = demo_store("diff", "deploy/billing", "--from", "4", "--to", "5", "-o", "json").json()
    assert d["patch"] == [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "ghcr.io/acme/billing:2.0.0",
        }
    ]
    assert (d["from"]["ordinal"], d["to"]["ordinal"]) == (4, 5)
    text = demo_store("diff", "svc/checkout", "-n", "shop").out
    assert (
        "-  selector:" not in text
        and "+    app: checkout-api" in text
        and "-    app: checkout" in text
    )


def test_get_travels_in_time(demo_store) -> None:
    before = demo_store(
        "get", "deploy", "billing", "--at", "2026-11-27T14:00:00Z", "-o", "json"
    ).json()
    after = demo_store("get", "deploy/billing", "-o", "json").json()
    assert (
        before["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/acme/billing:1.4.2"
    )
    assert (
        after["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/acme/billing:2.0.0"
    )
    pods = yaml.safe_load(
        demo_store("get", "pods", "-n", "shop", "--at", "2026-11-27T14:05:00Z", "-o", "yaml").out
    )
    names = sorted(p["metadata"]["name"] for p in pods["items"])
    assert "billing-6d4c8b7f9-4xk7p" in names and not any(
        n.startswith("billing-7f5d9c6b8") for n in names
    )
    gone = demo_store("get", "pod", "billing-6d4c8b7f9-4xk7p")
    assert gone.code == 1 and "did not exist" in gone.err
    table = demo_store("get", "cronjobs")
    assert "billing-invoices" in table.out and "as of 2026-11-27T15:01:38.6Z" in table.err
    # kubectl's columns for the kind, as of the time
    assert table.out.splitlines()[0].split() == [
        "NAMESPACE",
        "NAME",
        "SCHEDULE",
        "TIMEZONE",
        "SUSPEND",
        "ACTIVE",
        "LAST",
        "SCHEDULE",
        "AGE",
    ]


def test_secret_values_are_not_shown(demo_store) -> None:
    out = demo_store("get", "secret", "billing-db", "-n", "shop", "-o", "json").json()
    assert out["data"]["password"].startswith("crumbs-redacted:")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("history", "gizmo/x"), 2, "unknown kind 'gizmo'"),
        (("history", "deploy/nope"), 1, "deploy/nope: not in the store"),
        (("history", "deploy"), 2, "expected KIND/NAME"),
        (("diff", "deploy/billing", "--to", "99"), 2, "the object has revisions 1 to"),
        (("diff", "deploy/billing", "--to", "x"), 2, "expected a revision number"),
        (("timeline", "--since", "yesterday"), 2, "not a time"),
        (("timeline", "--since", "1h", "--from", "2h"), 2, "cannot be used with"),
        (("get", "deploy", "--at", "lunch"), 2, "not a time"),
    ],
)
def test_usage_errors_are_one_line(demo_store, args: tuple, code: int, message: str) -> None:
    r = demo_store(*args)
    assert r.code == code
    assert message in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_ambiguous_name_asks_for_a_namespace(cli, tmp_path: Path) -> None:
    from tests.conftest import deployment, watch_line

    (tmp_path / "w.jsonl").write_bytes(
        watch_line("ADDED", deployment(ns="a", uid="1"))
        + b"\n"
        + watch_line("ADDED", deployment(ns="b", uid="2"))
        + b"\n"
    )
    cli("ingest", str(tmp_path / "w.jsonl"))
    r = cli("history", "deploy/billing")
    assert r.code == 2 and "several namespaces (a, b): give -n" in r.err
    assert cli("history", "deploy/billing", "-n", "b").code == 0


def test_an_empty_store_says_so(cli) -> None:
    cli("ingest", "-", stdin=b"")
    r = cli("timeline", "--since", "1h")
    assert r.code == 1 and "the store is empty" in r.err


def test_the_kubectl_plugin_name_runs_the_same_cli(tmp_path: Path) -> None:
    plugin = shutil.which("kubectl-crumbs", path=str(Path(sys.executable).parent))
    assert plugin, "kubectl-crumbs is not installed next to this Python"
    r = subprocess.run([plugin, "--help"], capture_output=True, text=True, check=True)
    assert "kubectl crumbs" in r.stdout and "timeline" in r.stdout
    r = subprocess.run(
        [plugin, "--db", str(tmp_path / "x.db"), "timeline"], capture_output=True, text=True
    )
    assert r.returncode == 1 and r.stderr.startswith("crumbs: error:")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("nosuchcommand",), 2),
        (("timeline", "--nosuchoption"), 2),
        (("history",), 2),
        (("--version",), 0),
    ],
)
def test_click_usage_errors_are_short_and_have_no_traceback(cli, args: tuple, code: int) -> None:
    r = cli(*args)
    assert r.code == code
    assert "Traceback" not in r.err and "crashed" not in r.err


def test_info(demo_cli) -> None:
    doc = demo_cli("info", "-o", "json").json()
    assert doc["counts"]["revisions"] > 0 and doc["from"] < doc["to"]
    (cluster,) = doc["clusters"]
    assert cluster["namespaces"] >= 1 and cluster["version"] is None
    assert "version is unknown" in doc["apiFacts"]  # the demo records no Nodes
    assert f"cluster {cluster['name']}" in demo_cli("info").out


def test_get_speaks_kubectl(demo_store) -> None:
    """Issue 21: kubectl's columns, -o name and wide, -A, -l, --field-selector, several kinds."""
    pods = demo_store("get", "pods", "-A").out.splitlines()
    assert pods[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {line.split()[1]: line.split() for line in pods[1:]}
    assert rows["checkout-7d9f8-k2xqv"][2:4] == ["1/1", "Running"]
    assert any(r[3] == "Error" for r in rows.values())  # the failed CronJob runs, as kubectl says
    wide = demo_store("get", "pods", "-n", "shop", "-o", "wide", "-l", "app=checkout").out
    assert wide.splitlines()[0].split()[-5:] == ["NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    assert len(wide.splitlines()) == 3 and "10.244.1.17" in wide
    names = demo_store("get", "deploy,svc", "-n", "shop", "-o", "name").out.split()
    assert "deployment.apps/billing" in names and "service/checkout" in names
    failed = demo_store("get", "pods", "--field-selector", "status.phase=Failed", "-o", "name").out.split()  # fmt: skip
    running = demo_store("get", "pods", "--field-selector", "status.phase!=Failed", "-o", "name").out.split()  # fmt: skip
    assert failed and running and not set(failed) & set(running)
    assert demo_store("get", "pods", "-l", "app notin (checkout),!nope", "-o", "name").out
    bad = demo_store("get", "pods", "-l", "app===x")
    assert bad.code == 2 and "not a label requirement" in bad.err and "Traceback" not in bad.err
    both = demo_store("get", "pods", "-A", "-n", "shop")
    assert both.code == 2 and "choose one" in both.err


def test_timeline_takes_kubectls_label_selector(demo_store) -> None:
    """Issue 21: -l on the timeline: the changes of objects with those labels, and the Events of
    the objects that match; -A with -n is refused."""
    doc = demo_store(
        "timeline", "-l", "app.kubernetes.io/name=billing", "--since", "3h", "-o", "json"
    ).json()
    names = {(e["object"]["kind"], e["object"]["name"]) for e in doc["entries"]}
    assert ("Deployment", "billing") in names
    assert not any(name == "checkout" for _, name in names)  # its selector edit is another app's
    assert all(e["type"] in ("change", "event") for e in doc["entries"])
    everything = demo_store("timeline", "--since", "3h", "-o", "json").json()["entries"]
    assert len(doc["entries"]) < len(everything)
    assert demo_store("timeline", "-A", "-n", "shop").code == 2
