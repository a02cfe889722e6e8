"""``scan --profile lint``: hygiene and security settings, off by default, each rule beside the
settings that must not trigger it; and popeye's lint test data as a golden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.analyze.kit import meta, rules, scan
from tests.conftest import CORPUS, need_corpus

GOLDEN = Path(__file__).parent / "golden"
GOOD_CONTAINER = {
    "name": "app",
    "image": "ghcr.io/acme/app:1.2.3",
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
    "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
}


def _deploy(name: str, ns: str = "app", pod: dict[str, Any] | None = None, **container: Any) -> dict[str, Any]:  # fmt: skip
    spec = {
        "serviceAccountName": "app",
        "containers": [{**GOOD_CONTAINER, **container}],
        **(pod or {}),
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, ns),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}  # fmt: skip


def _lint(found: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {r for r in rules(found) if r[1].split("/")[0] in ("hygiene", "security")}


def _without(container: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD_CONTAINER, **container}.items() if k not in fields}


def test_hygiene(cli, tmp_path: Path) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"),
           "spec": {"template": {"spec": {"serviceAccountName": "app", "restartPolicy": "Never",
                                          "containers": [_without({}, "readinessProbe", "livenessProbe")]}}}}  # fmt: skip
    limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("defaults", "defaulted"),
              "spec": {"limits": [{"type": "Container", "default": {"memory": "512Mi"}, "defaultRequest": {"cpu": "100m", "memory": "256Mi"}}]}}  # fmt: skip
    docs = [
        _deploy("good"),
        _deploy("pinned-by-digest", image="ghcr.io/acme/app@sha256:" + "a" * 64),
        _deploy("on-latest", image="ghcr.io/acme/app:latest"),
        _deploy("untagged", image="registry.local:5000/acme/app"),  # the port is not a tag
        _deploy("no-probes", pod={"containers": [_without({}, "readinessProbe", "livenessProbe")]}),
        _deploy("no-readiness", pod={"containers": [_without({}, "readinessProbe")]}),
        _deploy("best-effort", pod={"containers": [_without({}, "resources")]}),
        _deploy("no-memory-limit", resources={"requests": {"cpu": "1", "memory": "1Gi"}}),
        _deploy("defaulted", "defaulted", pod={"containers": [_without({}, "resources")]}),
        limits,
        job,  # runs to completion: no probes asked for
    ]
    assert _lint(scan(cli, tmp_path, docs)) == set(), "lint is off by default"
    got = _lint(cli("scan", "-o", "json", "--profile", "lint").json()["findings"])
    assert {r for r in got if r[1].startswith("hygiene/")} == {
        ("warning", "hygiene/image-latest", "on-latest"),
        ("warning", "hygiene/image-latest", "untagged"),
        ("warning", "hygiene/probes-missing", "no-probes"),
        ("info", "hygiene/probes-missing", "no-readiness"),
        ("warning", "hygiene/requests-missing", "best-effort"),
        ("info", "hygiene/memory-limit-missing", "no-memory-limit"),
    }


def test_security(cli, tmp_path: Path) -> None:
    def role(kind: str, name: str, rules_: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        md = meta(name, "app" if kind == "Role" else "")
        if kind == "ClusterRole":
            md.pop("namespace")
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": md, "rules": rules_, **extra}  # fmt: skip

    sa_off = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default", "quiet"),
              "automountServiceAccountToken": False}  # fmt: skip
    docs = [
        _deploy("good"),
        _deploy("privileged", securityContext={"privileged": True, "runAsNonRoot": True}),
        _deploy("root", securityContext={"runAsUser": 0}),
        _deploy("maybe-root", securityContext={}),
        _deploy(
            "pod-level-non-root",
            pod={"securityContext": {"runAsNonRoot": True}},
            securityContext={},
        ),
        _deploy(
            "node-files", pod={"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]}
        ),
        _deploy("default-sa", pod={"serviceAccountName": "default"}),
        _deploy(
            "no-token", pod={"serviceAccountName": "default", "automountServiceAccountToken": False}
        ),
        _deploy("account-says-no", "quiet", pod={"serviceAccountName": ""}),
        sa_off,
        role(
            "ClusterRole", "everything", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
        ),
        role(
            "Role",
            "pods-any-verb",
            [
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]},
            ],
        ),  # fmt: skip
        role(
            "Role", "reader", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
        ),
        role(
            "ClusterRole",
            "cluster-admin",
            [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
        ),
        role(
            "ClusterRole",
            "monitoring",
            [],
            aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
        ),  # fmt: skip
    ]
    scan(cli, tmp_path, docs)
    got = _lint(cli("scan", "-o", "json", "--profile", "lint", "-a", "security").json()["findings"])
    assert got == {
        ("warning", "security/privileged", "privileged"),
        ("warning", "security/runs-as-root", "root"),
        ("info", "security/runs-as-root", "maybe-root"),
        ("warning", "security/host-path", "node-files"),
        ("warning", "security/default-service-account", "default-sa"),
        ("warning", "security/wildcard-rbac", "everything"),
        ("warning", "security/wildcard-rbac", "pods-any-verb"),
    }


def test_profile_is_checked_and_listed(cli) -> None:
    bad = cli("scan", "--profile", "strict")
    assert bad.code == 2 and "unknown profile 'strict'" in bad.err
    listed = {a["name"]: a["profile"] for a in cli("analyzers", "-o", "json").json()["analyzers"]}
    assert listed["hygiene"] == listed["security"] == "lint"
    assert listed["pods"] == "default"


def test_popeye_lint(cli) -> None:
    """popeye's test data with --profile lint: the lint findings (the others are popeye.yaml's)."""
    need_corpus()
    assert cli("ingest", str(CORPUS / "popeye")).code == 0
    found = cli("scan", "-o", "json", "--profile", "lint").json()["findings"]
    got = sorted(
        f"{f['severity']} {f['analyzer']}/{f['rule']} {f['subject']['kind']}/{f['subject']['name']}"
        for f in found
        if f["analyzer"] in ("hygiene", "security")
    )
    assert got == sorted(yaml.safe_load((GOLDEN / "popeye-lint.yaml").read_text()))
