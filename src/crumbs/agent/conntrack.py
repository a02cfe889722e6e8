"""Conntrack events over netlink: what the kernel translated a connection to.

kube-proxy (iptables, IPVS and nftables modes alike) DNATs a Service's ClusterIP in the
kernel; the socket, and so the agent's connect probe, only ever sees the ClusterIP. Conntrack
keeps both sides: the *original* tuple (what the process dialled) and the *reply* tuple (who
answers: the backend pod the kernel chose). This module subscribes to conntrack's multicast
groups (``NFNLGRP_CONNTRACK_NEW``, ``_UPDATE``, ``_DESTROY``) on a ``NETLINK_NETFILTER`` socket
of the current network namespace and parses the ctnetlink messages itself (a few TLVs: the
measured cost and the dependency of a general netlink library are not needed for them).

Where it does not help: Cilium's kube-proxy replacement translates at the socket (``connect``
already returns the backend), so the connect probe has the backend and conntrack has no NAT
to show.

The message layout (linux/netfilter/nfnetlink_conntrack.h): ``nlmsghdr``, ``nfgenmsg``
(family, version, res_id), then attributes ``CTA_TUPLE_ORIG`` / ``CTA_TUPLE_REPLY`` (nested:
``CTA_TUPLE_IP`` {``CTA_IP_V4_SRC``, ``_DST``, ``CTA_IP_V6_SRC``, ``_DST``}, ``CTA_TUPLE_PROTO``
{``CTA_PROTO_NUM``, ``CTA_PROTO_SRC_PORT``, ``_DST_PORT``}), ``CTA_STATUS``,
``CTA_PROTOINFO`` {``CTA_PROTOINFO_TCP`` {``CTA_PROTOINFO_TCP_STATE``}}, ``CTA_ID``.
Ports and addresses are big-endian; attribute lengths are padded to 4 bytes.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_UPDATE, NFNLGRP_CONNTRACK_DESTROY = 1, 2, 3
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW, IPCTNL_MSG_CT_DELETE = 0, 2
NLM_F_CREATE, NLM_F_EXCL = 0x400, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_PROTOINFO, CTA_ID = 1, 2, 3, 4, 12
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE = 1, 1
IPS_DST_NAT = 1 << 5
TCP_STATES = ("NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
              "TIME_WAIT", "CLOSE", "SYN_SENT2")  # fmt: skip
"""``enum tcp_conntrack`` (linux/netfilter/nf_conntrack_tcp.h), by value."""
RECV_BUFFER = 8 * 1024 * 1024

_NLMSGHDR = struct.Struct("=IHHII")
_NFGENMSG = struct.Struct("=BBH")
_NLATTR = struct.Struct("=HH")


@dataclass(frozen=True, slots=True)
class Tuple:
    proto: int
    src: str
    sport: int
    dst: str
    dport: int


@dataclass(frozen=True, slots=True)
class ConntrackEvent:
    kind: str
    """``new``, ``update`` or ``destroy``."""
    original: Tuple
    """What was dialled: (client, ClusterIP:port) before any translation."""
    reply: Tuple | None
    """Who answers: its source is the backend the kernel chose (the DNAT's target)."""
    status: int
    tcp_state: str
    """The TCP state conntrack saw (``SYN_SENT``, ``ESTABLISHED``, ``CLOSE``…; ``""`` for UDP)."""
    id: int

    @property
    def translated(self) -> bool:
        """Whether the destination was rewritten (a Service's DNAT)."""
        return bool(self.status & IPS_DST_NAT)

    @property
    def backend(self) -> tuple[str, int] | None:
        """The address and port the connection really went to."""
        if self.reply is None:
            return None
        return self.reply.src, self.reply.sport


def _attrs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(type without flags, value start, value end) of each attribute in [start, end)."""
    pos = start
    while pos + 4 <= end:
        length, kind = _NLATTR.unpack_from(data, pos)
        if length < 4 or pos + length > end:
            return
        yield kind & ~NLA_F_NESTED & 0x7FFF, pos + 4, pos + length
        pos += (length + 3) & ~3


def _tuple(data: bytes, start: int, end: int) -> Tuple | None:
    src = dst = ""
    proto = sport = dport = 0
    for kind, a, b in _attrs(data, start, end):
        if kind == CTA_TUPLE_IP:
            for ip_kind, c, d in _attrs(data, a, b):
                if ip_kind in (CTA_IP_V4_SRC, CTA_IP_V6_SRC):
                    src = str(ipaddress.ip_address(data[c:d]))
                elif ip_kind in (CTA_IP_V4_DST, CTA_IP_V6_DST):
                    dst = str(ipaddress.ip_address(data[c:d]))
        elif kind == CTA_TUPLE_PROTO:
            for p_kind, c, d in _attrs(data, a, b):
                if p_kind == CTA_PROTO_NUM:
                    proto = data[c]
                elif p_kind == CTA_PROTO_SRC_PORT:
                    sport = int.from_bytes(data[c:d], "big")
                elif p_kind == CTA_PROTO_DST_PORT:
                    dport = int.from_bytes(data[c:d], "big")
    if not src or not dst:
        return None
    return Tuple(proto, src, sport, dst, dport)


def parse(data: bytes) -> Iterator[ConntrackEvent]:
    """The conntrack events of one netlink datagram (others, and malformed ones, skipped)."""
    pos = 0
    while pos + _NLMSGHDR.size <= len(data):
        length, mtype, flags, _, _ = _NLMSGHDR.unpack_from(data, pos)
        if length < _NLMSGHDR.size or pos + length > len(data):
            return
        end = pos + length
        if mtype >> 8 == NFNL_SUBSYS_CTNETLINK:
            event = _event(data, pos + _NLMSGHDR.size, end, mtype & 0xFF, flags)
            if event is not None:
                yield event
        pos += (length + 3) & ~3


def _event(data: bytes, start: int, end: int, msg: int, flags: int) -> ConntrackEvent | None:
    if msg == IPCTNL_MSG_CT_DELETE:
        kind = "destroy"
    elif msg == IPCTNL_MSG_CT_NEW:
        kind = "new" if flags & (NLM_F_CREATE | NLM_F_EXCL) else "update"
    else:
        return None
    original = reply = None
    status = ident = 0
    state = ""
    for a_kind, a, b in _attrs(data, start + _NFGENMSG.size, end):
        if a_kind == CTA_TUPLE_ORIG:
            original = _tuple(data, a, b)
        elif a_kind == CTA_TUPLE_REPLY:
            reply = _tuple(data, a, b)
        elif a_kind == CTA_STATUS and b - a >= 4:
            status = int.from_bytes(data[a : a + 4], "big")
        elif a_kind == CTA_ID and b - a >= 4:
            ident = int.from_bytes(data[a : a + 4], "big")
        elif a_kind == CTA_PROTOINFO:
            for p_kind, c, d in _attrs(data, a, b):
                if p_kind == CTA_PROTOINFO_TCP:
                    for t_kind, e, f in _attrs(data, c, d):
                        if t_kind == CTA_PROTOINFO_TCP_STATE and f > e:
                            value = data[e]
                            state = TCP_STATES[value] if value < len(TCP_STATES) else str(value)
    if original is None:
        return None
    return ConntrackEvent(kind, original, reply, status, state, ident)


class Subscription:
    """Conntrack events of this network namespace as they happen (needs CAP_NET_ADMIN)."""

    def __init__(self, groups: tuple[int, ...] = (NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_UPDATE, NFNLGRP_CONNTRACK_DESTROY)) -> None:  # fmt: skip
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECV_BUFFER)
            mask = 0
            for g in groups:
                mask |= 1 << (g - 1)
            self.sock.bind((os.getpid() & 0x3FFFFF, mask))
        except OSError:
            self.sock.close()
            raise
        self.overruns = 0
        """Times the kernel dropped events because this reader fell behind (ENOBUFS)."""

    def fileno(self) -> int:
        return self.sock.fileno()

    def read(self, timeout: float | None = None) -> list[ConntrackEvent]:
        """The events of one datagram (an empty list on timeout or after an overrun)."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(RECV_BUFFER)
        except TimeoutError:
            return []
        except OSError as err:
            if err.errno == 105:  # ENOBUFS: the kernel dropped events; counted, reading goes on
                self.overruns += 1
                return []
            raise
        return list(parse(data))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
