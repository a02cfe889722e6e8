"""`crumbs ingest`: formats, bad input, --strict, and the JSON contract."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from tests.conftest import deployment, watch_line


def test_ingest_files_and_stdin_then_nothing_new(cli, tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  a: '1'\n"
    )
    r = cli(
        "ingest",
        str(tmp_path / "d.yaml"),
        "-",
        "-o",
        "json",
        stdin=watch_line("ADDED", deployment(), "2026-11-27T14:00:00Z") + b"\n",
    )
    assert r.code == 0, r.err
    out = r.json()
    assert set(out) == {
        "store",
        "read",
        "stored",
        "problems",
        "notes",
        "skipped",
        "snapshots",
        "seconds",
    }
    # the manifest (no status, no uid) is a snapshot without a time of its own: dated at ingest
    assert [s["path"] for s in out["snapshots"]] == [str(tmp_path / "d.yaml")]
    assert out["read"] == {
        "files": 2,
        "revisions": 2,
        "events": 0,
        "releases": 0,
        "audit": 0,
        "logs": 0,
        "nodeEvents": 0,
    }
    assert out["stored"] == {
        "revisions": 2,
        "unchanged": 0,
        "events": 0,
        "releases": 0,
        "audit": 0,
        "logs": 0,
        "nodeEvents": 0,
    }
    again = cli("ingest", str(tmp_path / "d.yaml"), "-o", "json").json()
    assert again["stored"] == {
        "revisions": 0,
        "unchanged": 1,
        "events": 0,
        "releases": 0,
        "audit": 0,
        "logs": 0,
        "nodeEvents": 0,
    }


def test_bad_input_is_one_line_each_and_the_rest_goes_in(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a-truncated.json").write_bytes(
        b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"'
    )
    (bad / "b-garbage.yaml").write_bytes(os.urandom(4096))
    (bad / "c-wrong-types.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: [a, b]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
    )
    (bad / "d-unknown-kind.yaml").write_text(
        "apiVersion: apps/v1\nkind: Gadget\nmetadata:\n  name: g\n"
    )
    (bad / "e-no-metadata.json").write_text('{"apiVersion": "v1", "kind": "Service"}')
    lines = [watch_line("ADDED", deployment(name=f"d{i}", uid=f"u{i}")) for i in range(3)]
    lines.insert(
        1,
        b'{"type": "ADDED", "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 5}}}',
    )
    (bad / "f-watch.jsonl").write_bytes(b"\n".join(lines) + b"\n" + lines[0][:40])
    r = cli(
        "ingest",
        str(bad / "a-truncated.json"),
        str(bad / "b-garbage.yaml"),
        str(bad / "c-wrong-types.yaml"),
        str(bad / "d-unknown-kind.yaml"),
        str(bad / "e-no-metadata.json"),
        str(bad / "f-watch.jsonl"),
    )
    assert r.code == 1
    assert "Traceback" not in r.err
    rejected = [line for line in r.err.splitlines() if line.startswith("rejected")]
    assert len(rejected) == 7, r.err
    expected = [
        "a-truncated.json:1: invalid JSON",
        "b-garbage.yaml: binary data, not JSON or YAML",
        "c-wrong-types.yaml:1: Pod/p: metadata.labels is a list, not a mapping",
        "d-unknown-kind.yaml:1: unknown kind Gadget in API group apps",
        "e-no-metadata.json:1: Service without metadata",
        "f-watch.jsonl:2: Pod without metadata.name",
        "f-watch.jsonl:5: invalid JSON",
    ]
    for line, want in zip(rejected, expected, strict=True):
        assert want in line, (line, want)
    assert "stored 4 revisions" in r.err  # ConfigMap ok + 3 Deployments


def test_huge_objects_are_refused_without_a_traceback(cli, tmp_path: Path) -> None:
    big = deployment()
    big["metadata"]["annotations"] = {"blob": "x" * (50 * 1024 * 1024)}
    (tmp_path / "big.json").write_bytes(orjson.dumps(big))
    (tmp_path / "big.jsonl").write_bytes(
        watch_line("ADDED", big) + b"\n" + watch_line("ADDED", deployment(name="small")) + b"\n"
    )
    r = cli("ingest", str(tmp_path / "big.json"), str(tmp_path / "big.jsonl"), "-o", "json")
    assert r.code == 1
    out = r.json()
    assert [p["where"].rsplit("/", 1)[-1] for p in out["problems"]] == ["big.json:1", "big.jsonl:1"]
    assert all("exceeds the 16.8 MB limit" in p["message"] for p in out["problems"])
    assert out["stored"]["revisions"] == 1


def test_strict_stops_at_the_first_problem_and_keeps_earlier_files(cli, tmp_path: Path) -> None:
    (tmp_path / "1-good.jsonl").write_bytes(
        watch_line("ADDED", deployment(name="a", uid="a")) + b"\n"
    )
    (tmp_path / "2-bad.jsonl").write_bytes(
        watch_line("ADDED", deployment(name="b", uid="b")) + b"\n" + b"{broken\n"
    )
    (tmp_path / "3-never.jsonl").write_bytes(
        watch_line("ADDED", deployment(name="c", uid="c")) + b"\n"
    )
    r = cli("ingest", "--strict", str(tmp_path), "-o", "json")
    assert r.code == 1
    assert len(r.json()["problems"]) == 1
    names = [line["object"]["name"] for line in cli("timeline", "-o", "json").json()["entries"]]
    assert names == ["a"]


def test_a_store_that_is_not_ours_is_a_one_line_error(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 1000)
    r = cli("ingest", "-", db=str(junk), stdin=b"")
    assert r.code == 1
    assert r.err.strip().startswith("crumbs: error:") and "not a Crumbs store" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_crumbs_db_environment_variable(cli, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("CRUMBS_DB", str(path))
    r = cli("ingest", "-", db=None, stdin=watch_line("ADDED", deployment()) + b"\n")
    assert r.code == 0 and path.exists()
