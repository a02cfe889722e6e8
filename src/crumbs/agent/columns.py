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
from crumbs.agent.binrecords import (
    ACCEPT,
    ANSWER,
    CONNECT,
    QUERY,
    c_text,
    dialed_text,
    positional_constructor,
)
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


@dataclass(frozen=True)
class Shape:
    """An event kind's columns: their field names, in the order ``make`` takes them; those in
    ``lists`` hold tuples that each event gets as a list of its own."""

    type: str
    names: tuple[str, ...]
    make: Callable[..., NodeEvent]
    lists: tuple[int, ...] = ()


def _shape(
    type: str, names: tuple[str, ...], lists: tuple[str, ...] = (), **fixed: object
) -> Shape:
    make = positional_constructor(names, type=type, **fixed)
    return Shape(type, names, make, tuple(names.index(n) for n in lists))


_CONNECT = _shape(
    "connect",
    ("at", "pid", "cgroup", "comm", "saddr", "sport", "daddr", "dport", "outcome", "dialed"),
)
_ACCEPT = _shape(
    "accept", ("at", "cgroup", "daddr", "dport", "saddr", "sport"), outcome="established"
)
_DNS = _shape("dns", ("at", "pid", "cgroup", "comm", "server", "qname", "qtype", "rcode", "answers"),
              lists=("answers",))  # fmt: skip


@dataclass
class Part:
    """Rows of one event kind: a column per field of its :class:`Shape`."""

    shape: Shape
    columns: list[list[Any]]

    def events(self) -> Iterator[NodeEvent]:
        cols: list[Any] = list(self.columns)
        for i in self.shape.lists:
            cols[i] = map(list, cols[i])
        return map(self.shape.make, *cols)


class Columns:
    """A decoded batch: its length is known, its events are made when it is iterated."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = [p for p in parts if p.columns and p.columns[0]]
        self._len = sum(len(p.columns[0]) for p in self.parts)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[NodeEvent]:
        return chain.from_iterable(p.events() for p in self.parts)

    def column(self, type: str, name: str) -> list[Any]:
        """One field of the batch's events of one ``type``, without making them."""
        return [v for p in self.parts if p.shape.type == type
                for v in p.columns[p.shape.names.index(name)]]  # fmt: skip


def _int_groups(values: Array) -> tuple[Array, Array]:
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _groups(*columns: Array) -> tuple[Array, Array]:
    """(a row of each distinct combination of the columns' values, each row's group number).
    Integer sorts only: a sort of raw bytes (a void dtype) compares them one by one and is ten
    times slower, so a byte column is grouped by its first 8-byte word, then by the next only
    while rows of one group still differ there (names and addresses rarely do)."""
    first, inverse = np.zeros(1, dtype=np.intp), np.zeros(len(columns[0]), dtype=np.intp)
    for column in columns:
        if column.dtype.kind == "V":
            words = np.ascontiguousarray(column).view("<u8").reshape(len(column), -1)
            parts = [words[:, i] for i in range(words.shape[1])]
        else:
            parts = [column]
        for part in parts:
            if (part == part[first][inverse]).all():
                continue  # the groups so far already tell these values apart
            _, within = _int_groups(part)
            first, inverse = _int_groups(inverse.astype(np.uint64) * np.uint64(len(part)) + within)
    return first, inverse


def _per_row(values: list[Any], inverse: Array) -> list[Any]:
    """Each row's value, from one value per group and the rows' group numbers."""
    table = np.empty(len(values), dtype=object)
    table[:] = values
    return list(table[inverse].tolist())


def _spread(convert: Callable[..., Any], *columns: Array) -> list[Any]:
    """``convert(*values)`` of each row, computed once per distinct combination of values."""
    if len(columns[0]) == 0:
        return []
    first, inverse = _groups(*columns)
    values = zip(*(c[first].tolist() for c in columns), strict=True)
    return _per_row([convert(*v) for v in values], inverse)


def _address(family: int, raw: bytes) -> str:
    if family == 10:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return socket.inet_ntop(socket.AF_INET, raw[:4])


def _ipv4(addr: int) -> str:
    return socket.inet_ntop(socket.AF_INET, int(addr).to_bytes(4, "little"))


def _addresses(rows: Array, field: str) -> list[str]:
    return _spread(_address, rows["family"], rows[field])


def _dialed(addr: int, port: int) -> str:
    return dialed_text(addr, port) if port else ""


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
        connects = Part(_CONNECT, [at, conn["pid"].tolist(), conn["cgroup"].tolist(),
                                   _spread(c_text, conn["comm"]), _addresses(conn, "saddr"),
                                   conn["sport"].tolist(), _addresses(conn, "daddr"),
                                   conn["dport"].tolist(),
                                   _spread(connect_outcome, conn["state"], conn["err"]),
                                   _spread(_dialed, conn["dial_addr"], conn["dial_port"])])  # fmt: skip
        # as bpftrace's "I" lines: the listener's side is the destination
        accepts = Part(_ACCEPT, [(acc["ns"] + np.uint64(self.offset)).tolist(),
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
        if not len(rows):
            return Columns([])
        length = np.minimum(rows["len"], DNS_PAYLOAD)
        # the message as a key: its bytes up to its length (the rest is whatever the ring held
        # before), the transaction id zeroed (no event keeps it), its length and direction
        payload = rows["payload"].copy()
        payload[np.arange(DNS_PAYLOAD)[None, :] >= length[:, None]] = 0
        payload[:, :2] = 0
        answer = rows["kind"] == ANSWER
        first, inverse = _groups(answer, length, payload.view(f"V{DNS_PAYLOAD}").reshape(-1))
        messages = [_message(a, n, raw) for a, n, raw in
                    zip(answer[first].tolist(), length[first].tolist(), payload[first].tolist(), strict=True)]  # fmt: skip
        valid = np.array([m is not None for m in messages], dtype=bool)
        keep = valid[inverse]
        rows, inverse = rows[keep], inverse[keep]

        def field(i: int) -> list[Any]:
            return _per_row([m[i] if m is not None else None for m in messages], inverse)

        return Columns([Part(_DNS, [(rows["ns"] + np.uint64(self.offset)).tolist(),
                                    rows["pid"].tolist(), rows["cgroup"].tolist(),
                                    _spread(c_text, rows["comm"]), _spread(_ipv4, rows["server"]),
                                    field(1), field(2), field(3), field(4)])])  # fmt: skip


def _message(
    answer: bool, length: int, raw: list[int]
) -> tuple[bool, str, str, str, tuple[str, ...]] | None:
    """A row's DNS message, None when it is none or goes the other way than its record says."""
    seen = dns_message(b"\0\0" + bytes(raw[2:length]))
    return seen if seen is not None and seen[0] == answer else None
