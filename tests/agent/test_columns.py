"""The fixed-size rings read as columns, without a kernel: the events equal the row decoder's
(:class:`BinaryDecoder`) on the same records, field for field, whatever mix a batch holds;
busy, discarded and foreign slots are handled as the kernel's ring buffer can present them."""

from __future__ import annotations

import socket
import struct

import pytest

from crumbs.agent import binrecords as br
from crumbs.agent.columns import CONNECT_LENGTH, DNS_LENGTH, ColumnDecoder
from crumbs.agent.ringbuf import BUSY, DISCARD, complete_slots, scan
from tests.fakes import dnswire as wire


def _head(kind: int, pid: int, ns: int, cgroup: int, comm: bytes) -> bytes:
    return struct.pack("<IIQQ16s", kind, pid, ns, cgroup, comm)


def _slot(record: bytes, flags: int = 0) -> bytes:
    return struct.pack("<II", len(record) | flags, 0) + record + b"\0" * (-len(record) % 8)


def _conn(
    kind: int, i: int, family: int = 2, state: int = 1, err: int = 0, dial: str = ""
) -> bytes:
    if family == 10:
        src = socket.inet_pton(socket.AF_INET6, f"fd00::{i % 5 + 1}")
        dst = socket.inet_pton(socket.AF_INET6, "2001:db8::")  # a tail of zeros, as IPv4's
    else:
        src = socket.inet_aton(f"10.0.0.{i % 5 + 1}") + bytes(12)
        dst = socket.inet_aton(f"10.0.{i % 3}.7") + bytes(12)
    dial_addr = int.from_bytes(socket.inet_aton(dial), "little") if dial else 0
    return _head(kind, 100 + i, 1_000 + i, 7 + i % 4, b"curl" if i % 2 else b"wget") + struct.pack(
        "<IHH16s16sHHiII", family, 40_000 + i, 8080, src, dst, socket.htons(80) if dial else 0,
        state, err, dial_addr, 0,
    )  # fmt: skip


def _dns(kind: int, i: int, payload: bytes, junk: bytes = b"") -> bytes:
    server = int.from_bytes(socket.inet_aton("10.96.0.10"), "little")
    body = (payload + junk)[:200]
    return _head(kind, 200 + i, 5_000 + i, 9, b"app") + struct.pack(
        "<II200s", server, len(payload), body
    )


def _both(
    records: list[bytes], length: int, flags: dict[int, int] | None = None
) -> tuple[list, list, int]:
    """(the column decoder's events, the row decoder's, slots complete) of one span."""
    flags = flags or {}
    span = b"".join(_slot(r, flags.get(i, 0)) for i, r in enumerate(records))
    slot = len(span) // len(records)
    count = complete_slots(span, slot, length)
    cols = ColumnDecoder(offset_ns=0)
    decode = cols.connects if length == CONNECT_LENGTH else cols.dns
    got = list(decode(span, count))
    rows = br.BinaryDecoder(offset_ns=0)
    used = count * slot
    expected = rows.decode(span[:used], scan(span[:used])[0])
    return got, expected, count


def test_connects_and_accepts_as_columns_equal_the_row_decoder() -> None:
    records = [_conn(br.CONNECT, i, state=1 if i % 3 else 7, err=0 if i % 3 else 111,
                     dial="10.96.0.50" if i % 4 == 0 else "") for i in range(40)]  # fmt: skip
    records += [_conn(br.ACCEPT, i) for i in range(5)]
    records += [_conn(br.CONNECT, i, family=10) for i in range(3)]
    records.append(_conn(br.CONNECT, 99, state=7, err=110))  # timed out
    got, expected, count = _both(records, CONNECT_LENGTH)
    assert count == len(records)
    span = b"".join(_slot(r) for r in records)
    batch = ColumnDecoder(offset_ns=0).connects(span, count)
    assert len(batch) == len(records)
    assert batch.column("accept", "dport") == [e.dport for e in got if e.type == "accept"]
    key = lambda e: (e.type, e.at, e.daddr)  # noqa: E731 - the column decoder groups by kind
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert {e.outcome for e in got} == {"established", "refused", "timeout"}
    assert {e.daddr for e in got if e.type == "connect"} >= {"2001:db8::", "10.0.1.7"}
    assert sum(1 for e in got if e.dialed == "10.96.0.50:80") == 10


def test_a_busy_slot_ends_the_batch_and_a_discarded_one_is_skipped() -> None:
    records = [_conn(br.CONNECT, i) for i in range(6)]
    got, _, count = _both(records, CONNECT_LENGTH, flags={1: DISCARD, 4: BUSY})
    assert count == 4  # the producer still writes the fifth: the batch stops before it
    assert [e.pid for e in got] == [100, 102, 103]


def test_a_record_of_another_size_is_refused_not_misread() -> None:
    span = _slot(_conn(br.CONNECT, 0)) + struct.pack("<II", 12, 0) + bytes(CONNECT_LENGTH)
    with pytest.raises(ValueError, match="a record of 12 bytes where all are 96"):
        complete_slots(span, CONNECT_LENGTH + 8, CONNECT_LENGTH)


def test_dns_messages_as_columns_equal_the_row_decoder_whatever_the_ring_held_before() -> None:
    names = ["billing.shop.svc.cluster.local", "api.example.com", "billing.shop.svc.cluster.local"]
    records = []
    for i, name in enumerate(names * 4):
        q = wire.encode_query(i * 7919 % 65536, name)  # transaction ids differ
        records.append(_dns(br.QUERY, i, q, junk=bytes([i]) * 50))  # stale bytes past the message
        records.append(
            _dns(br.ANSWER, i, wire.encode_answer(q, ["10.244.1.17"], rcode=3 if i % 5 == 0 else 0))
        )
    records.append(_dns(br.QUERY, 99, b"\x00\x01not a dns message at all"))
    records.append(_dns(br.ANSWER, 98, wire.encode_query(5, "sent.as.an.answer")))  # wrong way
    records.append(_dns(br.EXEC, 97, b""))  # not a DNS record: counted as malformed
    got, expected, count = _both(records, DNS_LENGTH)
    assert count == len(records)
    key = lambda e: e.at  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert len(got) == 24
    assert {e.rcode for e in got} == {"", "NOERROR", "NXDOMAIN"}
    answers = [e for e in got if e.rcode]
    assert all(e.answers == ["10.244.1.17"] for e in answers)
    assert answers[0].answers is not answers[1].answers  # each event its own list


def test_an_empty_span_is_an_empty_batch() -> None:
    cols = ColumnDecoder(offset_ns=0)
    assert len(cols.connects(b"", 0)) == 0 and list(cols.dns(b"", 0)) == []
