"""The libbpf loader under volume, for real: hundreds of thousands of DNS queries (several
laps of the 16 MiB ring) are all read, none lost, none twice.

This is what found the ring's consumer position written byte by byte: the kernel, reading it
half-written as it crossed a 16 MiB boundary, saw the ring full and dropped a record — about
one per boundary however fast the reader was.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

from crumbs.agent.columns import Columns
from tests.agent.test_agent_live import need_ebpf, need_libbpf

QUERIES = 300_000
"""× 256-byte slots: 77 MB, four laps of the ``dns_msgs`` ring."""

_SENDER = """
import fcntl, socket, struct, sys
name, count = sys.argv[1], int(sys.argv[2])
# a network namespace of its own (unshare -n): its loopback up, a sink on 127.0.0.1:53 that
# nobody reads (the kernel drops what overflows its buffer), nothing reaches the host's port 53
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", 0x1 | 0x8 | 0x40))  # SIOCSIFFLAGS: up
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
sink.bind(("127.0.0.1", 53))
question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\\0\\0\\1\\0\\1"
send, to = s.sendto, ("127.0.0.1", 53)
for i in range(count):
    send(struct.pack(">HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + question, to)
"""


def _through_the_loader(
    queries: int, ring_mb: int | None = None
) -> tuple[int, int, dict[str, int]]:
    """(queries read, events the kernel dropped, the rings' sizes): ``queries`` DNS queries sent
    while a session reads them as the agent does."""
    need_ebpf()
    need_libbpf()
    from crumbs.agent.libbpf_session import LibbpfSession, object_path

    path = object_path()
    assert path is not None
    name = f"volume-{uuid.uuid4().hex[:12]}.test.svc.cluster.local"
    session = LibbpfSession(path, ring_mb=ring_mb)
    session.start()
    sizes = session.ring_sizes
    sender = subprocess.Popen(
        ["unshare", "-n", sys.executable, "-c", _SENDER, name, str(queries)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen, lost, deadline = 0, -1, time.monotonic() + 120
    try:
        for batch in session.events(idle=0.1):  # read as the agent does, while it sends
            if isinstance(batch, Columns):
                seen += batch.column("dns", "qname").count(name)
            elif batch:  # a small take: decoded row by row
                seen += sum(1 for e in batch if e.qname == name)
            elif lost < 0 and sender.poll() is not None:
                lost = session.lost  # sent, and a quiet 0.1 s: what the kernel dropped
                session.stop()  # the reader drains the rest, then the batches end
            assert time.monotonic() < deadline, f"{seen:,} read after 120 s"
    finally:
        session.close()
        sender.kill()
        _, err = sender.communicate()
    assert sender.returncode == 0, err
    assert session.errors == []
    return seen, lost, sizes


def test_hundreds_of_thousands_of_queries_are_all_read_and_none_lost() -> None:
    seen, lost, _ = _through_the_loader(QUERIES)
    assert (seen, lost) == (QUERIES, 0)


def test_ring_sizes_are_set_before_loading_and_what_a_small_ring_drops_is_counted() -> None:
    """`crumbs agent --ring-mb N`: every ring buffer N MiB, set on the maps before the object is
    loaded. 1 MiB holds 4k DNS records, ~13 ms of this sender, less than the reader may sleep
    between small takes (20 ms): some are dropped, and every one of them is counted."""
    seen, lost, sizes = _through_the_loader(50_000, ring_mb=1)
    assert sizes == {"events": 1 << 20, "connects": 1 << 20, "dns_msgs": 1 << 20}
    assert seen <= 50_000 <= seen + lost  # read or counted, none gone unseen (others' may add)
    _, _, sizes = _through_the_loader(10, ring_mb=64)
    assert sizes == {"events": 64 << 20, "connects": 64 << 20, "dns_msgs": 64 << 20}


def test_the_agent_refuses_a_ring_size_that_is_not_a_power_of_two(cli) -> None:
    r = cli("agent", "--ring-mb", "3")
    assert r.code == 2 and "--ring-mb 3: a power of 2 from 1 to 1024" in r.err
