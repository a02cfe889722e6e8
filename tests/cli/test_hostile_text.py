"""Text from the cluster is data, never markup or terminal control (issue 12 item 2).

Every text command renders objects whose names, labels, annotations,
termination messages, Event messages and manager names carry Rich markup,
ANSI/OSC escape sequences, BEL, carriage returns and bidi overrides; plugin
findings and model answers too. Nothing may crash, no control character may
reach the terminal, and markup must show as the text it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crumbs.activity import NodeEvent
from crumbs.formats.nodeevents import to_json
from crumbs.timeutil import parse_time
from tests.fakes.llm import fake_llm

MARKUP = "[bold red]boom[/]"
HOSTILE = f"{MARKUP} \x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \rover\x07 \u202eesrever"
CONTROL = ("\x1b", "\x07", "\r", "\u202e", "\x9b")
NAME = "web[red]x[/red]"
NS = "shop"


def _mf(manager: str, time: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"manager": manager, "operation": "Update", "apiVersion": "apps/v1", "time": time,
            "fieldsType": "FieldsV1", "fieldsV1": fields}  # fmt: skip


def _recording(tmp: Path) -> Path:
    labels = {"app": "web", "team": HOSTILE[:60]}
    annotations = {"note": HOSTILE, "kubernetes.io/change-cause": HOSTILE}
    spec_fields = {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {}}}}}
    deploy = lambda image, t, manager: {  # noqa: E731
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-web", "creationTimestamp": "2026-11-27T09:00:00Z",
                     "labels": labels, "annotations": annotations,
                     "managedFields": [_mf(manager, t, spec_fields), _mf("oc", t, {"f:metadata": {"f:labels": {"f:team": {}}}})]},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}}},
        "status": {"replicas": 1, "availableReplicas": 0, "unavailableReplicas": 1,
                   "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                                   "message": HOSTILE, "lastTransitionTime": t}]},
    }  # fmt: skip
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"{NAME}-1", "namespace": NS, "uid": "u-pod", "labels": {"app": "web"},
                     "creationTimestamp": "2026-11-27T10:01:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{NAME}-rs", "uid": "u-rs", "controller": True}]},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "web:2"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.9", "containerStatuses": [{
            "name": "web", "ready": False, "restartCount": 7, "image": "web:2", "containerID": "containerd://abc",
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": HOSTILE}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "message": HOSTILE,
                                         "startedAt": "2026-11-27T10:02:00Z", "finishedAt": "2026-11-27T10:02:05Z"}}}]},
    }  # fmt: skip
    event = {
        "apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "BackOff" + MARKUP, "message": HOSTILE,
        "metadata": {"name": "ev1", "namespace": NS, "uid": "ev1"},
        "involvedObject": {"kind": "Pod", "name": f"{NAME}-1", "namespace": NS, "uid": "u-pod", "apiVersion": "v1"},
        "firstTimestamp": "2026-11-27T10:02:10Z", "lastTimestamp": "2026-11-27T10:02:30Z", "count": 3,
        "source": {"component": "kubelet" + MARKUP},
    }  # fmt: skip
    lines = [
        {"type": "ADDED", "time": "2026-11-27T10:00:00Z", "object": deploy("web:1", "2026-11-27T10:00:00Z", "kubectl-client-side-apply")},
        {"type": "MODIFIED", "time": "2026-11-27T10:01:00Z", "object": deploy("web:2", "2026-11-27T10:01:00Z", "my-script" + MARKUP)},
        {"type": "ADDED", "time": "2026-11-27T10:02:30Z", "object": pod},
        {"type": "ADDED", "time": "2026-11-27T10:02:30Z", "object": event},
    ]  # fmt: skip
    at = parse_time("2026-11-27T10:02:20Z")
    assert at is not None
    node = to_json(NodeEvent(at=at, type="exec", node="node-1", namespace=NS, pod=f"{NAME}-1", pod_uid="u-pod",
                             container="web", binary="/bin/sh", args=["sh", "-c", HOSTILE], parent="runc", pid=5, ppid=1))  # fmt: skip
    path = tmp / "hostile.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in [*lines, node]))
    return path


COMMANDS: list[list[str]] = [
    ["timeline"], ["timeline", "--activity"], ["history", f"deploy/{NAME}", "-n", NS],
    ["diff", f"deploy/{NAME}", "-n", NS], ["blame", f"deploy/{NAME}", "-n", NS],
    ["rollouts", f"deploy/{NAME}", "-n", NS], ["releases"], ["drift"], ["scan"],
    ["why", f"pod/{NAME}-1", "-n", NS], ["get", "pods", "-n", NS], ["get", f"deploy/{NAME}", "-n", NS],
    ["info"], ["activity"], ["analyzers"], ["status"], ["trace", "list"],
]  # fmt: skip


def _clean(text: str, what: str) -> None:
    for c in CONTROL:
        assert c not in text, f"{what}: {c!r} reached the terminal"
    assert "Traceback" not in text and "crashed" not in text, what


@pytest.fixture
def hostile(cli, tmp_path: Path) -> Path:
    path = _recording(tmp_path)
    r = cli("ingest", str(path))
    assert r.code == 0, r.err
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_text_command_renders_hostile_data_as_text(
    hostile: Path, cli, command: list[str]
) -> None:
    r = cli(*command)
    assert r.code in (0, 3), (command, r.err)
    _clean(r.out, " ".join(command))
    _clean(r.err, " ".join(command))


def test_markup_shows_as_the_text_it_is(hostile: Path, cli) -> None:
    timeline = cli("timeline").out
    assert NAME in timeline and MARKUP in timeline
    blame = cli("blame", f"deploy/{NAME}", "-n", NS).out
    assert "my-script" + MARKUP in blame and "oc" in blame
    assert "\\x1b" in cli("get", f"deploy/{NAME}", "-n", NS).out or "\\x1b" in timeline


def test_oc_is_a_human_channel(hostile: Path, cli) -> None:
    lines = cli("blame", f"deploy/{NAME}", "-n", NS, "-o", "json").json()["lines"]
    oc = [line for line in lines if line["manager"] == "oc"]
    assert oc and {line["channel"] for line in oc} == {"human"}


def test_a_model_answer_is_data(hostile: Path, cli) -> None:
    with fake_llm([{"content": f"The answer {HOSTILE}"}]) as llm:
        r = cli("ask", "why?", "--llm", llm.url, "--model", "fake-gpt")
    assert r.code == 0, r.err
    _clean(r.out, "ask")
    assert MARKUP in r.out
    trace = cli("trace", "list", "-o", "json").json()["traces"][0]["id"]
    shown = cli("trace", "show", str(trace))
    _clean(shown.out, "trace show")
    assert MARKUP in shown.out


def test_plugin_findings_are_data(hostile: Path, cli, tmp_path: Path) -> None:
    title = json.dumps(HOSTILE)[1:-1].replace('"', '\\"')
    body = '{"findings":[{"severity":"warning","rule":"x","title":"' + title + '"}]}'
    wat = body.replace("\\", "\\\\").replace('"', '\\"')
    (tmp_path / "evil.wat").write_text(
        f"""(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{wat}")
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "analyze") (param i32 i32) (result i64) (i64.const {len(body.encode())})))"""
    )
    (tmp_path / "evil.toml").write_text('name = "evil"\nkinds = ["Deployment"]\n')
    r = cli("scan", "--plugin", str(tmp_path / "evil.wat"), "-a", "wasm:evil")
    assert r.code in (0, 3), r.err
    _clean(r.out, "scan with a plugin")
    assert MARKUP in r.out


def test_markdown_output_is_text_not_markup(hostile: Path, cli) -> None:
    """Markdown meant to be pasted into a ticket: no live link, image, HTML or control from the cluster."""
    md = cli("scan", "-o", "markdown").out
    _clean(md, "scan -o markdown")
    assert "\\[bold red\\]boom\\[/\\]" in md  # shown as text, escaped
    assert "](http" not in md and "<" not in md.replace("\\<", "")
