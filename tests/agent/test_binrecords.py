"""The libbpf loader's Python side without a kernel: ring buffer records found in a copied span
(busy and discarded ones too), and binary records decoded as bpftrace's lines are."""

from __future__ import annotations

import socket
import struct

from crumbs.agent import binrecords as br
from crumbs.agent.decode import Decoder
from crumbs.agent.ringbuf import BUSY, DISCARD, scan
from tests.fakes import dnswire as wire


def framed(*records: tuple[bytes, int]) -> bytes:
    """Ring buffer records: an 8-byte header (length | flags, page offset), 8-byte aligned."""
    parts = []
    for data, flags in records:
        parts.append(struct.pack("<II", len(data) | flags, 0) + data + b"\0" * (-len(data) % 8))
    return b"".join(parts)


def test_scan_stops_at_a_busy_record_and_skips_discarded_ones() -> None:
    span = framed((b"a" * 5, 0), (b"b" * 16, DISCARD), (b"c" * 9, 0), (b"d" * 3, BUSY), (b"e", 0))
    records, used = scan(span)
    assert [span[o : o + n] for o, n in records] == [b"a" * 5, b"c" * 9]
    assert used == 16 + 24 + 24  # up to the busy one, which the producer still writes
    assert scan(span[:20]) == ([(8, 5)], 16)  # a record cut off at the end waits
    assert scan(b"") == ([], 0)


def head(kind: int, pid: int, ns: int, cgroup: int, comm: bytes) -> bytes:
    return struct.pack("<IIQQ16s", kind, pid, ns, cgroup, comm)


def as_line(*fields: object) -> str:
    return "\x1f".join(str(f) for f in fields)


def test_binary_records_decode_as_bpftrace_lines_do() -> None:
    """Each kind, built as crumbs.bpf.c lays it out, gives the event the same probe's bpftrace
    line gives (the live test compares the two loaders on one workload)."""
    argv = [b"/bin/echo", b"hi", b"--password=hunter2"] + [b""] * 5
    exec_rec = head(br.EXEC, 42, 1000, 7, b"echo") + struct.pack(
        "<II16s64sII" + "64s" * 8, 1, 0, b"sh", b"/bin/echo", 3, 0, *argv
    )
    exit_rec = head(br.EXIT, 42, 2000, 7, b"echo") + struct.pack("<iI", 9, 0)  # killed by 9
    dial = int.from_bytes(socket.inet_aton("10.96.0.10"), "little")
    conn = head(br.CONNECT, 43, 3000, 8, b"curl") + struct.pack(
        "<IHH16s16sHHiII", 2, 40000, 8080, socket.inet_aton("10.0.0.5"), socket.inet_aton("10.0.1.7"),
        socket.htons(80), 7, 111, dial, 0,
    )  # fmt: skip
    acc = head(br.ACCEPT, 0, 4000, 9, b"") + struct.pack(
        "<IHH16s16sHHiII", 2, 8080, 40000, socket.inet_aton("10.0.1.7"), socket.inet_aton("10.0.0.5"),
        0, 1, 0, 0, 0,
    )  # fmt: skip
    query = wire.encode_query(1, "billing.shop.svc.cluster.local")
    server = int.from_bytes(socket.inet_aton("10.96.0.10"), "little")
    dns = head(br.QUERY, 44, 5000, 10, b"app") + struct.pack("<II200s", server, len(query), query)
    span = framed(*((r, 0) for r in (exec_rec, exit_rec, conn, acc, dns, b"\x03\0\0\0short")))
    decoder = br.BinaryDecoder(offset_ns=0)
    got = decoder.decode(span, scan(span)[0])
    assert decoder.malformed == 1  # the short record: counted, not a crash
    text = Decoder(offset_ns=0)
    expected = [
        text.feed(as_line("A", 42, "/bin/echo", "hi", "--password=hunter2", ""))
        or text.feed(as_line("X", 1000, 42, 1, 0, 7, "echo", "sh", "/bin/echo")),
        text.feed(as_line("E", 2000, 42, 9, 7, "echo")),
        text.feed(as_line("C", 3000, 43, 8, "curl", "10.0.0.5", 40000, "10.0.1.7", 8080, 7, 111, "10.96.0.10", 80)),
        text.feed(as_line("I", 4000, 9, "10.0.1.7", 8080, "10.0.0.5", 40000)),
        text.feed(as_line("Q", 5000, 44, 10, "app", "10.96.0.10", "".join(f"\\x{b:02x}" for b in query))),
    ]  # fmt: skip
    assert got == expected
    assert got[0].args == ["/bin/echo", "hi", "--password=[redacted]"]
    assert got[2].outcome == "refused" and got[2].dialed == "10.96.0.10:80"
    assert got[1].signal == 9 and got[1].exit_code is None
