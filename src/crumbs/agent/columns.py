"""The libbpf loader's busy rings read as columns: connects and accepts, DNS messages.

Their records all have one size (``probes/crumbs.bpf.c``: ``connects``, ``dns_msgs``), so a
:meth:`~crumbs.agent.ringbuf.RingBuffer.take_slots` span is an array of fixed records, read
here with NumPy without touching one record in Python: a column per field, and every value
that turns into text (an address, a name, an outcome, a parsed DNS message) converted once
per distinct value in the batch (``np.unique``), then spread back over the rows. What a batch
holds is decoded; :class:`Columns` makes its :class:`NodeEvent` objects only when iterated
(one positional constructor call per row), on the pipeline's thread, not the ring reader's.

The events are the ones :class:`~crumbs.agent.binrecords.BinaryDecoder` makes of the same
records, field for field (tested). NumPy stays in this module.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from crumbs.activity import NodeEvent
from crumbs.agent.binrecords import ACCEPT, ANSWER, CONNECT, QUERY, positional_constructor
from crumbs.agent.decode import connect_outcome, dns_message
from crumbs.agent.ringbuf import DISCARD

_HEAD = [("word", "<u4"), ("page", "<u4"), ("kind", "<u4"), ("pid", "<u4"), ("ns", "<u8"),
         ("cgroup", "<u8"), ("comm", "V16")]  # fmt: skip
CONNECT_SLOT = np.dtype(
    [
        *_HEAD,
        ("family", "<u4"),
        ("sport", "<u2"),
        ("dport", "<u2"),
        ("saddr", "V16"),
        ("daddr", "V16"),
        ("dial_port", "<u2"),
        ("state", "<u2"),
        ("err", "<i4"),
        ("dial_addr", "<u4"),
        ("pad", "<u4"),
    ]  # fmt: skip
)
"""A ``connects`` slot: the ring's 8-byte header, then ``struct conn_event``."""
DNS_PAYLOAD = 200
DNS_SLOT = np.dtype([*_HEAD, ("server", "<u4"), ("len", "<u4"), ("payload", "u1", DNS_PAYLOAD)])
"""A ``dns_msgs`` slot: the ring's 8-byte header, then ``struct dns_event``."""
CONNECT_LENGTH = CONNECT_SLOT.itemsize - 8
DNS_LENGTH = DNS_SLOT.itemsize - 8

Array = npt.NDArray[Any]

_connect = positional_constructor(
    ("at", "pid", "cgroup", "comm", "saddr", "sport", "daddr", "dport", "outcome", "dialed"),
    type="connect",
)
_accept = positional_constructor(
    ("at", "cgroup", "daddr", "dport", "saddr", "sport"), type="accept", outcome="established"
)
_dns = positional_constructor(
    ("at", "pid", "cgroup", "comm", "server", "qname", "qtype", "rcode", "answers"), type="dns"
)


@dataclass
class Part:
    """Rows of one event kind: ``columns`` in the order ``make`` takes them; the columns named in
    ``lists`` hold tuples that each event gets as a list of its own."""

    make: Callable[..., NodeEvent]
    columns: list[list[Any]]
    lists: tuple[int, ...] = ()

    def events(self) -> Iterator[NodeEvent]:
        cols: list[Any] = list(self.columns)
        for i in self.lists:
            cols[i] = map(list, cols[i])
        return map(self.make, *cols)


class Columns:
    """A decoded batch: its length is known, its events are made when it is iterated."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = [p for p in parts if p.columns and p.columns[0]]
        self._len = sum(len(p.columns[0]) for p in self.parts)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[NodeEvent]:
        return chain.from_iterable(p.events() for p in self.parts)


def _spread(values: Array, convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` of each row's value, computed once per distinct value."""
    if len(values) == 0:
        return []
    distinct, inverse = np.unique(values, return_inverse=True)
    table = np.empty(len(distinct), dtype=object)
    table[:] = [convert(v) for v in distinct.tolist()]
    return list(table[inverse.reshape(-1)].tolist())


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _address(pair: tuple[int, bytes]) -> str:
    family, raw = pair
    if family == 10:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return socket.inet_ntop(socket.AF_INET, raw[:4])


def _ipv4(addr: int) -> str:
    return socket.inet_ntop(socket.AF_INET, int(addr).to_bytes(4, "little"))


def _addresses(rows: Array, field: str) -> list[str]:
    keyed = np.empty(len(rows), dtype=[("family", "<u4"), ("addr", "V16")])
    keyed["family"] = rows["family"]
    keyed["addr"] = rows[field]
    return _spread(keyed, _address)


def _dialed(key: int) -> str:
    port = key & 0xFFFF
    return f"{_ipv4(key >> 16)}:{socket.ntohs(port)}" if port else ""


def _outcome(key: int) -> str:
    return connect_outcome(key >> 32, int(np.int32(np.uint32(key & 0xFFFFFFFF))))


def _live(span: bytes, count: int, dtype: np.dtype[Any]) -> Array:
    rows = np.frombuffer(span, dtype=dtype, count=count)
    discarded = (rows["word"] & DISCARD) != 0
    return rows[~discarded] if discarded.any() else rows


class ColumnDecoder:
    """The ``connects`` and ``dns_msgs`` rings' spans to :class:`Columns`; ``offset`` turns the
    kernel's monotonic ns into wall-clock time, as the other decoders do."""

    def __init__(self, offset_ns: int) -> None:
        self.offset = offset_ns
        self.malformed = 0

    def connects(self, span: bytes, count: int) -> Columns:
        rows = _live(span, count, CONNECT_SLOT)
        kind = rows["kind"]
        conn, acc = rows[kind == CONNECT], rows[kind == ACCEPT]
        self.malformed += len(rows) - len(conn) - len(acc)
        at = (conn["ns"] + np.uint64(self.offset)).tolist()
        outcome = (conn["state"].astype(np.uint64) << np.uint64(32)) | conn["err"].view(np.uint32)
        dial = (conn["dial_addr"].astype(np.uint64) << np.uint64(16)) | conn["dial_port"]
        connects = Part(_connect, [at, conn["pid"].tolist(), conn["cgroup"].tolist(),
                                   _spread(conn["comm"], _text), _addresses(conn, "saddr"),
                                   conn["sport"].tolist(), _addresses(conn, "daddr"),
                                   conn["dport"].tolist(), _spread(outcome, _outcome),
                                   _spread(dial, _dialed)])  # fmt: skip
        # as bpftrace's "I" lines: the listener's side is the destination
        accepts = Part(_accept, [(acc["ns"] + np.uint64(self.offset)).tolist(),
                                 acc["cgroup"].tolist(), _addresses(acc, "saddr"),
                                 acc["sport"].tolist(), _addresses(acc, "daddr"),
                                 acc["dport"].tolist()])  # fmt: skip
        return Columns([connects, accepts])

    def dns(self, span: bytes, count: int) -> Columns:
        rows = _live(span, count, DNS_SLOT)
        kind = rows["kind"]
        known = (kind == QUERY) | (kind == ANSWER)
        self.malformed += int((~known).sum())
        rows = rows[known]
        length = np.minimum(rows["len"], DNS_PAYLOAD)
        # the message as a key: its bytes up to its length (the rest is whatever the ring held
        # before), the transaction id zeroed (no event keeps it), its length and direction
        payload = rows["payload"].copy()
        payload[np.arange(DNS_PAYLOAD)[None, :] >= length[:, None]] = 0
        payload[:, :2] = 0
        keys = np.empty(
            len(rows), dtype=[("answer", "u1"), ("len", "<u4"), ("msg", f"V{DNS_PAYLOAD}")]
        )
        keys["answer"] = rows["kind"] == ANSWER
        keys["len"] = length
        keys["msg"] = payload.view(f"V{DNS_PAYLOAD}").reshape(-1)
        parsed = _spread(keys, _message)
        keep = np.fromiter((p is not None for p in parsed), dtype=bool, count=len(parsed))
        rows = rows[keep]
        messages = [p for p in parsed if p is not None]
        return Columns([Part(_dns, [(rows["ns"] + np.uint64(self.offset)).tolist(),
                                    rows["pid"].tolist(), rows["cgroup"].tolist(),
                                    _spread(rows["comm"], _text), _spread(rows["server"], _ipv4),
                                    [m[1] for m in messages], [m[2] for m in messages],
                                    [m[3] for m in messages], [m[4] for m in messages]],
                             lists=(8,))])  # fmt: skip


def _message(key: tuple[int, int, bytes]) -> tuple[bool, str, str, str, tuple[str, ...]] | None:
    """A row's DNS message, None when it is none or goes the other way than its record says."""
    answer, length, raw = key
    seen = dns_message(b"\0\0" + bytes(raw[2:length]))
    return seen if seen is not None and seen[0] == bool(answer) else None
