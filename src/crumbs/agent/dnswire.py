"""DNS messages as they cross the socket (RFC 1035), parsed leniently.

The agent reads at most the first 200 bytes of each UDP payload, so a response
may be cut short: what could be read is returned, never an exception.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

QTYPES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    65: "HTTPS",
}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


@dataclass(slots=True)
class DnsMessage:
    id: int
    response: bool
    rcode: str
    qname: str
    qtype: str
    answers: list[str] = field(default_factory=list)
    truncated: bool = False
    """The payload ended before every answer could be read."""


def _name(buf: bytes, pos: int, depth: int = 0) -> tuple[str, int]:
    """A (possibly compressed) name at ``pos``: (name, position after it). Raises IndexError/ValueError."""
    labels: list[str] = []
    end = -1
    hops = 0
    while True:
        n = buf[pos]
        if n & 0xC0 == 0xC0:
            if end < 0:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | buf[pos + 1]
            hops += 1
            if hops > 20:
                raise ValueError("compression loop")
            continue
        if n == 0:
            pos += 1
            break
        label = buf[pos + 1 : pos + 1 + n]
        if len(label) < n:
            raise IndexError("label cut short")
        labels.append(label.decode("ascii", "replace"))
        pos += 1 + n
        if len(labels) > 127:
            raise ValueError("too many labels")
    return ".".join(labels), end if end >= 0 else pos


def parse(buf: bytes) -> DnsMessage | None:
    """The message in ``buf``, or None when it is not DNS at all."""
    if len(buf) < 12:
        return None
    ident = int.from_bytes(buf[0:2], "big")
    flags = int.from_bytes(buf[2:4], "big")
    qdcount = int.from_bytes(buf[4:6], "big")
    ancount = int.from_bytes(buf[6:8], "big")
    if qdcount != 1 or flags & 0x7800:  # one question, opcode QUERY: what resolvers send
        return None
    try:
        qname, pos = _name(buf, 12)
        qtype = int.from_bytes(buf[pos : pos + 2], "big")
        if len(buf) < pos + 4:
            raise IndexError
    except (IndexError, ValueError):
        return None
    pos += 4
    response = bool(flags & 0x8000)
    msg = DnsMessage(
        ident,
        response,
        RCODES.get(flags & 0xF, str(flags & 0xF)) if response else "",
        qname,
        QTYPES.get(qtype, str(qtype)),
    )
    if not response:
        return msg
    try:
        for _ in range(ancount):
            _, pos = _name(buf, pos)
            rtype = int.from_bytes(buf[pos : pos + 2], "big")
            rdlen = int.from_bytes(buf[pos + 8 : pos + 10], "big")
            data = buf[pos + 10 : pos + 10 + rdlen]
            if len(data) < rdlen or pos + 10 > len(buf):
                raise IndexError
            if rtype == 1 and rdlen == 4:
                msg.answers.append(str(ipaddress.IPv4Address(data)))
            elif rtype == 28 and rdlen == 16:
                msg.answers.append(str(ipaddress.IPv6Address(data)))
            elif rtype == 5:
                msg.answers.append(_name(buf, pos + 10)[0])
            pos += 10 + rdlen
    except (IndexError, ValueError):
        msg.truncated = True
    return msg
