"""deploy/: the manifests grant reading only, and run crumbs watch as the README says."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _docs() -> list[dict]:
    docs = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_every_rule_only_reads() -> None:
    roles = [d for d in _docs() if d["kind"] in ("ClusterRole", "Role")]
    assert roles
    for role in roles:
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= {"get", "list", "watch"}, rule


def test_the_binding_gives_the_reader_role_to_the_service_account() -> None:
    docs = _docs()
    sa = next(d for d in docs if d["kind"] == "ServiceAccount")
    binding = next(d for d in docs if d["kind"] == "ClusterRoleBinding")
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert {
        "kind": "ServiceAccount",
        "name": sa["metadata"]["name"],
        "namespace": sa["metadata"]["namespace"],
    } in binding["subjects"]


def test_the_agent_daemonset_has_what_ebpf_needs_and_a_node_local_store() -> None:
    docs = _docs()
    ds = next(d for d in docs if d["kind"] == "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    assert pod["hostPID"] is True and {"operator": "Exists"} in pod["tolerations"]
    containers = {c["name"]: c for c in pod["containers"]}
    agent, pods = containers["agent"], containers["pods"]
    assert (
        agent["args"][agent["args"].index("--db") + 1]
        == pods["args"][pods["args"].index("--db") + 1]
    )
    assert "agent" in agent["args"]
    caps = set(agent["securityContext"]["capabilities"]["add"])
    assert {"BPF", "PERFMON", "SYS_ADMIN"} <= caps and agent["securityContext"].get(
        "privileged"
    ) is not True
    mounts = {m["mountPath"]: m for m in agent["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert (
        volumes[mounts["/sys/kernel/tracing"]["name"]]["hostPath"]["path"] == "/sys/kernel/tracing"
    )
    assert volumes[mounts["/sys/fs/cgroup"]["name"]]["hostPath"]["path"] == "/sys/fs/cgroup"
    assert mounts["/sys/fs/cgroup"]["readOnly"] is True
    # the pods container records only this node's pods, with the node's name from the downward API
    assert "pods=spec.nodeName=$(NODE_NAME)" in pods["args"] and "--include" in pods["args"]
    for c in (agent, pods):
        env = {e["name"]: e for e in c["env"]}
        assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
        assert env["CRUMBS_CLUSTER_NAME"]["value"]
    assert (
        pods["securityContext"]["capabilities"]["drop"] == ["ALL"]
        and "add" not in pods["securityContext"]["capabilities"]
    )


def test_the_deployment_runs_one_watch_on_a_persistent_store() -> None:
    docs = _docs()
    dep = next(d for d in docs if d["kind"] == "Deployment")
    pvc = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
    spec = dep["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"
    pod = spec["template"]["spec"]
    assert (
        pod["serviceAccountName"]
        == next(d for d in docs if d["kind"] == "ServiceAccount")["metadata"]["name"]
    )
    container = pod["containers"][0]
    args = container["args"]
    assert "watch" in args and args[args.index("--db") + 1].startswith("/data/")
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/data")
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_kustomization_lists_every_manifest() -> None:
    k = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert sorted(k["resources"]) == sorted(
        p.name for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml"
    )
