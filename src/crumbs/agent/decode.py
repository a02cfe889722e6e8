"""The probes' records (0x1f-separated printf lines) to :class:`NodeEvent`.

Record letters, as ``probes/*.bt`` print them:

====  ==========================================================================
A, B  argv[0..3] and argv[4..7] of an execve, before it succeeds (by pid)
X     exec: ns, pid, ppid, uid, cgroup, comm, parent comm, binary
E     exit of a process: ns, pid, wait status, cgroup, comm
C     TCP connect outcome: start ns, pid, cgroup, comm, saddr, sport, daddr, dport,
      new state, sk_err, dialed address, dialed port
I     TCP accept (SYN_RECV → ESTABLISHED): ns, listener cgroup, local, port, remote, port
Q, R  DNS payload sent / received: ns, pid, cgroup, comm, server, escaped bytes
====  ==========================================================================

Times are the kernel's monotonic clock; :class:`Decoder` turns them into wall-clock time.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from crumbs.activity import NodeEvent
from crumbs.agent import dnswire
from crumbs.redaction import for_sharing

SEP = "\x1f"
_ERRNO_OUTCOME = {
    111: "refused",
    110: "timeout",
    113: "unreachable",
    101: "unreachable",
    104: "reset",
}
_ARGV = for_sharing(None)
"""Arguments are masked on the node as plain ``[redacted]``: the agent holds no key."""


def unescape(text: str) -> bytes:
    """bpftrace's ``%rx`` (every byte ``\\xNN``) back to bytes; ValueError if it is not that."""
    return bytes.fromhex(text.replace("\\x", ""))


def connect_outcome(state: int, err: int) -> str:
    """A connect's outcome from the TCP state it left SYN_SENT for and the socket's error."""
    return "established" if state == 1 else _ERRNO_OUTCOME.get(err, "error")


def exit_event(at: int, pid: int, status: int, cgroup: int, comm: str) -> NodeEvent:
    """A process's end from its wait status (``task->exit_code``)."""
    sig = status & 0x7F
    return NodeEvent(at=at, type="exit", pid=pid, cgroup=cgroup, comm=comm,
                     exit_code=None if sig else (status >> 8) & 0xFF, signal=sig or None)  # fmt: skip


def dns_message(payload: bytes) -> tuple[bool, str, str, str, tuple[str, ...]] | None:
    """(is a response, name, type, rcode, answers) of a DNS message, None when it is not one;
    parsed once per distinct message but for its transaction id, which no event keeps."""
    key = payload[2:]
    seen = _DNS_SEEN.get(key, _MISSING)
    if seen is _MISSING:
        msg = dnswire.parse(payload)
        seen = (
            None
            if msg is None
            else (msg.response, msg.qname, msg.qtype, msg.rcode, tuple(msg.answers))
        )
        remember(_DNS_SEEN, key, seen)
    return seen  # type: ignore[no-any-return]


def dns_event(
    at: int, pid: int, cgroup: int, comm: str, server: str, payload: bytes, answer: bool
) -> NodeEvent | None:
    """A DNS message sent (``answer`` False) or received; None when it is not one."""
    seen = dns_message(payload)
    if seen is None or seen[0] != answer:
        return None
    _, qname, qtype, rcode, answers = seen
    return NodeEvent(at=at, type="dns", pid=pid, cgroup=cgroup, comm=comm, server=server,
                     qname=qname, qtype=qtype, rcode=rcode, answers=list(answers))  # fmt: skip


def redact_args(args: list[str]) -> list[str]:
    """``--password=x`` → ``--password=[redacted]``; the value after ``--token`` too; credentials anywhere."""
    key = tuple(args)
    done = _ARGS_SEEN.get(key)
    if done is None:
        done = tuple(str(a) for a in _ARGV.tree(args))
        remember(_ARGS_SEEN, key, done)
    return list(done)


_MISSING = object()
K = TypeVar("K")
V = TypeVar("V")
_SEEN_MAX = 4096
_DNS_SEEN: dict[bytes, Any] = {}
_ARGS_SEEN: dict[tuple[str, ...], tuple[str, ...]] = {}
"""What nodes repeat (a probe's command line, the same query and answer) is decoded and
redacted once: each was a third of the decoder's time on a busy node's mix (profiled)."""


def remember(cache: dict[K, V], key: K, value: V, limit: int = _SEEN_MAX) -> V:
    """Keep ``value`` under ``key`` in a cache of at most ``limit`` entries (full: it starts
    again empty, cheaper than any eviction order for what repeats); the value back."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


class Decoder:
    """Stateful: argv waits for its exec; wall-clock offset taken once."""

    def __init__(self, offset_ns: int | None = None) -> None:
        self.offset = offset_ns if offset_ns is not None else time.time_ns() - time.monotonic_ns()
        self._argv: dict[int, list[str]] = {}
        self.malformed = 0

    def feed(self, record: str) -> NodeEvent | None:
        """One record → an event (None for argv parts and for what could not be read)."""
        try:
            return self._feed(record.rstrip("\n").split(SEP))
        except (ValueError, IndexError):
            self.malformed += 1
            return None

    def _feed(self, f: list[str]) -> NodeEvent | None:
        kind = f[0]
        if kind == "X":
            pid = int(f[2])
            return NodeEvent(
                at=int(f[1]) + self.offset,
                type="exec",
                pid=pid,
                ppid=int(f[3]),
                uid=int(f[4]),
                cgroup=int(f[5]),
                comm=f[6],
                parent=f[7],
                binary=f[8],
                args=redact_args(self._argv.pop(pid, [])),
            )
        if kind == "A":
            if len(self._argv) > 4096:  # execs that failed leave their argv behind
                self._argv.clear()
            self._argv[int(f[1])] = [a for a in f[2:6] if a]
            return None
        if kind == "B":
            self._argv.setdefault(int(f[1]), []).extend(a for a in f[2:6] if a)
            return None
        if kind == "C":
            outcome = connect_outcome(int(f[9]), int(f[10]))
            dial_port = int(f[12])
            return NodeEvent(
                at=int(f[1]) + self.offset,
                type="connect",
                pid=int(f[2]),
                cgroup=int(f[3]),
                comm=f[4],
                saddr=f[5],
                sport=int(f[6]),
                daddr=f[7],
                dport=int(f[8]),
                outcome=outcome,
                dialed=f"{f[11]}:{dial_port}" if dial_port else "",
            )
        if kind == "E":
            return exit_event(int(f[1]) + self.offset, int(f[2]), int(f[3]), int(f[4]), f[5])
        if kind == "I":
            return NodeEvent(
                at=int(f[1]) + self.offset,
                type="accept",
                cgroup=int(f[2]),
                daddr=f[3],
                dport=int(f[4]),
                saddr=f[5],
                sport=int(f[6]),
                outcome="established",
            )
        if kind in ("Q", "R"):
            at, pid, cgroup = int(f[1]) + self.offset, int(f[2]), int(f[3])
            return dns_event(at, pid, cgroup, f[4], f[5], unescape(f[6]), kind == "R")
        raise ValueError(kind)
