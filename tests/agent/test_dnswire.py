"""DNS messages as the agent reads them off the socket."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crumbs.agent import dnswire
from tests.fakes import dnswire as wire


def test_a_query_and_its_answer_round_trip() -> None:
    q = wire.encode_query(0x1234, "billing.shop.svc.cluster.local", 1)
    msg = dnswire.parse(q)
    assert msg is not None
    assert (msg.id, msg.response, msg.qname, msg.qtype, msg.rcode) == (
        0x1234, False, "billing.shop.svc.cluster.local", "A", "",
    )  # fmt: skip
    r = dnswire.parse(wire.encode_answer(q, ["10.0.1.7", "10.0.1.8"]))
    assert r is not None and r.response and r.rcode == "NOERROR"
    assert r.answers == ["10.0.1.7", "10.0.1.8"]
    six = dnswire.parse(wire.encode_answer(wire.encode_query(7, "x.y", 28), ["fd00::1"]))
    assert six is not None and six.qtype == "AAAA" and six.answers == ["fd00::1"]


def test_nxdomain_and_a_cut_short_answer() -> None:
    q = wire.encode_query(9, "nothing.invalid")
    nx = dnswire.parse(wire.encode_answer(q, [], rcode=3))
    assert nx is not None and nx.rcode == "NXDOMAIN" and nx.answers == []
    full = wire.encode_answer(q, ["10.0.0.1", "10.0.0.2"])
    cut = dnswire.parse(full[:-3])  # the agent reads at most 200 bytes
    assert cut is not None and cut.truncated and cut.answers == ["10.0.0.1"]


def test_a_glibc_query_as_captured_by_the_probe() -> None:
    # bytes of `getent ahosts nothing.invalid` sent with sendmmsg, as dns.bt printed them
    raw = b'"b\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07nothing\x07invalid\x00\x00\x01\x00\x01'
    msg = dnswire.parse(raw)
    assert msg is not None and msg.qname == "nothing.invalid" and msg.qtype == "A"


def test_not_dns() -> None:
    assert dnswire.parse(b"hello") is None
    assert dnswire.parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") is None


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_are_refused_never_raise(data: bytes) -> None:
    msg = dnswire.parse(data)
    assert msg is None or isinstance(msg.qname, str)


def test_a_compression_loop_is_refused() -> None:
    loop = b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"
    assert dnswire.parse(loop) is None
