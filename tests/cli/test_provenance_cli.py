"""blame, actors on the timeline, --channel: against the demo incident and the corpus."""

from __future__ import annotations

import pytest

from tests.conftest import need_corpus


@pytest.fixture
def demo(demo_cli):
    return demo_cli


def test_timeline_names_who_changed_what(demo) -> None:
    entries = demo(
        "timeline",
        "--from",
        "2026-11-27T14:05:00Z",
        "--to",
        "2026-11-27T14:21:00Z",
        "--no-events",
        "-o",
        "json",
    ).json()["entries"]
    by_summary = {e["summary"]: e["actor"] for e in entries}
    patch = by_summary["image ghcr.io/acme/billing:1.4.2 → 2.0.0"]
    assert patch == {
        "manager": "kubectl-patch",
        "operation": "Update",
        "channel": "human",
        "tool": "kubectl patch",
        "certain": True,
        "basis": "managedFields",
    }
    assert by_summary["selector app=checkout → app=checkout-api"]["manager"] == "kubectl-edit"
    deleted = next(e["actor"] for e in entries if e["summary"] == "deleted")
    assert (
        deleted["manager"] is None
        and deleted["channel"] == "unknown"
        and deleted["note"].startswith("attribution unknown")
    )
    text = demo("timeline", "--since", "1h", "--no-events").out
    assert "‹kubectl-edit · human›" in text


def test_channel_filter(demo) -> None:
    human = demo("timeline", "--channel", "human", "-o", "json").json()["entries"]
    assert [(e["object"]["kind"], e["actor"]["manager"]) for e in human] == [
        ("Namespace", "kubectl-create"),
        ("Deployment", "kubectl-client-side-apply"),
        ("Service", "kubectl-client-side-apply"),
        ("Deployment", "kubectl-patch"),
        ("Service", "kubectl-edit"),
    ]
    helm = demo("timeline", "--channel", "helm", "-o", "json").json()["entries"]
    assert {e["object"]["name"] for e in helm} >= {"billing", "billing-config", "billing-invoices"}
    assert all(e["type"] == "change" for e in helm)
    bad = demo("timeline", "--channel", "aliens")
    assert bad.code == 2 and "not a channel" in bad.err


def test_blame_from_the_store(demo) -> None:
    out = demo("blame", "deploy/billing", "-o", "json").json()
    assert set(out) == {"object", "at", "problems", "lines"}
    image = next(ln for ln in out["lines"] if "image: ghcr.io/acme/billing:2.0.0" in ln["text"])
    assert (image["manager"], image["operation"], image["channel"]) == (
        "kubectl-patch",
        "Update",
        "human",
    )
    assert image["time"] == "2026-11-27T14:05:12Z" and image["since"]["ordinal"] == 5
    replicas = next(ln for ln in out["lines"] if ln["text"].strip() == "replicas: 2")
    assert replicas["manager"] == "helm" and replicas["since"]["ordinal"] == 1
    before = demo("blame", "deploy/billing", "--at", "2026-11-27T14:00:00Z", "-o", "json").json()
    old = next(ln for ln in before["lines"] if "image:" in ln["text"])
    assert old["manager"] == "helm" and "1.4.2" in old["text"]
    text = demo("blame", "deploy/billing").out
    assert "kubectl-patch" in text and "r5" in text


@pytest.mark.corpus
def test_blame_files_as_kubectl_blame_does(cli) -> None:
    path = need_corpus() / "gitops-engine" / "diff" / "ssd-deploy-with-manual-apply-live.yaml"
    out = cli("blame", "-f", str(path), "-o", "json").json()
    (blamed,) = out
    idle = next(ln for ln in blamed["lines"] if "image: spurin/idle:latest" in ln["text"])
    assert (idle["manager"], idle["channel"]) == ("kubectl-client-side-apply", "human")
    managers = {ln["manager"] for ln in blamed["lines"]}
    assert {"argocd-controller", "kube-controller-manager", "kubectl-client-side-apply"} <= managers
    assert cli("blame", "deploy/nothing-like-this", "-f", str(path)).code == 1


def test_rollouts_releases_and_drift_tell_the_story(demo) -> None:
    out = demo("rollouts", "deploy/billing", "-o", "json").json()
    revs = out["revisions"]
    assert [(r["revision"], r["name"], r["current"]) for r in revs] == [
        (1, "billing-5c8f7d6b4", False),
        (2, "billing-6d4c8b7f9", False),
        (3, "billing-7f5d9c6b8", True),
    ]
    assert [r["actor"]["manager"] for r in revs] == ["helm", "helm", "kubectl-patch"]
    assert revs[2]["summary"] == "image ghcr.io/acme/billing:1.4.2 → 2.0.0"
    assert demo("rollouts", "svc/checkout").code == 2
    releases = demo("releases", "-o", "json").json()["releases"]
    assert [(r["name"], r["revision"], r["status"], r["chartVersion"]) for r in releases] == [
        ("billing", 2, "deployed", "1.4.2")
    ]
    history = demo("releases", "billing", "-o", "json").json()["revisions"]
    assert [(r["revision"], r["status"]) for r in history] == [(1, "superseded"), (2, "deployed")]
    assert {"op": "replace", "path": "/image/tag", "value": "1.4.2"} in history[1]["patch"]
    assert history[1]["values"]["db"]["password"].startswith("crumbs-redacted:")
    assert "Deployment/billing" in history[1]["resources"]
    drift = demo("drift", "-o", "json").json()
    (billing,) = drift["drift"]
    assert billing["owner"]["kind"] == "Helm release" and billing["owner"]["name"] == "billing"
    (field,) = billing["fields"]
    assert (field["path"], field["manager"], field["channel"]) == (
        "spec.template.spec.containers[billing].image",
        "kubectl-patch",
        "human",
    )
    assert field["value"] == "ghcr.io/acme/billing:2.0.0" and field["ageSeconds"] == 3386
    assert sorted(u["object"]["kind"] + "/" + u["object"]["name"] for u in drift["unowned"]) == [
        "Deployment/checkout",
        "Service/checkout",
    ]
    # kubectl's -l and -A where they mean something
    helm = demo("drift", "-A", "-l", "app.kubernetes.io/managed-by=Helm", "-o", "json").json()
    assert [d["object"]["name"] for d in helm["drift"]] == ["billing"] and helm["unowned"] == []
    hand = demo("drift", "-l", "app=checkout", "-o", "json").json()
    assert hand["drift"] == [] and len(hand["unowned"]) == 2
    assert demo("releases", "-A", "-o", "json").json()["releases"] == releases
    assert demo("releases", "-A", "-n", "default").code == 2
    assert demo("drift", "-A", "-n", "default").code == 2


@pytest.mark.corpus
def test_the_kspan_rollout_is_attributed(cli) -> None:
    """A real rollback recorded by kspan: kubectl apply set podinfo back to 5.0.0; controllers did the rest."""
    assert cli("ingest", str(need_corpus() / "kspan")).code == 0
    entries = cli("timeline", "--no-events", "-o", "json").json()["entries"]
    by_object = {(e["object"]["kind"], e["object"]["name"]): e for e in entries}
    deploy = by_object[("Deployment", "px")]
    assert deploy["summary"].startswith("first seen (created 2021-05-05T16:22:15Z)")
    assert (deploy["actor"]["manager"], deploy["actor"]["channel"], deploy["actor"]["certain"]) == (
        "kubectl-client-side-apply",
        "human",
        True,
    )
    others = [e for e in entries if e is not deploy]
    assert others and {e["actor"]["manager"] for e in others} == {"kube-controller-manager"}
    rollouts = cli("rollouts", "deploy/px", "-n", "default", "-o", "json").json()["revisions"]
    assert [(r["revision"], r["current"]) for r in rollouts] == [(2, False), (3, True)]
    assert rollouts[1]["summary"] == "image ghcr.io/stefanprodan/podinfo:5.1.3 → 5.0.0"
