"""`crumbs demo`: the bundled incident, told as a timeline."""

from __future__ import annotations

from pathlib import Path


def test_demo_tells_the_story(cli, tmp_path: Path) -> None:
    r = cli("demo", db=None)
    assert r.code == 0, r.err
    for line in (
        "shop/Deployment/billing  image ghcr.io/acme/billing:1.4.2 → 2.0.0",
        "shop/Service/checkout  selector app=checkout → app=checkout-api",
        "shop/EndpointSlice/checkout-x7h2k  ready endpoints 2 → 0",
        "BackoffLimitExceeded",
        "invoices terminated: Error (exit 1): invoice run aborted: database schema version 7",
    ):
        assert line in r.out, line
    assert "hunter2" not in r.out


def test_demo_into_a_chosen_store_as_json(cli, store_path: str) -> None:
    out = cli("demo", "-o", "json").json()
    assert out["store"] == store_path
    kinds = {e["object"]["kind"] for e in out["timeline"]}
    assert {
        "Deployment",
        "CronJob",
        "Job",
        "Pod",
        "Service",
        "EndpointSlice",
        "ConfigMap",
        "Secret",
    } <= kinds
    again = cli("demo", "-o", "json").json()  # a second load adds nothing
    assert len(again["timeline"]) == len(out["timeline"])
