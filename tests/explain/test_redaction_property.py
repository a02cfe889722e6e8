"""Nothing secret leaves the machine, wherever it hides (issue 12 item 1).

Secret-looking values are planted at random depths of random objects, also
inside documents embedded in them (the last-applied annotation, a ConfigMap
file in YAML or JSON), in argument lists, URLs, headers, PEM keys and Event
messages; two revisions of each so diffs carry them. Every copilot tool's
output, every MCP response (the SDK's client, in-process) and every request a
model receives must be free of each of them, plain or base64.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from crumbs.explain.mcp_server import build
from crumbs.explain.tools import TOOLS, run_tool
from tests.fakes.llm import fake_llm

NS = "shop"
ALNUM = string.ascii_letters + string.digits
secret_values = st.text(ALNUM, min_size=14, max_size=20).map(lambda s: "Zq7" + s)
"""Distinct, unlikely to occur by chance, and not shaped like anything in particular."""

PLANTS = ("env", "flag-equals", "flag-separate", "url", "bearer", "pem", "cloud", "yaml-file",
          "json-file", "nested-key", "event")  # fmt: skip


def plant(kind: str, value: str, rng: st.DataObject) -> dict[str, Any]:
    """Where one secret goes: a fragment merged into the object (keys: env, args, annotations, data, extra, event)."""
    suffix = rng.draw(st.sampled_from(["_PASSWORD", "_TOKEN", "_KEY", "_SECRET", "_API_KEY"]))
    prefix = rng.draw(st.sampled_from(["DB", "STRIPE", "APP", "SMTP", "AWS_SECRET_ACCESS"]))
    if kind == "env":
        return {"env": [{"name": prefix + suffix, "value": value}]}
    if kind == "flag-equals":
        flag = rng.draw(st.sampled_from(["--password", "--db-password", "--token", "--api-key"]))
        return {"args": [f"{flag}={value}"]}
    if kind == "flag-separate":
        flag = rng.draw(st.sampled_from(["--password", "--token", "--client-secret"]))
        return {"args": [flag, value]}
    if kind == "url":
        return {"annotations": {"example.com/dsn": f"postgres://app:{value}@db.{NS}:5432/app"}}
    if kind == "bearer":
        return {
            "annotations": {
                "example.com/probe": f"curl -H 'Authorization: Bearer {value}' http://x"
            }
        }
    if kind == "pem":
        body = base64.b64encode(value.encode() * 3).decode()
        pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{value}\n-----END RSA PRIVATE KEY-----\n"
        return {"data": {"tls.key": pem}}
    if kind == "cloud":
        key = "AKIA" + "".join(c for c in value.upper() if c.isalnum())[:16].ljust(16, "X")
        return {"annotations": {"example.com/aws": f"access key {key} in use"}, "cloud": key}
    if kind == "yaml-file":
        return {"data": {"config.yaml": f"db:\n  host: db\n  password: {value}\nlog: debug\n"}}
    if kind == "json-file":
        return {"data": {"settings.json": json.dumps({"smtp": {"user": "ops", "password": value}})}}
    if kind == "nested-key":
        depth = rng.draw(st.integers(1, 5))
        inner: dict[str, Any] = {
            rng.draw(st.sampled_from(["token", "apiKey", "clientSecret", "password"])): value
        }
        for i in range(depth):
            inner = {f"level{i}": inner, "note": "plain"}
        return {"extra": inner}
    assert kind == "event"
    return {
        "event": f"Failed to connect: dial postgres://svc:{value}@db:5432: password={value} refused"
    }


def objects(plants: list[dict[str, Any]], version: int) -> list[dict[str, Any]]:
    """A Deployment, a ConfigMap and an Event carrying the plants, last-applied included."""
    env = [{"name": "LOG_LEVEL", "value": "debug"}]
    args = ["--port=8080"]
    annotations: dict[str, str] = {"team": "payments"}
    data: dict[str, str] = {"plain": "value"}
    extra: dict[str, Any] = {}
    messages = []
    for p in plants:
        env += p.get("env", [])
        args += p.get("args", [])
        annotations.update(p.get("annotations", {}))
        data.update(p.get("data", {}))
        extra.update(p.get("extra", {}))
        if "event" in p:
            messages.append(p["event"])
    t = f"2026-11-27T10:0{version}:00Z"
    deploy: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": NS, "uid": "u-api", "creationTimestamp": "2026-11-27T09:00:00Z",
                     "annotations": dict(annotations), "generation": version,
                     "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "apps/v1", "time": t,
                                        "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {}}}}}}]},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}}, "template": {
            "metadata": {"labels": {"app": "api"}},
            "spec": {"containers": [{"name": "api", "image": f"api:{version}", "env": env, "args": args}]}},
            "extra": extra},
        "status": {"replicas": 1, "availableReplicas": 0, "unavailableReplicas": 1,
                   "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "lastTransitionTime": t}]},
    }  # fmt: skip
    applied = {k: v for k, v in deploy.items() if k != "status"}
    deploy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
        json.dumps(applied) + "\n"
    )
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "api-config", "namespace": NS, "uid": "u-cm", "creationTimestamp": "2026-11-27T09:00:00Z",
                       "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": data}) + "\n"}},
          "data": data}  # fmt: skip
    docs = [deploy, cm]
    for i, message in enumerate(messages):
        docs.append({"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "Failed", "message": message,
                     "metadata": {"name": f"api.{version}{i}", "namespace": NS, "uid": f"ev-{version}-{i}"},
                     "involvedObject": {"kind": "Deployment", "name": "api", "namespace": NS, "uid": "u-api", "apiVersion": "apps/v1"},
                     "firstTimestamp": t, "lastTimestamp": t, "count": 1})  # fmt: skip
    return [{"type": "ADDED" if version == 1 else "MODIFIED", "time": t, "object": d} for d in docs]


def forbidden(secret: str) -> list[str]:
    b64 = base64.b64encode(secret.encode()).decode()
    return [secret, b64.rstrip("="), base64.urlsafe_b64encode(secret.encode()).decode().rstrip("=")]


TARGETS = {"target": "deploy/api", "namespace": NS}
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("timeline", {}), ("events", {}), ("history", TARGETS), ("diff", TARGETS), ("blame", TARGETS),
    ("rollouts", TARGETS), ("releases", {}), ("drift", {}), ("scan", {}), ("why", TARGETS),
    ("cluster", {}), ("get", TARGETS), ("get", {"target": "cm/api-config", "namespace": NS}),
    ("history", {"target": "cm/api-config", "namespace": NS}), ("diff", {"target": "cm/api-config", "namespace": NS}),
    ("blame", {"target": "cm/api-config", "namespace": NS}), ("activity", {}),
    ("logs", {"pod": "api-0", "namespace": NS}), ("traces", {}),
]  # fmt: skip
LOG_FORMS = ("2026-11-27T10:01:0{i}Z ERROR db login failed password={v}",
             "2026-11-27T10:01:0{i}Z calling https://billing with Authorization: Bearer {v}",
             "2026-11-27T10:01:0{i}Z dsn=postgres://app:{v}@db:5432/shop")  # fmt: skip
"""How a container logs a secret it holds (every planted value is logged one of these ways)."""


def test_every_tool_is_called() -> None:
    assert {name for name, _ in CALLS} == {t.name for t in TOOLS}


async def _mcp_outputs(db: str) -> list[str]:
    from mcp import Client

    out = []
    async with Client(build(db)) as client:
        for name, args in CALLS:
            result = await client.call_tool(name, args)
            out.extend(c.text for c in result.content if hasattr(c, "text"))
    return out


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[
        Phase.explicit,
        Phase.reuse,
        Phase.generate,
        Phase.target,
    ],  # shrinking whole stores is slow
)
@given(data=st.data())
def test_no_planted_secret_reaches_a_tool_mcp_or_model(
    data: st.DataObject, tmp_path_factory, cli
) -> None:
    tmp = tmp_path_factory.mktemp("plants")
    db = str(tmp / "crumbs.db")
    chosen = data.draw(st.lists(st.sampled_from(PLANTS), min_size=2, max_size=6, unique=True))
    secrets: list[str] = []
    lines = []
    for version in (1, 2):
        plants = []
        for kind in chosen:
            value = data.draw(secret_values)
            fragment = plant(kind, value, data)
            secrets.append(fragment.pop("cloud", value))
            plants.append(fragment)
        lines += objects(plants, version)
    path = Path(tmp / "recording.jsonl")
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert cli("ingest", str(path), db=db).code == 0
    logged = tmp / "api-0.log"
    logged.write_text(
        "".join(LOG_FORMS[i % 3].format(i=i % 10, v=v) + "\n" for i, v in enumerate(secrets))
    )
    assert cli("ingest", str(logged), "--pod", f"{NS}/api-0", "-c", "api", db=db).code == 0

    outputs = []
    for name, args in CALLS:
        result = run_tool(db, name, args)
        assert result.ok, (name, result.output)
        outputs.append(json.dumps(result.output))  # as the tool returns it, before the last pass
    outputs += anyio.run(_mcp_outputs, db)

    calls = [(n, a) for n, a in CALLS]
    script = [{"tool_calls": calls[:9]}, {"tool_calls": calls[9:]}, {"content": "Done."}]
    question = "why is api down?"
    with fake_llm(script) as llm:
        r = cli("ask", question, "--llm", llm.url, "--model", "fake-gpt", "-o", "json", db=db)
        assert r.code == 0, r.err
    outputs += [req["raw"] for req in llm.requests]

    sent = "\n".join(outputs)
    assert "[redacted" in sent
    for secret in secrets:
        for form in forbidden(secret):
            assert form not in sent, f"{form!r} (of {chosen}) left the machine"


FRAGMENTS = ["password", "Token", "--api-key", "KEY", "=", ": ", " ", "://u:", "@", "Bearer ", "eyJ",
             "abc.def", "AKIA", "ghp_", "sk-", '"name": "DB_PASSWORD", "value": ', "-----BEGIN RSA PRIVATE KEY-----",
             "x", "Zq7", "\"", "'", "monkey", "dsn", "cookie", "Auth"]  # fmt: skip


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(ALNUM + "_-.", max_size=24)), max_size=14
    )
)
@example(["--api-key", "=", "abcdefgh12"])
@example(["signing_key", ": ", "Zq7abcdef"])
@example(["postgres", "://u:", "hunter22", "@", "db"])
@example(["Bearer ", "abcdefgh12345"])
def test_the_fast_path_skips_only_lines_without_secrets(
    monkeypatch: pytest.MonkeyPatch, parts: list[str]
) -> None:
    """Lines without any hint skip the slow patterns; redacting every line the slow way gives the same."""
    from crumbs import redaction

    line = "".join(parts)
    quick = redaction.sharing().text(line)
    with monkeypatch.context() as m:
        m.setattr(redaction, "could_hold_secret", lambda text: True)
        slow = redaction.sharing().text(line)
    assert quick == slow
