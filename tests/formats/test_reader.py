"""Paths to records: directories, cluster-info dump trees, stdin, unreadable files."""

from __future__ import annotations

import io
from pathlib import Path

import orjson

from crumbs.formats.reader import read_paths
from crumbs.model import Event, LogChunk, Problem, Revision, Skipped
from tests.conftest import deployment, watch_line


def write_list(path: Path, kind: str, api: str, items: list) -> None:
    """A typed List, indented, as kubectl cluster-info dump writes it."""
    path.write_bytes(
        orjson.dumps(
            {"kind": kind, "apiVersion": api, "metadata": {}, "items": items},
            option=orjson.OPT_INDENT_2,
        )
    )


def make_dump(root: Path) -> None:
    """A tree as `kubectl cluster-info dump --output-directory` writes it: typed Lists, items without kind."""
    root.mkdir()
    (root / "nodes.json").write_bytes(
        orjson.dumps(
            {
                "kind": "NodeList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": "9"},
                "items": [
                    {
                        "metadata": {
                            "name": "node-1",
                            "uid": "n1",
                            "creationTimestamp": "2026-11-01T00:00:00Z",
                        },
                        "status": {},
                    }
                ],
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    ns = root / "shop"
    ns.mkdir()
    pods = [
        {
            "metadata": {
                "name": f"web-{i}",
                "namespace": "shop",
                "uid": f"p{i}",
                "creationTimestamp": "2026-11-01T00:00:00Z",
            },
            "spec": {"containers": [{"name": "web", "image": "nginx"}]},
        }
        for i in range(2)
    ]
    write_list(ns / "pods.json", "PodList", "v1", pods)
    write_list(ns / "deployments.json", "DeploymentList", "apps/v1", [deployment(ns="shop")])
    events = [
        {
            "metadata": {"name": "web-0.1", "namespace": "shop", "uid": "e1"},
            "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "shop", "uid": "p0"},
            "reason": "Started",
            "type": "Normal",
            "lastTimestamp": "2026-11-01T00:00:05Z",
        }
    ]
    write_list(ns / "events.json", "EventList", "v1", events)
    write_list(ns / "replication-controllers.json", "ReplicationControllerList", "v1", [])
    for i in range(2):
        (ns / f"web-{i}").mkdir()
        (ns / f"web-{i}" / "logs.txt").write_text(
            f"==== START logs for container web of pod shop/web-{i} ====\nGET / 200: ok\n==== END logs for container web of pod shop/web-{i} ====\n"
        )


def test_cluster_info_dump_tree(tmp_path: Path) -> None:
    make_dump(tmp_path / "dump")
    records = list(read_paths([str(tmp_path / "dump")]))
    revs = [r for r in records if isinstance(r, Revision)]
    assert sorted((r.key.kind, r.key.namespace, r.key.name) for r in revs) == [
        ("Deployment", "shop", "billing"),
        ("Node", "", "node-1"),
        ("Pod", "shop", "web-0"),
        ("Pod", "shop", "web-1"),
    ]
    assert all(r.doc["kind"] == r.key.kind and r.doc["apiVersion"] for r in revs)
    (ev,) = [r for r in records if isinstance(r, Event)]
    assert ev.key.name == "web-0" and ev.reason == "Started"
    skipped = sorted(
        (s.where.split("/dump/")[1], s.reason) for s in records if isinstance(s, Skipped)
    )
    assert skipped == [("shop/replication-controllers.json", "empty ReplicationControllerList")]
    logs = sorted(
        (c.namespace, c.pod, c.container, tuple(c.lines))
        for c in records
        if isinstance(c, LogChunk)
    )
    assert logs == [("shop", f"web-{i}", "web", ("GET / 200: ok",)) for i in range(2)]
    assert not [r for r in records if isinstance(r, Problem)]


def test_cluster_info_dump_to_stdout(tmp_path: Path) -> None:
    """Without --output-directory the same Lists and log sections come concatenated on stdout."""
    make_dump(tmp_path / "dump")
    parts = [(tmp_path / "dump" / "nodes.json").read_bytes()]
    for name in ("events.json", "pods.json", "deployments.json"):
        parts.append((tmp_path / "dump" / "shop" / name).read_bytes())
    parts.append((tmp_path / "dump" / "shop" / "web-0" / "logs.txt").read_bytes())
    records = list(read_paths(["-"], stdin=io.BytesIO(b"\n".join(parts))))
    assert sum(isinstance(r, Revision) for r in records) == 4
    assert sum(isinstance(r, Event) for r in records) == 1
    assert not [r for r in records if isinstance(r, Problem)]


def test_directory_skips_what_is_not_kubernetes_but_reports_broken_objects(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Notes\nSome: prose that YAML reads as a mapping\n")
    (tmp_path / "values.yaml").write_text("image:\n  tag: 1.0\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / ".hidden.json").write_text("{")
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    (tmp_path / "watch.jsonl").write_bytes(
        watch_line("ADDED", deployment()) + b"\n" + b'{"type": "MODIFIED", "object": {"kind"\n'
    )
    records = list(read_paths([str(tmp_path)]))
    problems = sorted(
        str(p).replace(str(tmp_path) + "/", "") for p in records if isinstance(p, Problem)
    )
    assert problems[0] == "broken.yaml:1: ConfigMap without metadata.name"
    assert problems[1].startswith("watch.jsonl:2: invalid JSON")
    assert len(problems) == 2
    skipped = sorted(
        s.where.replace(str(tmp_path) + "/", "") for s in records if isinstance(s, Skipped)
    )
    assert skipped == ["README.md", "logo.png", "values.yaml"]


def test_a_named_file_that_is_not_kubernetes_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("image:\n  tag: 1.0\n")
    (p,) = list(read_paths([str(tmp_path / "values.yaml")]))
    assert isinstance(p, Problem) and "no apiVersion" in p.message


def test_missing_file(tmp_path: Path) -> None:
    (p,) = list(read_paths([str(tmp_path / "nope.yaml")]))
    assert isinstance(p, Problem) and "cannot read" in p.message and "nope.yaml" in p.where


def test_kubectl_watch_output_is_indented_json(tmp_path: Path) -> None:
    """`kubectl get -w --output-watch-events -o json` prints each event indented over many lines."""
    events = [
        {"type": "ADDED", "object": deployment()},
        {"type": "MODIFIED", "object": deployment(replicas=3)},
    ]
    data = b"".join(orjson.dumps(e, option=orjson.OPT_INDENT_2) + b"\n" for e in events)
    (tmp_path / "w.json").write_bytes(data)
    revs = list(read_paths([str(tmp_path / "w.json")]))
    assert [r.type.name for r in revs] == ["ADDED", "MODIFIED"]
    assert revs[1].doc["spec"]["replicas"] == 3


def test_ini_text_is_skipped_not_rejected(tmp_path) -> None:
    """An INI or TOML file starts with '[' like a JSON array; it is not a broken JSON document."""
    (tmp_path / "config").write_text("[global]\nproject-id = x\nregional = true\n")
    walked = list(read_paths([str(tmp_path)]))
    assert [type(r).__name__ for r in walked] == ["Skipped"]
    alone = list(read_paths([str(tmp_path / "config")]))
    assert len(alone) == 1 and isinstance(alone[0], Skipped)
    assert "INI or TOML" in alone[0].reason
