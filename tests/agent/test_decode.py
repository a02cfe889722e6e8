"""Probe records (as bpftrace prints them) to node events."""

from __future__ import annotations

from crumbs.agent.decode import Decoder, redact_args, unescape

S = "\x1f"


def rec(*fields: object) -> str:
    return S.join(str(f) for f in fields) + "\n"


def test_an_exec_takes_the_argv_its_execve_printed_before() -> None:
    d = Decoder(offset_ns=1_000)
    assert d.feed(rec("A", 42, "/bin/echo", "a", "b", "c")) is None
    assert d.feed(rec("B", 42, "d", "e", "", "")) is None
    e = d.feed(rec("X", 5_000, 42, 7, 1000, 99, "echo", "bash", "/bin/echo"))
    assert e is not None and e.type == "exec"
    assert (e.at, e.pid, e.ppid, e.uid, e.cgroup, e.comm, e.parent, e.binary) == (
        6_000, 42, 7, 1000, 99, "echo", "bash", "/bin/echo",
    )  # fmt: skip
    assert e.args == ["/bin/echo", "a", "b", "c", "d", "e"]
    again = d.feed(rec("X", 6_000, 42, 7, 0, 99, "echo", "bash", "/bin/echo"))
    assert again is not None and again.args == []  # argv was used once


def test_secrets_in_arguments_are_redacted() -> None:
    assert redact_args(["mysql", "--password=hunter2", "-u", "root"]) == [
        "mysql", "--password=[redacted]", "-u", "root",
    ]  # fmt: skip
    assert redact_args(["curl", "--token", "abc", "https://u:pw@host/x"]) == [
        "curl", "--token", "[redacted]", "https://u:[redacted]@host/x",
    ]  # fmt: skip


def test_exit_status_and_signal() -> None:
    d = Decoder(offset_ns=0)
    e = d.feed(rec("E", 10, 42, 3 << 8, 99, "sh"))
    assert e is not None and (e.exit_code, e.signal, e.result) == (3, None, "exit 3")
    k = d.feed(rec("E", 10, 43, 9, 99, "sleep"))
    assert k is not None and (k.exit_code, k.signal, k.result) == (None, 9, "signal 9")


def test_connect_outcomes_and_the_dialed_address() -> None:
    d = Decoder(offset_ns=0)
    ok = d.feed(
        rec("C", 10, 42, 99, "curl", "10.0.0.5", 41000, "10.0.1.7", 8080, 1, 0, "10.96.0.10", 80)
    )
    assert ok is not None and ok.outcome == "established" and ok.dialed == "10.96.0.10:80"
    assert ok.subject == "10.0.1.7:8080"
    refused = d.feed(
        rec("C", 10, 42, 99, "curl", "127.0.0.1", 41000, "127.0.0.1", 9, 7, 111, "127.0.0.1", 9)
    )
    assert refused is not None and refused.outcome == "refused"
    timeout = d.feed(rec("C", 10, 42, 99, "curl", "::1", 1, "::1", 9, 7, 110, "0.0.0.0", 0))
    assert timeout is not None and timeout.outcome == "timeout" and timeout.dialed == ""


def test_accept_swaps_local_and_remote() -> None:
    e = Decoder(offset_ns=0).feed(rec("I", 10, 77, "127.0.0.1", 8080, "127.0.0.2", 50000))
    assert e is not None and e.type == "accept"
    assert (e.saddr, e.sport, e.daddr, e.dport, e.cgroup) == (
        "127.0.0.2",
        50000,
        "127.0.0.1",
        8080,
        77,
    )


def rx(data: bytes) -> str:
    """bpftrace's %rx: every byte as \\xNN."""
    return "".join(f"\\x{c:02x}" for c in data)


def test_dns_from_escaped_payloads() -> None:
    d = Decoder(offset_ns=0)
    q = rx(b'"b\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07nothing\x07invalid\x00\x00\x01\x00\x01')
    e = d.feed(rec("Q", 10, 42, 1, "getent", "10.255.255.53", q))
    assert e is not None and (e.qname, e.qtype, e.rcode, e.server) == (
        "nothing.invalid",
        "A",
        "",
        "10.255.255.53",
    )
    r = rx(b'"b\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00\x07nothing\x07invalid\x00\x00\x01\x00\x01')
    a = d.feed(rec("R", 11, 42, 1, "getent", "10.255.255.53", r))
    assert a is not None and a.rcode == "NXDOMAIN" and a.result == "NXDOMAIN"
    # a query seen on the receive side (not a response) is not an answer
    assert d.feed(rec("R", 12, 42, 1, "getent", "10.255.255.53", q)) is None


def test_unescape_and_malformed_records() -> None:
    assert unescape(r"\x61\x00\x62\xff") == b"a\x00b\xff"
    d = Decoder(offset_ns=0)
    for bad in (
        "",
        "Z\x1f1",
        "X\x1fnot-a-number",
        "C\x1f1\x1f2",
        "Q\x1f1\x1f2\x1f3\x1fc\x1fs\x1f\\xZZ",
    ):
        assert d.feed(bad) is None
    assert d.malformed == 5
