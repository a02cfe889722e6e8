"""Audit logs: read as the API server writes them, and preferred over inferred attribution."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from crumbs.cli.demo import recording
from crumbs.formats.reader import read_bytes
from crumbs.model import AuditRecord, Revision, Skipped


def demo_line(kind: str, name: str, at: str) -> dict:
    for raw in recording().splitlines():
        line = orjson.loads(raw)
        obj = line["object"]
        if obj["kind"] == kind and obj["metadata"]["name"] == name and line["time"].startswith(at):
            return line
    raise KeyError((kind, name, at))


def audit(
    verb: str,
    ref: dict,
    user: str,
    agent: str,
    stage_at: str,
    level: str = "Metadata",
    response: dict | None = None,
    stage: str = "ResponseComplete",
    code: int = 200,
) -> dict:
    event = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": f"{verb}-{ref['name']}-{stage}-{stage_at}",
        "stage": stage, "requestURI": f"/apis/{ref.get('apiGroup', '')}/v1/namespaces/{ref['namespace']}/{ref['resource']}/{ref['name']}",
        "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["10.0.4.7"], "userAgent": agent,
        "objectRef": {"apiVersion": "v1", **ref}, "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": stage_at, "stageTimestamp": stage_at,
    }  # fmt: skip
    if response is not None:
        event["responseObject"] = response
    return event


def audit_log() -> bytes:
    patched = demo_line("Deployment", "billing", "2026-11-27T14:05:12")["object"]
    deploy = {"resource": "deployments", "namespace": "shop", "name": "billing", "apiGroup": "apps"}
    svc = {"resource": "services", "namespace": "shop", "name": "checkout"}
    pod = {"resource": "pods", "namespace": "shop", "name": "billing-6d4c8b7f9-4xk7p"}
    events = [
        audit("patch", deploy, "alice@example.com", "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", "2026-11-27T14:05:12.020000Z", stage="RequestReceived"),
        audit("patch", deploy, "alice@example.com", "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", "2026-11-27T14:05:12.031000Z", "RequestResponse", patched),
        audit("get", deploy, "bob@example.com", "kubectl/v1.31.2", "2026-11-27T14:10:00Z"),
        audit("update", svc, "bob@example.com", "kubectl/v1.30.0 (darwin/arm64) kubernetes/7c48c2b", "2026-11-27T14:20:40.400000Z"),
        audit("delete", pod, "system:serviceaccount:kube-system:replicaset-controller", "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller", "2026-11-27T14:06:04.900000Z"),
        audit("patch", svc, "mallory@example.com", "kubectl/v1.30.0", "2026-11-27T14:21:00Z", code=403),
    ]  # fmt: skip
    return b"\n".join(orjson.dumps(e) for e in events) + b"\n"


def test_audit_lines_are_read_for_changes_only() -> None:
    records = list(read_bytes(audit_log(), "audit.log", cluster="demo"))
    kinds = [type(r).__name__ for r in records]
    assert kinds == [
        "Skipped",
        "AuditRecord",
        "Revision",
        "Skipped",
        "AuditRecord",
        "AuditRecord",
        "AuditRecord",
    ]
    patch = records[1]
    assert isinstance(patch, AuditRecord)
    assert (patch.key.kind, patch.key.group, patch.key.name, patch.verb, patch.user) == (
        "Deployment",
        "apps",
        "billing",
        "patch",
        "alice@example.com",
    )
    assert patch.source_ips == ("10.0.4.7",) and patch.resource_version
    rev = records[2]
    assert isinstance(rev, Revision) and rev.doc["spec"]["template"]["spec"]["containers"][0][
        "image"
    ].endswith(":2.0.0")
    assert isinstance(records[3], Skipped) and "get" in records[3].reason
    assert (
        records[4].key.kind == "Service" and records[5].key.kind == "Pod" and records[6].code == 403
    )


@pytest.fixture
def demo_with_audit(cli, tmp_path: Path):
    (tmp_path / "incident.jsonl").write_bytes(recording())
    (tmp_path / "audit.log").write_bytes(audit_log())
    r = cli(
        "ingest",
        "--cluster",
        "demo",
        str(tmp_path / "incident.jsonl"),
        str(tmp_path / "audit.log"),
        "-o",
        "json",
    )
    assert r.code == 0, r.err
    assert r.json()["stored"]["audit"] == 4
    return cli


def test_audit_records_name_the_user_and_override_inference(demo_with_audit) -> None:
    entries = demo_with_audit(
        "timeline",
        "--from",
        "2026-11-27T14:05:00Z",
        "--to",
        "2026-11-27T14:21:00Z",
        "--no-events",
        "-o",
        "json",
    ).json()["entries"]
    patch = next(e for e in entries if e["summary"] == "image ghcr.io/acme/billing:1.4.2 → 2.0.0")
    assert patch["actor"]["basis"] == "audit" and patch["actor"]["user"] == "alice@example.com"
    assert (patch["actor"]["manager"], patch["actor"]["channel"]) == ("kubectl-patch", "human")
    assert "from 10.0.4.7" in patch["actor"]["note"]
    edit = next(e for e in entries if e["object"]["kind"] == "Service")
    assert edit["actor"]["user"] == "bob@example.com" and edit["actor"]["channel"] == "human"
    deleted = next(
        e
        for e in entries
        if e["summary"] == "deleted" and e["object"]["name"] == "billing-6d4c8b7f9-4xk7p"
    )
    assert deleted["actor"]["channel"] == "controller" and deleted["actor"]["user"].endswith(
        "replicaset-controller"
    )
    other = next(
        e
        for e in entries
        if e["summary"] == "deleted" and e["object"]["name"] != "billing-6d4c8b7f9-4xk7p"
    )
    assert other["actor"]["basis"] == "none"  # no audit record for that one
    text = demo_with_audit("timeline", "--since", "1h", "--channel", "human").out
    assert "kubectl-patch as alice@example.com · human" in text
