"""DNS messages to send (RFC 1035): the queries and answers the agent's tests and benchmark put
on the wire for :mod:`crumbs.agent.dnswire` to read back."""

from __future__ import annotations

import ipaddress

from crumbs.agent.dnswire import parse


def encode_query(ident: int, name: str, qtype: int = 1) -> bytes:
    """A standard recursive query."""
    out = bytearray(ident.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
    for label in name.rstrip(".").split("."):
        raw = label.encode()
        out += bytes([len(raw)]) + raw
    out += b"\x00" + qtype.to_bytes(2, "big") + b"\x00\x01"
    return bytes(out)


def encode_answer(query: bytes, addresses: list[str], rcode: int = 0, ttl: int = 5) -> bytes:
    """The response to ``query`` with A/AAAA records pointing back at its question."""
    msg = parse(query)
    if msg is None:
        raise ValueError("not a DNS query")
    qend = 12 + len(msg.qname) + (2 if msg.qname else 1) + 4
    out = bytearray(query[:2])
    out += (0x8180 | rcode).to_bytes(2, "big")
    out += b"\x00\x01" + len(addresses).to_bytes(2, "big") + b"\x00\x00\x00\x00"
    out += query[12:qend]
    for a in addresses:
        ip = ipaddress.ip_address(a)
        rtype = 1 if ip.version == 4 else 28
        out += b"\xc0\x0c" + rtype.to_bytes(2, "big") + b"\x00\x01" + ttl.to_bytes(4, "big")
        out += len(ip.packed).to_bytes(2, "big") + ip.packed
    return bytes(out)
