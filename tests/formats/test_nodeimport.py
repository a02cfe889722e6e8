"""Tetragon, Inspektor Gadget and Hubble exports (in their documented JSON shapes) become node events."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crumbs.activity import NodeEvent
from crumbs.formats.nodeevents import from_json, to_json
from crumbs.formats.reader import read_file
from crumbs.model import Problem, Skipped
from crumbs.timeutil import parse_time

EXPORTS = Path(__file__).parent / "node_exports"


def events(name: str) -> tuple[list[NodeEvent], list[Skipped], list[Problem]]:
    recs = list(read_file(str(EXPORTS / name)))
    return (
        [r for r in recs if isinstance(r, NodeEvent)],
        [r for r in recs if isinstance(r, Skipped)],
        [r for r in recs if isinstance(r, Problem)],
    )


def test_tetragon_exec_and_exit() -> None:
    got, skipped, problems = events("tetragon.jsonl")
    assert not problems
    assert [s.reason for s in skipped] == ["Tetragon process_kprobe: not imported"]
    ex, done, killed = got
    assert (ex.type, ex.source, ex.node, ex.namespace, ex.pod, ex.container) == (
        "exec", "tetragon", "node-1", "shop", "web-7d9f8c-abcde", "web",
    )  # fmt: skip
    assert ex.binary == "/usr/bin/apt-get" and ex.args == [
        "/usr/bin/apt-get",
        "install",
        "-y",
        "curl",
    ]
    assert (
        ex.parent == "bash"
        and ex.ppid == 4240
        and ex.pod_uid == "3f2b9c1e-7a4d-4e8b-9c0d-1a2b3c4d5e6f"
    )
    assert ex.container_id == "containerd://" + "c" * 64 and not ex.host
    assert ex.at == parse_time("2026-11-20T10:00:05.1Z")
    assert (done.type, done.exit_code, done.signal) == ("exit", 100, None)
    assert (killed.type, killed.exit_code, killed.signal, killed.host) == ("exit", None, 9, True)


def test_inspektor_gadget_exec_tcp_and_dns() -> None:
    (vim,), _, problems = events("ig_trace_exec.jsonl")
    assert not problems
    assert (vim.type, vim.source, vim.binary, vim.args, vim.parent, vim.pod, vim.container_id) == (
        "exec", "inspektor-gadget", "/usr/bin/vim", ["/usr/bin/vim", "/etc/nginx/nginx.conf"], "bash",
        "web-7d9f8c-abcde", "containerd://" + "c" * 64,
    )  # fmt: skip
    tcp, skipped, _ = events("ig_trace_tcp.jsonl")
    assert [(e.type, e.daddr, e.dport, e.outcome, e.pod) for e in tcp] == [
        ("connect", "10.244.1.17", 8080, "established", "client-5c-xyz"),
        ("connect", "10.244.1.17", 8080, "refused", "client-5c-xyz"),
    ]
    assert skipped[0].reason == "Inspektor Gadget event close: not imported"
    dns, _, _ = events("ig_trace_dns.jsonl")
    assert [(e.qname, e.rcode, e.answers, e.server) for e in dns] == [
        ("billing.shop.svc.cluster.local", "", [], "10.96.0.10"),
        ("billing.shop.svc.cluster.local", "NOERROR", ["10.244.1.17"], "10.96.0.10"),
        ("old-billing.shop.svc.cluster.local", "NXDOMAIN", [], "10.96.0.10"),
    ]


def test_hubble_flows() -> None:
    got, skipped, problems = events("hubble.jsonl")
    assert not problems
    assert [
        (e.type, e.namespace, e.pod, e.daddr, e.dport, e.outcome)
        for e in got
        if e.type == "connect"
    ] == [
        ("connect", "shop", "client-5c-xyz", "10.244.1.17", 8080, "sent"),
        ("connect", "shop", "client-5c-xyz", "10.244.1.17", 8080, "refused"),
        ("connect", "shop", "client-5c-xyz", "10.244.2.9", 5432, "dropped"),
    ]
    (dns,) = [e for e in got if e.type == "dns"]
    assert (dns.pod, dns.qname, dns.answers, dns.rcode, dns.node) == (
        "client-5c-xyz", "billing.shop.svc.cluster.local", ["10.244.1.17"], "NOERROR", "kind/node-1",
    )  # fmt: skip
    assert [s.reason for s in skipped] == ["Hubble flow: not a connection attempt or refusal"]


def test_our_own_lines_round_trip() -> None:
    got, _, _ = events("tetragon.jsonl")
    for e in got:
        assert from_json(orjson.loads(orjson.dumps(to_json(e)))) == e


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"schema":"crumbs.node-event/v1","time":"2026-11-20T10:00:00Z","type":"teleport"}',
            '"type" must be one of',
        ),
        (
            '{"schema":"crumbs.node-event/v1","time":"2026-11-20T10:00:00Z","type":"exec","process":{"pid":"x"}}',
            '"pid" is a str',
        ),
        (
            '{"schema":"crumbs.node-event/v1","time":"2026-11-20T10:00:00Z","type":"dns","dns":{"answers":[1]}}',
            '"answers" is not a list of strings',
        ),
        (
            '{"process_exec":{"process":{"pid":1}},"time":"yesterday"}',
            '"time" is not an RFC 3339 time',
        ),
        ('{"flow":{"verdict":"FORWARDED","IP":{}},"time":5}', '"time" is not an RFC 3339 time'),
    ],
)
def test_bad_lines_are_one_problem_naming_the_field(
    tmp_path: Path, line: str, message: str
) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(line + "\n")
    recs = list(read_file(str(f)))
    assert len(recs) == 1 and isinstance(recs[0], Problem)
    assert message in recs[0].message and recs[0].where.endswith("bad.jsonl:1")


def test_ingest_stores_them_and_activity_reads_them_back(cli, tmp_path: Path) -> None:
    r = cli("ingest", str(EXPORTS), "-o", "json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["read"]["nodeEvents"] == out["stored"]["nodeEvents"] == 13
    listed = cli("activity", "-n", "shop", "-t", "connect", "-o", "json").json()["events"]
    assert {
        (e["connection"]["daddr"], e["connection"]["outcome"], e["source"]) for e in listed
    } == {
        ("10.244.1.17", "established", "inspektor-gadget"),
        ("10.244.1.17", "refused", "inspektor-gadget"),
        ("10.244.1.17", "sent", "hubble"),
        ("10.244.1.17", "refused", "hubble"),
        ("10.244.2.9", "dropped", "hubble"),
    }
    rollups = cli("activity", "--rollups", "-t", "dns", "-o", "json").json()["rollups"]
    assert sorted(
        (r["minute"], r["node"], r["subject"], r["result"], r["count"]) for r in rollups
    ) == [
        ("2026-11-20T10:01:00Z", "node-1", "billing.shop.svc.cluster.local", "NOERROR", 1),
        ("2026-11-20T10:01:00Z", "node-1", "billing.shop.svc.cluster.local", "query", 1),
        ("2026-11-20T10:01:00Z", "node-1", "old-billing.shop.svc.cluster.local", "NXDOMAIN", 1),
        ("2026-11-20T10:03:00Z", "kind/node-1", "billing.shop.svc.cluster.local", "NOERROR", 1),
    ]
    text = cli("activity", "--pod", "web-7d9f8c-abcde")
    assert "apt-get install -y curl" in text.out and "vim /etc/nginx/nginx.conf" in text.out


def test_activity_takes_kubectl_label_selectors_on_the_pods(cli, tmp_path: Path) -> None:
    pods = tmp_path / "pods.json"
    pods.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "shop", "name": "web-7d9f8c-abcde",
         "uid": "u-web", "labels": {"app": "web", "tier": "front"}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "shop", "name": "billing-0",
         "uid": "u-billing", "labels": {"app": "billing"}}}]}))  # fmt: skip
    assert cli("ingest", str(EXPORTS), str(pods)).code == 0
    every = cli("activity", "-A", "-o", "json").json()["events"]
    web = cli("activity", "-l", "app=web,tier in (front,back)", "-o", "json").json()["events"]
    assert web and {(e["pod"]["namespace"], e["pod"]["name"]) for e in web} == {
        ("shop", "web-7d9f8c-abcde")
    }
    assert len(web) == sum(
        1 for e in every if (e.get("pod") or {}).get("name") == "web-7d9f8c-abcde"
    )
    assert len(web) < len(every)
    assert cli("activity", "-l", "app=nothing", "-o", "json").json()["events"] == []
    rolled = cli("activity", "--rollups", "-l", "app=web", "-o", "json").json()["rollups"]
    assert rolled and {r["pod"] for r in rolled} == {"web-7d9f8c-abcde"}
    both = cli("activity", "-A", "-n", "shop")
    assert both.code == 2 and "-A and -n" in both.err


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=12,
)


def _damaged(value: dict, paths: list[tuple[str, ...]], junk: object) -> dict:
    out = orjson.loads(orjson.dumps(value))
    for path in paths:
        node = out
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            node[path[-1]] = junk
    return out


def _all_paths(value: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(value, dict):
        return []
    out = []
    for k, v in value.items():
        out.append((*prefix, k))
        out.extend(_all_paths(v, (*prefix, k)))
    return out


SAMPLES = [
    orjson.loads(line)
    for name in (
        "tetragon.jsonl",
        "ig_trace_exec.jsonl",
        "ig_trace_tcp.jsonl",
        "ig_trace_dns.jsonl",
        "hubble.jsonl",
    )
    for line in (EXPORTS / name).read_text().splitlines()
] + [
    to_json(
        NodeEvent(at=1_800_000_000 * 10**9, type="dns", node="n", qname="a.b", answers=["1.2.3.4"])
    )
]


@given(st.sampled_from(SAMPLES), st.data(), JSONISH)
def test_damaged_node_events_are_one_problem_or_an_event_never_a_crash(
    sample: dict, data: st.DataObject, junk: object
) -> None:
    paths = _all_paths(sample)
    chosen = data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3))
    value = _damaged(sample, chosen, junk)
    from crumbs.formats.objects import interpret
    from crumbs.store.activity import pack

    for rec in interpret(value, "x.jsonl:1", "c"):
        assert isinstance(rec, NodeEvent | Skipped | Problem), rec
        if isinstance(rec, Problem):
            assert rec.where == "x.jsonl:1" and "\n" not in rec.message
        if isinstance(rec, NodeEvent):
            orjson.dumps(pack(rec))  # what the store writes: it must serialise
