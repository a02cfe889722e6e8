"""A snapshot with Helm's release history: a chart upgrade that changed a Service's selector,
found as the cause though nobody recorded the change (only the release Secrets keep it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.scenarios.incidents.kit import NS, helm_release, meta, mf

T_V1, T_V2, T_V3, NOW = (
    "2026-11-24T09:00:00Z",
    "2026-11-26T09:00:00Z",
    "2026-11-27T11:40:00Z",
    "2026-11-27T12:00:00Z",
)


def _service(selector: dict[str, str], observed: bool) -> dict[str, Any]:
    svc: dict[str, Any] = {"apiVersion": "v1", "kind": "Service",
                           "metadata": {"name": "web", "namespace": NS, "labels": {"app.kubernetes.io/managed-by": "Helm"},
                                        "annotations": {"meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": NS}},
                           "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 8080}]}}  # fmt: skip
    if observed:  # what the API server holds: its defaults, uid, managedFields
        svc["metadata"] = {**meta("web", T_V1, managers=[mf("helm", T_V3, {"f:spec": {"f:selector": {}}})]),
                           "labels": svc["metadata"]["labels"], "annotations": svc["metadata"]["annotations"]}  # fmt: skip
        svc["spec"] = {**svc["spec"], "type": "ClusterIP", "clusterIP": "10.0.12.7", "clusterIPs": ["10.0.12.7"],
                       "sessionAffinity": "None", "ipFamilies": ["IPv4"], "internalTrafficPolicy": "Cluster",
                       "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}  # fmt: skip
        svc["status"] = {"loadBalancer": {}}
    return svc


def _config(level: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": NS},
        "data": {"LOG_LEVEL": level},
    }


def _pod(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {**meta(f"web-{i}", "2026-11-24T09:01:00Z"), "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}]}]},
            "status": {"phase": "Running", "startTime": "2026-11-24T09:01:00Z",
                       "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-24T09:01:30Z"}]}}  # fmt: skip


def snapshot(path: Path) -> None:
    old, new = {"app": "web"}, {"app.kubernetes.io/name": "web"}  # the chart's new label scheme
    items = [
        _service(new, observed=True),
        {**_config("debug"), "metadata": meta("web-config", T_V1, managers=[mf("helm", T_V2, {"f:data": {}})])},
        _pod(0), _pod(1),
        helm_release("web", 1, "1.0.0", "superseded", T_V1, [_service(old, False), _config("info")]),
        helm_release("web", 2, "1.1.0", "superseded", T_V2, [_service(old, False), _config("debug")]),
        helm_release("web", 3, "2.0.0", "deployed", T_V3, [_service(new, False), _config("debug")]),
        {"apiVersion": "v1", "kind": "Node", "metadata": {**meta("node-1", T_V1, ns=None)},
         "status": {"nodeInfo": {"kubeletVersion": "v1.30.2"},
                    "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": NOW, "lastTransitionTime": T_V1}]}},
    ]  # fmt: skip
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


def test_chart_upgrade_found_in_the_release_history(cli, tmp_path: Path) -> None:
    snapshot(tmp_path / "snapshot.json")
    ingest = cli("ingest", str(tmp_path / "snapshot.json"), "-o", "json")
    assert ingest.code == 0, ingest.err
    (snap,) = ingest.json()["snapshots"]
    assert snap["observedAt"] == NOW and snap["reconstructed"] >= 4  # Service ×2, ConfigMap ×2
    history = cli("history", "svc/web", "-n", NS, "-o", "json").json()["revisions"]
    assert [r["at"] for r in history[:2]] == [T_V1, T_V3]  # v2 rendered the Service as v1 did
    findings = cli("scan", "-o", "json").json()["findings"]
    top = findings[0]
    assert (top["rule"], top["subject"]["name"]) == ("selector-matches-no-pods", "web")
    cause = top["causes"][0]
    assert (cause["subject"]["kind"], cause["at"], cause["actor"]["manager"]) == (
        "Service",
        T_V3,
        "helm",
    )
    assert "selector" in cause["summary"]
    # the ConfigMap's change two days before is not what broke it
    assert all(c["subject"]["kind"] != "ConfigMap" for c in top["causes"][:1])
    # what was put back is only what the chart changed: no server default shows as a change
    diff = cli("diff", "svc/web", "-n", NS, "-o", "json").json()
    assert diff["paths"] == [] or all(
        "clusterIP" not in p and "sessionAffinity" not in p for p in diff["paths"]
    )
