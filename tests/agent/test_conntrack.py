"""Conntrack through a real kernel's NAT (issue 20): in a network namespace of its own, an
nftables DNAT rule maps a fake ClusterIP to a "pod" address, as kube-proxy's rules do; the
agent's conntrack reader reports, for the connection to the ClusterIP, the backend the kernel
chose. A negative control dials the pod directly: no translation. Needs root and nftables
(skipped locally without them, a failure in CI: ``make test`` installs nftables)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI, ROOT

CLUSTER_IP, POD, OTHER = "10.96.0.10", "10.0.0.2", "10.0.0.3"


def _need() -> None:
    missing = [what for what, ok in (("root", os.geteuid() == 0), ("nft", shutil.which("nft")),
                                      ("ip", shutil.which("ip"))) if not ok]  # fmt: skip
    if missing:
        why = f"the conntrack tests need {', '.join(missing)}"
        if IN_CI:
            pytest.fail(why + ": CI must run them (make test installs nftables as root)")
        pytest.skip(why)


@pytest.fixture
def netns() -> Iterator[str]:
    _need()
    name = f"crumbs-ct-{os.getpid()}"
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("ip", "netns", "add", name)
    try:
        run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")
        for addr in (POD, OTHER):
            run("ip", "netns", "exec", name, "ip", "addr", "add", f"{addr}/32", "dev", "lo")
        # the Service range is routed (a node has a default route): DNAT happens after the lookup
        run("ip", "netns", "exec", name, "ip", "route", "add", "10.96.0.0/12", "dev", "lo")
        rules = (f"table ip kubeproxy {{\n chain output {{\n  type nat hook output priority -100;\n"
                 f"  ip daddr {CLUSTER_IP} tcp dport 80 dnat to {POD}:8080\n }}\n}}\n")  # fmt: skip
        subprocess.run(["ip", "netns", "exec", name, "nft", "-f", "-"], input=rules.encode(), check=True, capture_output=True)  # fmt: skip
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _probe(ns: str, targets: str, listeners: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-m", "tests.agent.ct_probe", targets, listeners],
                         capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_a_connection_to_a_cluster_ip_is_seen_with_the_backend_the_kernel_chose(netns: str) -> None:
    events = _probe(netns, f"{CLUSTER_IP}:80,{OTHER}:8080", f"{POD}:8080,{OTHER}:8080")
    via_service = [e for e in events if e["dialed"] == f"{CLUSTER_IP}:80"]
    direct = [e for e in events if e["dialed"] == f"{OTHER}:8080"]
    assert via_service and direct, events
    new = next(e for e in via_service if e["kind"] == "new")
    assert new["backend"] == f"{POD}:8080" and new["translated"] is True
    assert {e["kind"] for e in via_service} >= {"new", "update"}
    assert new["state"] == "SYN_SENT" and {e["state"] for e in via_service} & {"TIME_WAIT", "CLOSE"}
    assert all(
        e["backend"] == f"{OTHER}:8080" and e["translated"] is False for e in direct
    )  # the control


def _attr(kind: int, value: bytes, nested: bool = False) -> bytes:
    import struct

    body = struct.pack("=HH", 4 + len(value), kind | (0x8000 if nested else 0)) + value
    return body + b"\0" * ((4 - len(body) % 4) % 4)


def _ct_message(
    orig: tuple[str, int, str, int], reply: tuple[str, int, str, int], status: int, state: int
) -> bytes:
    import ipaddress
    import struct

    def tup(src: str, sport: int, dst: str, dport: int) -> bytes:
        ip = _attr(1, ipaddress.ip_address(src).packed) + _attr(2, ipaddress.ip_address(dst).packed)
        proto = (
            _attr(1, bytes([6]))
            + _attr(2, sport.to_bytes(2, "big"))
            + _attr(3, dport.to_bytes(2, "big"))
        )
        return _attr(1, ip, True) + _attr(2, proto, True)

    attrs = (_attr(1, tup(*orig), True) + _attr(2, tup(*reply), True) + _attr(3, status.to_bytes(4, "big"))
             + _attr(4, _attr(1, _attr(1, bytes([state])), True), True) + _attr(12, (77).to_bytes(4, "big")))  # fmt: skip
    payload = struct.pack("=BBH", 2, 0, 0) + attrs
    return struct.pack("=IHHII", 16 + len(payload), (1 << 8) | 0, 0x400 | 0x200, 0, 0) + payload


def test_messages_parse_as_the_kernel_lays_them_out_and_garbage_is_skipped() -> None:
    from crumbs.agent.conntrack import parse

    msg = _ct_message(
        ("10.244.1.5", 40000, CLUSTER_IP, 80), (POD, 8080, "10.244.1.5", 40000), 1 << 5 | 0x8, 1
    )
    (e,) = list(parse(msg + msg[:10]))  # a truncated second message is ignored
    assert (
        e.kind,
        e.original.dst,
        e.original.dport,
        e.backend,
        e.translated,
        e.tcp_state,
        e.id,
    ) == ("new", CLUSTER_IP, 80, (POD, 8080), True, "SYN_SENT", 77)
    for cut in range(len(msg)):  # every truncation: no exception, at most a partial read
        list(parse(msg[:cut]))
    assert list(parse(b"\xff" * 64)) == []
