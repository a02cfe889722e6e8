"""``watch --notify``: error findings told once per root cause when seen twice in a row, and
their end when gone twice in a row, to a Slack stand-in over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from crumbs.app.findingalerts import FindingAlerts, group_key
from crumbs.notify.config import parse
from crumbs.redaction import sharing
from crumbs.store import Selector, Store
from tests.conftest import watch_line
from tests.fakes.chat import TOKEN, ChatServer


def test_findings_are_told_once_per_cause_and_their_end_too(
    demo_cli, store_path: str, tmp_path: Path
) -> None:
    with ChatServer() as chat:
        alerting = parse({"notify": {
            "destinations": {"oncall": {"type": "slack", "channel": "#oncall", "token": TOKEN, "api_url": chat.url + "/api/"}},
            "routes": [{"name": "oncall", "destinations": ["oncall"]}, {"name": "other", "destinations": ["oncall"]}]}})  # fmt: skip
        teller = FindingAlerts(alerting, ["oncall"], sharing())
        with Store.open(store_path, create=False, redactor=sharing()) as store:
            assert teller.tick(store) == []  # seen once: not yet (a blip is not paged)
            sent = teller.tick(store)
            assert len(sent) == 2 and all(
                h.delivered == 1 for h in sent
            )  # the Service's, the CronJob's
            assert teller.tick(store) == []  # told already
        posts = [c.json() for c in chat.chat.to("/api/chat.postMessage")]
        assert len(posts) == 2 and all(p["text"].startswith("Firing: ") for p in posts)
        selector = next(p for p in posts if "selector" in p["text"])
        assert "kubectl-edit (human)" in selector["text"]

        # the selector is put back: that finding ends, and its end goes to its thread
        with Store.open(store_path, create=False) as store:
            svc = store.queries.history(
                Selector(namespace="shop", kinds=[("", "Service")], name="checkout")
            )[-1].doc
            before = store.queries.history(
                Selector(
                    namespace="shop",
                    kinds=[("discovery.k8s.io", "EndpointSlice")],
                    name="checkout-x7h2k",
                )
            )[0].doc
        fixed = {
            **svc,
            "metadata": {**svc["metadata"], "resourceVersion": "99999"},
            "spec": {**svc["spec"], "selector": {"app": "checkout"}},
        }
        ready = {
            **before,
            "metadata": {**before["metadata"], "resourceVersion": "100000"},
        }  # its endpoints ready again
        (tmp_path / "fix.jsonl").write_bytes(
            watch_line("MODIFIED", fixed, "2026-11-27T15:05:00Z")
            + b"\n"
            + watch_line("MODIFIED", ready, "2026-11-27T15:05:02Z")
            + b"\n"
        )
        assert demo_cli("ingest", str(tmp_path / "fix.jsonl")).code == 0
        with Store.open(store_path, create=False, redactor=sharing()) as store:
            first = teller.tick(store)
            assert all(
                h.investigation.alert.status == "firing" for h in first
            )  # missed once: no end yet
            later = teller.tick(store)
        (ended,) = [h for h in later if h.investigation.alert.status == "resolved"]
        assert "selector" in ended.investigation.headline
        reply = next(
            c.json()
            for c in chat.chat.to("/api/chat.postMessage")
            if c.json()["text"].startswith("Resolved")
        )
        assert reply["thread_ts"]
        assert (
            json.dumps(chat.chat.messages[(reply["channel"], reply["thread_ts"])]).count("selector")
            >= 1
        )


def test_findings_of_one_cause_share_a_group() -> None:
    cause = {"subject": {"kind": "Deployment", "namespace": "shop", "name": "api"}, "revision": 41}
    pods = [{"id": f"F{i:012x}", "causes": [cause]} for i in range(20)]
    alone = {"id": "Fabcdefabcdef", "causes": []}
    assert len({group_key(p) for p in pods}) == 1  # type: ignore[arg-type]
    assert group_key(alone) == "finding Fabcdefabcdef"  # type: ignore[arg-type]
