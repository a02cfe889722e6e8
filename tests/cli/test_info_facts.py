"""`info` answers from SQL counts and per-cluster facts kept in the store (issue 13 item 8)."""

from __future__ import annotations

from pathlib import Path

from crumbs.store import Store
from tests.conftest import watch_line


def _node(name: str, version: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "uid": f"u-{name}", "resourceVersion": "1", "creationTimestamp": "2026-11-01T00:00:00Z"},
            "status": {"nodeInfo": {"kubeletVersion": version}}}  # fmt: skip


def _ingest(cli, path: Path, *objects: dict) -> None:
    path.write_bytes(
        b"\n".join(watch_line("ADDED", o, "2026-11-27T10:00:00Z") for o in objects) + b"\n"
    )
    assert cli("ingest", str(path)).code == 0


def test_facts_are_kept_and_follow_the_store(cli, store_path: str, tmp_path: Path) -> None:
    pdb = {"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
           "metadata": {"name": "guard", "namespace": "shop", "uid": "u-pdb", "resourceVersion": "1"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}}  # fmt: skip
    _ingest(cli, tmp_path / "a.jsonl", _node("n1", "v1.24.3"), pdb)
    with Store.open(store_path) as store:
        kept = store.stored_facts("default", store.facts_stamp())
    assert kept is not None and kept["version"] == "v1.24.3"  # computed at ingest, kept
    info = cli("info", "-o", "json").json()
    (cluster,) = info["clusters"]
    assert (cluster["version"], cluster["nodes"], cluster["namespaces"]) == ("v1.24.3", 1, 2)
    assert [d["object"] for d in cluster["deprecatedApisInUse"]] == ["PodDisruptionBudget/guard"]
    # the store changes: the kept facts no longer describe it and are computed again
    _ingest(cli, tmp_path / "b.jsonl", _node("n2", "v1.25.1"))
    (cluster,) = cli("info", "-o", "json").json()["clusters"]
    assert (cluster["version"], cluster["nodes"]) == ("v1.25.1", 2)
    assert cluster["deprecatedApisInUse"][0]["severity"] == "error"  # removed in 1.25


def test_missing_facts_computed_again_and_a_read_only_store_keeps_none(
    cli, store_path: str, tmp_path: Path
) -> None:
    from crumbs.app.facts import facts_of

    _ingest(cli, tmp_path / "a.jsonl", _node("n1", "v1.29.0"))
    with Store.open(store_path) as store:
        store.db.execute("DELETE FROM cluster_facts")
    with Store.open(store_path, readonly=True) as store:
        assert facts_of(store, "default")["version"] == "v1.29.0"
        assert store.stored_facts("default", store.facts_stamp()) is None  # read-only: not kept
    (cluster,) = cli("info", "-o", "json").json()["clusters"]
    assert cluster["version"] == "v1.29.0"
    with Store.open(store_path) as store:
        assert store.stored_facts("default", store.facts_stamp()) is not None  # kept again
