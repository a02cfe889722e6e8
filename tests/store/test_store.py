"""The trail store: created whole, migrated forward, append-only, deduplicated, queryable."""

from __future__ import annotations

import copy
import os
import sqlite3
from pathlib import Path

import pytest

from crumbs.errors import StoreError, StoreVersionError
from crumbs.model import Event, ObjectKey, Revision, RevisionType
from crumbs.store import Selector, Store
from crumbs.store.connection import APPLICATION_ID
from crumbs.store.dbapi import Connection, is_postgres
from crumbs.store.schema import MIGRATIONS
from crumbs.timeutil import NS, parse_time
from tests.backend import columns, disk_bytes, raw
from tests.conftest import deployment

T0 = parse_time("2026-11-27T14:00:00Z")
KEY = ObjectKey("c", "apps", "Deployment", "shop", "billing")
DEPLOYS = Selector(kinds=[("apps", "Deployment")], name="billing")


def rev(
    doc: dict, at: int | None, rtype: RevisionType | None = RevisionType.MODIFIED, uid: str = "u-1"
) -> Revision:
    return Revision(KEY, uid, at, rtype, doc)


def named_deployment(i: int, n: int, replicas: int) -> Revision:
    """Revision ``i`` of the Deployment ``d{n}``."""
    key = ObjectKey("c", "apps", "Deployment", "shop", f"d{n}")
    return Revision(
        key, f"u{n}", T0 + i, None, deployment(name=f"d{n}", uid=f"u{n}", replicas=replicas)
    )


def write(store: Store, *records, **options) -> object:
    with store.writer(**options) as w:
        for r in records:
            w.add(r)
    return w.stats


def test_a_new_store_is_complete_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "crumbs.db"
    Store.open(str(path)).close()
    assert sorted(os.listdir(path.parent)) == ["crumbs.db"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in db.execute("SELECT name FROM migrations")] == [
        name for name, _ in MIGRATIONS
    ]
    # nothing that keys the Secret value digests is in the store file (issue 12 item 13)
    assert db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone() is None


def test_opening_for_queries_does_not_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store here"):
        Store.open(str(tmp_path / "none.db"), create=False)
    assert not (tmp_path / "none.db").exists()


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a Crumbs store"):
        Store.open(str(junk))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="another application"):
        Store.open(str(other))
    assert junk.read_bytes().startswith(b"this is not sqlite")  # untouched


def test_a_store_from_a_newer_crumbs_is_refused(store_path: str) -> None:
    Store.open(store_path).close()
    db = raw(store_path)
    db.execute("INSERT INTO migrations VALUES ('9999_from_the_future', 0)")
    db.close()
    with pytest.raises(StoreVersionError, match="9999_from_the_future"):
        Store.open(store_path)


def test_pending_migrations_are_applied_in_order(
    store_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(store_path).close()
    applied = []

    def add_column(db: Connection) -> None:
        applied.append("0002")
        db.execute("ALTER TABLE objects ADD COLUMN note TEXT")

    for backend in ("connection", "pgschema"):
        monkeypatch.setattr(
            f"crumbs.store.{backend}.MIGRATIONS", [*MIGRATIONS, ("9001_note", add_column)]
        )
    Store.open(store_path).close()
    Store.open(store_path).close()
    assert applied == ["0002"]
    db = raw(store_path)
    names = [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY applied_at, name")]
    assert names == [name for name, _ in MIGRATIONS] + ["9001_note"]
    assert "note" in columns(db, "objects")
    db.close()


def test_a_failing_migration_leaves_the_store_as_it_was(
    store_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(store_path).close()

    def broken(db: Connection) -> None:
        db.execute("ALTER TABLE objects ADD COLUMN half TEXT")
        raise RuntimeError("disk on fire")

    for backend in ("connection", "pgschema"):
        monkeypatch.setattr(
            f"crumbs.store.{backend}.MIGRATIONS", [*MIGRATIONS, ("9001_broken", broken)]
        )
    with pytest.raises(RuntimeError):
        Store.open(store_path)
    db = raw(store_path)
    assert "half" not in columns(db, "objects")
    assert [r[0] for r in db.execute("SELECT name FROM migrations")] == [
        name for name, _ in MIGRATIONS
    ]


def test_same_document_is_one_revision_and_changes_are_appended(store: Store) -> None:
    a, b = deployment(), deployment(image="ghcr.io/acme/billing:2.0.0")
    s = write(
        store,
        rev(a, T0, RevisionType.ADDED),
        rev(a, T0 + NS),
        rev(b, T0 + 2 * NS),
        rev(a, T0 + 3 * NS),
    )
    assert (s.revisions, s.unchanged) == (3, 1)
    history = store.queries.history(DEPLOYS)
    assert [
        (r.ordinal, r.type.name, r.doc["spec"]["template"]["spec"]["containers"][0]["image"][-5:])
        for r in history
    ] == [(1, "ADDED", "1.4.2"), (2, "MODIFIED", "2.0.0"), (3, "MODIFIED", "1.4.2")]
    assert store.queries.counts()["documents"] == 2  # a back-to-a stores the document once


def test_reingesting_the_same_records_adds_nothing(store: Store) -> None:
    records = [rev(deployment(replicas=n), T0 + n * NS) for n in range(5)]
    undated = Revision(
        ObjectKey("c", "", "ConfigMap", "shop", "cfg"),
        "",
        None,
        None,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "shop"},
            "data": {"a": "1"},
        },
    )
    event = Event(KEY, "u-1", None, "Warning", "BackOff", "back-off", 3, "kubelet", None, "e-1")
    first = write(store, *records, undated, event, ingest_time=T0)
    again = write(store, *records, undated, event, ingest_time=T0 + 3600 * NS)
    assert (first.revisions, first.events) == (6, 1)
    assert (again.revisions, again.unchanged, again.events) == (0, 6, 0)


def test_out_of_order_revisions_find_their_place(store: Store) -> None:
    docs = [deployment(replicas=n) for n in range(4)]
    write(store, rev(docs[0], T0), rev(docs[3], T0 + 30 * NS))
    s = write(
        store, rev(docs[1], T0 + 10 * NS), rev(docs[1], T0 + 11 * NS), rev(docs[2], T0 + 20 * NS)
    )
    assert (s.revisions, s.unchanged) == (2, 1)
    assert [r.doc["spec"]["replicas"] for r in store.queries.history(DEPLOYS)] == [0, 1, 2, 3]


def test_deletion_and_recreation_with_a_new_uid(store: Store) -> None:
    doc = deployment()
    write(store, rev(doc, T0, RevisionType.ADDED), rev(doc, T0 + NS, RevisionType.DELETED))
    reborn = deployment(uid="u-2")
    write(store, rev(reborn, T0 + 2 * NS, None, uid="u-2"))
    history = store.queries.history(DEPLOYS)
    assert [(r.ordinal, r.type.name, r.uid) for r in history] == [
        (1, "ADDED", "u-1"),
        (2, "DELETED", "u-1"),
        (3, "ADDED", "u-2"),
    ]
    q = store.queries
    assert q.state_at(T0, DEPLOYS)[0].uid == "u-1"
    assert q.state_at(T0 + NS, DEPLOYS) == []  # deleted
    assert q.state_at(T0 + 2 * NS, DEPLOYS)[0].uid == "u-2"
    assert q.state_at(T0 - 1, DEPLOYS) == []  # before it existed


def test_windows_and_selectors(store: Store) -> None:
    recs = []
    for i, ns in enumerate(("shop", "shop", "pay")):
        key = ObjectKey("c", "", "ConfigMap", ns, f"cm{i}")
        doc = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm{i}", "namespace": ns},
            "data": {"v": str(i)},
        }
        recs.append(Revision(key, f"u{i}", T0 + i * 60 * NS, RevisionType.ADDED, doc))
    recs.append(rev(deployment(), T0 + 90 * NS, RevisionType.ADDED))
    write(store, *recs)
    q = store.queries
    assert [r.key.name for r in q.between(T0 + 30 * NS, T0 + 120 * NS)] == ["cm1", "billing", "cm2"]
    assert [
        r.key.name
        for r in q.between(None, None, Selector(namespace="shop", kinds=[("", "ConfigMap")]))
    ] == ["cm0", "cm1"]
    assert [r.key.name for r in q.between(None, T0, Selector())] == ["cm0"]
    assert [r.key.name for r in q.state_at(T0 + 60 * NS, Selector(namespace="shop"))] == [
        "cm0",
        "cm1",
    ]
    assert q.latest_time() == T0 + 120 * NS
    assert q.namespaces_of(Selector(kinds=[("", "ConfigMap")])) == ["pay", "shop"]


def test_events_are_kept_on_their_object(store: Store) -> None:
    write(
        store,
        rev(deployment(), T0, RevisionType.ADDED),
        Event(
            KEY,
            "u-1",
            T0 + 5 * NS,
            "Normal",
            "ScalingReplicaSet",
            "Scaled up",
            1,
            "deployment-controller",
            None,
            "e1",
        ),
        Event(
            ObjectKey("c", "", "Pod", "shop", "p"),
            "",
            T0 + 9 * NS,
            "Warning",
            "BackOff",
            "Back-off",
            4,
            "kubelet",
            T0,
            "e2",
        ),
    )
    q = store.queries
    assert [e.reason for e in q.events(None, None, DEPLOYS)] == ["ScalingReplicaSet"]
    (backoff,) = q.events(T0 + 6 * NS, None)
    assert (backoff.key.kind, backoff.count, backoff.first_at) == ("Pod", 4, T0)
    assert q.latest_time() == T0 + 9 * NS


def test_secret_values_never_reach_the_disk(store: Store) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop", "annotations": {}},
        "data": {"password": "aHVudGVyMi1zdXBlci1zZWNyZXQ="},
        "stringData": {"token": "tok-0123456789-very-secret"},
    }
    secret["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
        '{"apiVersion":"v1","kind":"Secret","stringData":{"token":"tok-0123456789-very-secret"}}'
    )
    key = ObjectKey("c", "", "Secret", "shop", "db")
    changed = copy.deepcopy(secret)
    changed["data"]["password"] = "b3RoZXItc2VjcmV0LXZhbHVl"
    write(store, Revision(key, "s", T0, None, secret), Revision(key, "s", T0 + NS, None, changed))
    history = store.queries.history(Selector(kinds=[("", "Secret")]))
    stored = [
        store.queries.decoder.raw(d, b) for d, b in store.db.execute("SELECT dict, data FROM blobs")
    ]
    for blob in stored:
        assert (
            b"hunter2" not in blob and b"aHVudGVyMi" not in blob and b"tok-0123456789" not in blob
        )
    assert b"hunter2" not in disk_bytes(store) and b"tok-0123456789" not in disk_bytes(store)
    first, second = (r.doc for r in history)
    assert set(first["data"]) == {"password"} and first["data"]["password"].startswith(
        "crumbs-redacted:"
    )
    assert first["data"]["password"] != second["data"]["password"]  # the change stays visible
    assert first["stringData"]["token"] == second["stringData"]["token"]


def test_dictionaries_are_trained_and_every_blob_still_decodes(store: Store) -> None:
    records = [named_deployment(i, i, i % 7) for i in range(1500)]
    write(store, *records, batch_size=500)
    (n_dicts,) = store.db.execute("SELECT count(*) FROM dictionaries").fetchone()
    assert n_dicts == 1
    with_dict = store.db.execute("SELECT count(*) FROM blobs WHERE dict IS NOT NULL").fetchone()[0]
    assert 0 < with_dict < 1500  # blobs written before the first dictionary stay without
    docs = [r.doc for r in store.queries.between(None, None)]
    assert [d["metadata"]["name"] for d in docs] == [f"d{i}" for i in range(1500)]
    assert docs[700] == records[700].doc


def cm(n: int, payload: str = "") -> Revision:
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"cm{n}", "namespace": "shop"},
        "data": {"p": payload},
    }
    return Revision(ObjectKey("c", "", "ConfigMap", "shop", f"cm{n}"), f"u{n}", T0 + n, None, doc)


def test_a_batch_that_fails_midway_is_rolled_back_whole_and_the_writer_goes_on(
    store: Store,
) -> None:
    with store.writer(batch_size=50, parallel=False) as w:
        for n in range(50):
            w.add(cm(n))
        w.flush()
        db = w._local._db
        fill_the_disk(db)  # during the next batch
        with pytest.raises(StoreError, match="full"):
            for n in range(50, 100):
                w.add(cm(n, os.urandom(3000).hex()))
            w.flush()
        free_the_disk(db)
        w.add(cm(999))
    names = [r.key.name for r in store.queries.between(None, None)]
    assert names == [f"cm{n}" for n in range(50)] + ["cm999"]
    if not is_postgres(store.db):
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def fill_the_disk(db: Connection) -> None:
    """The disk fills up: SQLite's page limit, or PostgreSQL's own error raised by a trigger
    on the first large document (the message a full disk gives)."""
    if not is_postgres(db):
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 8}")
        return
    db.execute(
        "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.size > 3000 THEN "
        "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
        "END IF; RETURN NEW; END $$"
    )
    db.execute(
        "CREATE TRIGGER full_disk BEFORE INSERT ON blobs FOR EACH ROW EXECUTE FUNCTION full_disk()"
    )


def free_the_disk(db: Connection) -> None:
    if not is_postgres(db):
        db.execute("PRAGMA max_page_count = 1073741823")
        return
    db.execute("DROP TRIGGER full_disk ON blobs")


def test_the_writer_process_reports_failures_and_drops_what_was_queued_behind(store: Store) -> None:
    blocker = raw(store.path)
    with store.writer(batch_size=10, parallel=True, busy_timeout_ms=200) as w:
        for n in range(20):
            w.add(cm(n))
        w.flush()
        blocker.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
        with pytest.raises(StoreError, match="locked"):
            for n in range(20, 50):
                w.add(cm(n))
            w.flush()
        blocker.execute("ROLLBACK")
        for n in range(100, 110):
            w.add(cm(n))
        w.flush()
        assert (w.stats.revisions, w.stats.unchanged) == (30, 0)
    names = [r.key.name for r in store.queries.between(None, None)]
    assert names == [f"cm{n}" for n in range(20)] + [f"cm{n}" for n in range(100, 110)]


def test_the_writer_process_stores_what_the_local_writer_would(store_path: str, tmp_path) -> None:
    records = [named_deployment(i, i % 700, i) for i in range(3000)]
    results = []
    for mode, path in ((False, str(tmp_path / "local.db")), (True, str(tmp_path / "remote.db"))):
        with Store.open(path) as s:
            with s.writer(batch_size=400, parallel=mode) as w:
                for r in records:
                    w.add(r)
            results.append(
                (
                    [(r.key.name, r.at, r.doc) for r in s.queries.between(None, None)],
                    w.stats.revisions,
                )
            )
    assert results[0] == results[1]
    assert results[0][1] == 3000


def test_what_json_cannot_hold_is_a_problem_and_the_rest_goes_in(store: Store) -> None:
    odd = rev({**deployment(replicas=9), "tags": {1, 2}}, T0 + 9 * NS)  # YAML's !!set
    odd.where = "odd.yaml:3"
    s = write(store, rev(deployment(), T0), odd, rev(deployment(replicas=3), T0 + 10 * NS))
    assert s.revisions == 2
    assert [str(p) for p in s.problems] == [
        "odd.yaml:3: not representable as JSON: Type is not JSON serializable: set"
    ]


def test_oversized_objects_are_refused_by_the_writer(store: Store) -> None:
    big = deployment()
    big["metadata"]["annotations"] = {"blob": "x" * 5000}
    s = write(store, rev(big, T0), rev(deployment(), T0 + NS), max_document=4000)
    assert s.revisions == 1 and len(s.problems) == 1 and "exceeds" in s.problems[0].message


@pytest.mark.parametrize(
    "url", ["mysql://root@db/crumbs", "redis://cache:6379", "mysql:", "HTTP://x/y"]
)
def test_a_url_of_an_unsupported_kind_is_refused_and_creates_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """Issue 12 item 7."""
    monkeypatch.chdir(tmp_path)
    r = cli("ingest", "-", stdin=b"", db=url)
    assert r.code == 1 and "not supported" in r.err and len(r.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_sqlite_urls_name_files(tmp_path: Path) -> None:
    Store.open(f"sqlite://{tmp_path}/a.db").close()
    Store.open(f"sqlite:///{tmp_path}/b.db").close()
    assert (tmp_path / "a.db").is_file() and (tmp_path / "b.db").is_file()
