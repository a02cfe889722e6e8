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
    # conntrack of the node's translations: its network namespace, and NET_ADMIN for netlink
    assert pod["hostNetwork"] is True and pod["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert {"BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"} <= caps and agent["securityContext"].get(
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


def test_the_agent_may_only_read_pods_and_only_its_pods_container_holds_a_token() -> None:
    """Issue 12 item 14: least privilege for the DaemonSet."""
    docs = _docs()
    ds = next(d for d in docs if d["kind"] == "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    sa_name = pod["serviceAccountName"]
    assert sa_name != "crumbs" and pod["automountServiceAccountToken"] is False
    sa = next(d for d in docs if d["kind"] == "ServiceAccount" and d["metadata"]["name"] == sa_name)
    assert sa.get("automountServiceAccountToken") is False
    bindings = [
        d
        for d in docs
        if d["kind"] == "ClusterRoleBinding" and any(s["name"] == sa_name for s in d["subjects"])
    ]
    (binding,) = bindings
    role = next(
        d
        for d in docs
        if d["kind"] == "ClusterRole" and d["metadata"]["name"] == binding["roleRef"]["name"]
    )
    resource_rules = [r for r in role["rules"] if "resources" in r]
    assert resource_rules == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
    ]
    containers = {c["name"]: c for c in pod["containers"]}
    token_path = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert token_path in {m["mountPath"] for m in containers["pods"]["volumeMounts"]}
    assert token_path not in {m["mountPath"] for m in containers["agent"]["volumeMounts"]}
    volume = next(v for v in pod["volumes"] if v["name"] == "api-token")
    assert any("serviceAccountToken" in s for s in volume["projected"]["sources"])


def test_every_capability_the_agent_adds_is_explained() -> None:
    text = (DEPLOY / "agent.yaml").read_text()
    readme = (DEPLOY.parent / "README.md").read_text()
    ds = next(d for d in _docs() if d["kind"] == "DaemonSet")
    agent = next(c for c in ds["spec"]["template"]["spec"]["containers"] if c["name"] == "agent")
    for cap in agent["securityContext"]["capabilities"]["add"]:
        line = next(line for line in text.splitlines() if line.strip().startswith(f"- {cap} "))
        assert "#" in line and len(line.split("#", 1)[1].strip()) > 10, cap
        assert f"CAP_{cap}" in readme, cap


def test_the_recorder_runs_as_non_root_with_the_host_key_from_a_secret() -> None:
    dep = next(d for d in _docs() if d["kind"] == "Deployment")
    pod = dep["spec"]["template"]["spec"]
    assert (
        pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    )
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mount = next(
        m for m in container["volumeMounts"] if env["CRUMBS_KEY_FILE"].startswith(m["mountPath"])
    )
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert (
        volume["secret"]["secretName"] == "crumbs-key" and volume["secret"]["defaultMode"] == 0o400
    )
    assert mount["readOnly"] is True
    assert "USER 65532" in (DEPLOY / "Dockerfile").read_text()


def test_the_no_secrets_variant_cannot_read_secrets() -> None:
    """deploy/no-secrets/: kustomize's patches applied as kustomize would (RFC 6902)."""
    import jsonpatch

    k = yaml.safe_load((DEPLOY / "no-secrets" / "kustomization.yaml").read_text())
    assert k["resources"] == ["../"]
    docs = _docs()
    role = next(
        d for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "crumbs-reader"
    )
    dep = next(d for d in docs if d["kind"] == "Deployment")
    by_target = {p["target"]["kind"]: p for p in k["patches"]}
    ops = yaml.safe_load((DEPLOY / "no-secrets" / by_target["ClusterRole"]["path"]).read_text())
    patched = jsonpatch.apply_patch(role, ops)
    for rule in patched["rules"]:
        if "resources" not in rule:
            continue
        assert "secrets" not in rule["resources"] and "*" not in rule["apiGroups"], rule
        assert "" not in rule["apiGroups"] or "*" not in rule["resources"], rule
        assert set(rule["verbs"]) <= {"get", "list", "watch"}
    logs = [r for r in patched["rules"] if "pods/log" in r.get("resources", [])]
    assert logs == [
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}
    ]  # the optional rule
    args = jsonpatch.apply_patch(dep, yaml.safe_load(by_target["Deployment"]["patch"]))["spec"][
        "template"
    ]["spec"]["containers"][0]["args"]
    assert args[-2:] == ["--exclude", "secrets"]


def test_the_deployment_serves_behind_a_token_with_probes_and_a_service() -> None:
    """Issue 17: watch --serve in one process; the kubelet probes /healthz and /readyz; the
    Service fronts the pods; beyond loopback the token comes from a Secret; the ServiceMonitor
    example scrapes with it."""
    from crumbs.cli import app as cli_app

    docs = _docs()
    dep = next(d for d in docs if d["kind"] == "Deployment")
    svc = next(d for d in docs if d["kind"] == "Service")
    pod = dep["spec"]["template"]
    container = pod["spec"]["containers"][0]
    args = container["args"]
    assert "--serve" in args and args[args.index("--host") + 1] == "0.0.0.0"
    watch = next(c for c in cli_app.registered_commands if c.name == "watch")
    import inspect

    options = {str(p.default.param_decls[0]) for p in inspect.signature(watch.callback).parameters.values()  # type: ignore[arg-type]
               if hasattr(p.default, "param_decls") and p.default.param_decls}  # fmt: skip
    assert {a for a in args if a.startswith("--")} - {"--db"} <= options
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    port = next(p for p in container["ports"] if p["name"] == "http")["containerPort"]
    assert port == 8484 and svc["spec"]["ports"][0]["targetPort"] == "http"
    assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    token = next(e for e in container["env"] if e["name"] == "CRUMBS_SERVE_TOKEN")
    assert token["valueFrom"]["secretKeyRef"]["name"] == "crumbs-serve"
    monitor = yaml.safe_load((DEPLOY / "examples" / "servicemonitor.yaml").read_text())
    assert monitor["spec"]["endpoints"][0]["authorization"]["credentials"]["name"] == "crumbs-serve"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()


def test_the_fleet_records_into_and_serves_from_one_postgresql_store() -> None:
    """Issue 19: deploy/fleet/ points each cluster's recorder at the central database (no volume)
    and central.yaml serves it; both take the URL from the same Secret, and their arguments are
    the real CLI's."""
    import inspect

    import jsonpatch

    from crumbs.cli import app as cli_app

    k = yaml.safe_load((DEPLOY / "fleet" / "kustomization.yaml").read_text())
    assert k["resources"] == ["../"]
    docs = _docs()
    dep = next(d for d in docs if d["kind"] == "Deployment")
    patch = next(p for p in k["patches"] if p["target"]["kind"] == "Deployment")
    recorder = jsonpatch.apply_patch(dep, yaml.safe_load(patch["patch"]))["spec"]["template"][
        "spec"
    ]["containers"][0]
    assert recorder["args"] == ["watch"]
    deleted = next(p for p in k["patches"] if p["target"]["kind"] == "PersistentVolumeClaim")
    assert yaml.safe_load(deleted["patch"])["$patch"] == "delete"
    central = [d for d in yaml.safe_load_all((DEPLOY / "fleet" / "central.yaml").read_text()) if d]
    serve_dep = next(d for d in central if d["kind"] == "Deployment")
    serve = serve_dep["spec"]["template"]["spec"]["containers"][0]
    for container in (recorder, serve):
        env = {e["name"]: e for e in container["env"]}
        assert env["CRUMBS_DB"]["valueFrom"]["secretKeyRef"] == {
            "name": "crumbs-postgres",
            "key": "url",
        }
    command = next(c for c in cli_app.registered_commands if c.name == "serve")
    options = {str(p.default.param_decls[0]) for p in inspect.signature(command.callback).parameters.values()  # type: ignore[arg-type]
               if hasattr(p.default, "param_decls") and p.default.param_decls}  # fmt: skip
    assert (
        serve["args"][0] == "serve" and {a for a in serve["args"] if a.startswith("--")} <= options
    )
    assert serve["readinessProbe"]["httpGet"]["path"] == "/readyz"
    svc = next(d for d in central if d["kind"] == "Service")
    assert (
        svc["spec"]["selector"].items()
        <= serve_dep["spec"]["template"]["metadata"]["labels"].items()
    )
