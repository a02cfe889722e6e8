"""``crumbs logs``, ``ingest --pod`` and log retention: what a user reads back, and what is kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crumbs.store import Store
from crumbs.store.logretention import DAY, LogPolicy, prune_logs
from crumbs.store.transaction import transaction

LINES = (
    "2026-11-27T14:05:01Z starting inventory 5.2.0\n"
    "2026-11-27T14:05:02Z ERROR couldn't read LOG_LEVEL: token=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
    "2026-11-27T14:05:03Z exiting with status 1\n"
)


def test_ingest_a_kubectl_logs_file_and_read_it_back(cli, tmp_path: Path) -> None:
    log = tmp_path / "inventory.log"
    log.write_text(LINES)
    assert (
        cli("ingest", str(log), "--pod", "shop/inventory-7b9c", "-c", "app", "--previous").code == 0
    )
    got = cli("logs", "inventory-7b9c", "-o", "json").json()
    [chunk] = got["logs"]
    assert (got["namespace"], chunk["container"], chunk["previous"]) == ("shop", "app", True)
    assert (chunk["firstAt"], chunk["lastAt"], chunk["capturedAt"]) == (
        "2026-11-27T14:05:01Z", "2026-11-27T14:05:03Z", "2026-11-27T14:05:03Z")  # fmt: skip
    assert len(chunk["lines"]) == 3 and "ghp_" not in chunk["lines"][1]  # redacted when stored
    assert cli("logs", "shop/inventory-7b9c", "--grep", "ERROR|status", "-o", "json").json()["logs"][0]["lineCount"] == 2  # fmt: skip
    assert cli("logs", "pod/inventory-7b9c", "-n", "shop", "--tail", "1", "-o", "json").json()[
        "logs"
    ][0]["lines"] == ["2026-11-27T14:05:03Z exiting with status 1"]
    text = cli("logs", "inventory-7b9c")
    assert "previous container" in text.out and "exiting with status 1" in text.out
    mark = cli("timeline", "-o", "json").json()["entries"]
    assert [(e["type"], e["log"]["pod"], e["log"]["lineCount"]) for e in mark] == [
        ("log", "inventory-7b9c", 3)
    ]
    assert cli("timeline", "--no-events", "-o", "json").json()["entries"] == []


def test_a_log_without_times_is_dated_by_its_file(cli, tmp_path: Path) -> None:
    log = tmp_path / "plain.log"
    log.write_text("starting\npanic: runtime error: index out of range [3] with length 3\n")
    os.utime(log, ns=(1_795_000_000_000_000_000, 1_795_000_000_000_000_000))
    assert cli("ingest", str(log), "--pod", "shop/api-0").code == 0
    [chunk] = cli("logs", "api-0", "-o", "json").json()["logs"]
    assert chunk["capturedAt"] == "2026-11-18T11:06:40Z" and chunk["firstAt"] is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("ingest", "x.log", "--pod", "api-0"), "--pod 'api-0': NAMESPACE/NAME"),
        (("ingest", "x.log", "-c", "api"), "--container and --previous go with --pod"),
        (("logs", "nope"), "no logs of a pod nope in the store"),
        (("logs", "shop/api-0", "-n", "other"), "the namespace is shop, -n says other"),
        (("logs", "api-0", "--grep", "(unclosed"), "--grep '(unclosed'"),
    ],
)
def test_mistakes_are_one_line(cli, tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    cli("ingest", str(log), "--pod", "shop/api-0")
    result = cli(*args)
    assert result.code != 0 and says in result.err and result.err.count("\n") == 1, result.err


def test_retention_by_age_then_bytes(store_path: str, cli, tmp_path: Path) -> None:
    for day in range(5):  # captures on the 10th, 14th, 18th, 22nd and 26th
        log = tmp_path / f"d{day}.log"
        log.write_text(
            "".join(
                f"2026-11-{10 + day * 4:02d}T00:00:0{i}Z line {i} {os.urandom(64).hex()}\n"
                for i in range(50)
            )
        )
        assert cli("ingest", str(log), "--pod", f"shop/api-{day}").code == 0
    store = Store.open(store_path)
    try:
        db = store.db
        kept = lambda: [r[0] for r in db.execute("SELECT pod FROM logs ORDER BY observed_at")]  # noqa: E731
        assert len(kept()) == 5
        with transaction(db):
            assert prune_logs(db, LogPolicy(keep_days=10)) == 2  # over 10 days before the newest
        assert kept() == ["api-2", "api-3", "api-4"]
        one = db.execute("SELECT length(data) FROM logs WHERE pod = 'api-4'").fetchone()[0]
        with transaction(db):
            assert prune_logs(db, LogPolicy(keep_bytes=one)) == 2  # the oldest go first
        assert kept() == ["api-4"]
        assert DAY == 86400 * 10**9
    finally:
        store.close()
