"""``crumbs store copy`` between backends (verified, keys kept) and ``crumbs store prune``
(history before a time forgotten, each object's state then kept), on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crumbs.cli import main
from crumbs.cli.demo import recording
from crumbs.errors import StoreError
from crumbs.model import ObjectKey, Revision
from crumbs.store import Selector, Store
from crumbs.timeutil import NS, parse_time
from tests.backend import raw
from tests.conftest import deployment

DAY = 86400 * NS


def _demo_store(location: str, tmp: Path) -> None:
    (tmp / "incident.jsonl").write_bytes(recording())
    assert main(["--db", location, "ingest", str(tmp / "incident.jsonl")]) == 0


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    assert main(list(argv)) in (0, 3)  # 3: scan found problems
    return json.loads(capsys.readouterr().out)


@pytest.mark.postgres
def test_a_copy_to_the_other_backend_and_back_answers_the_same(
    store_path: str, postgres_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_store(store_path, tmp_path)
    other = postgres_server.database() if "://" not in store_path else str(tmp_path / "copy.db")
    back = str(tmp_path / "back.db") if "://" not in store_path else postgres_server.database()
    copied = _json(capsys, "store", "copy", store_path, other, "-o", "json")
    assert copied["verified"] and {t["table"] for t in copied["tables"]} >= {
        "revisions",
        "blobs",
        "events",
    }
    assert next(t for t in copied["tables"] if t["table"] == "revisions")["rows"] > 10
    _json(capsys, "store", "copy", other, back, "-o", "json")
    for args in (["timeline", "-o", "json"], ["scan", "-o", "json"], ["history", "deploy/billing", "-n", "shop", "-o", "json"]):  # fmt: skip
        answers = [_json(capsys, "--db", where, *args) for where in (store_path, other, back)]
        assert answers[0] == answers[1] == answers[2], args
    with Store.open(other) as copy:  # new writes continue after the copied ids
        before = max(r.id for r in copy.queries.between(None, None))
        with copy.writer() as w:
            w.add(Revision(ObjectKey("default", "apps", "Deployment", "shop", "new"), "u-new",
                           parse_time("2026-11-28T00:00:00Z"), None, deployment("new", uid="u-new")))  # fmt: skip
        assert max(r.id for r in copy.queries.between(None, None)) > before


def test_a_copy_into_a_store_that_holds_data_is_refused(store_path: str, tmp_path: Path) -> None:
    _demo_store(store_path, tmp_path)
    target = str(tmp_path / "full.db")
    _demo_store(target, tmp_path)
    with (
        Store.open(store_path) as src,
        Store.open(target) as dst,
        pytest.raises(StoreError, match="not empty"),
    ):
        src.copy_into(dst)


def test_a_copy_that_differs_is_reported(store_path: str, tmp_path: Path) -> None:
    from crumbs.store.copy import verify

    _demo_store(store_path, tmp_path)
    target = str(tmp_path / "copy.db")
    with Store.open(store_path) as src, Store.open(target) as dst:
        src.copy_into(dst)
        dst.db.execute(
            "UPDATE events SET message = 'edited' WHERE id = (SELECT min(id) FROM events)"
        )
        with pytest.raises(StoreError, match="table events"):
            verify(src.db, dst.db)


def _rev(name: str, day: int, image: str, uid: str | None = None) -> Revision:
    at = parse_time("2026-01-01T00:00:00Z") + day * DAY
    return Revision(ObjectKey("default", "apps", "Deployment", "shop", name), uid or f"u-{name}", at,
                    None, deployment(name, image=image, uid=uid or f"u-{name}"))  # fmt: skip


def test_prune_keeps_each_objects_state_at_the_cut(
    store_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(store_path) as store, store.writer() as w:
        for r in (
            _rev("old", 0, "a:1"), _rev("old", 10, "a:2"),           # unchanged since day 10: kept as it was
            _rev("busy", 0, "b:1"), _rev("busy", 20, "b:2"), _rev("busy", 120, "b:3"),
            _rev("late", 100, "c:1"),                                  # born after the cut: untouched
        ):  # fmt: skip
            w.add(r)
    cut = "2026-03-15T00:00:00Z"  # day 73
    doc = _json(capsys, "--db", store_path, "store", "prune", "--before", cut, "-o", "json")
    pg = "://" in store_path
    assert doc["cut"].startswith(
        "2026-03-01" if pg else "2026-03-15"
    )  # PostgreSQL: the month's start
    assert (doc["revisionsForgotten"], doc["revisionsKept"]) == (2, 2)
    assert bool(doc["partitionsDropped"]) == pg
    with Store.open(store_path) as store:
        now = store.queries.state_at(parse_time(cut))
        images = {
            r.key.name: r.doc["spec"]["template"]["spec"]["containers"][0]["image"] for r in now
        }
        assert images == {"old": "a:2", "busy": "b:2"}
        assert [r.doc["spec"]["template"]["spec"]["containers"][0]["image"]
                for r in store.queries.history(Selector(name="busy"))] == ["b:2", "b:3"]  # fmt: skip
        with store.writer() as w:  # old data ingested after a prune still has a place
            w.add(_rev("straggler", 5, "s:1"))
        assert [r.key.name for r in store.queries.history(Selector(name="straggler"))] == [
            "straggler"
        ]
    again = _json(
        capsys,
        "--db",
        store_path,
        "store",
        "prune",
        "--before",
        "2026-04-15T00:00:00Z",
        "-o",
        "json",
    )
    assert again["revisionsKept"] >= 2
    db = raw(store_path)
    assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == db.execute(
        "SELECT count(DISTINCT blob) FROM revisions").fetchone()[0]  # fmt: skip
    db.close()
