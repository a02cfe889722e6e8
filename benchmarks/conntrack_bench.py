"""The agent's conntrack parser (issue 20) beside pyroute2's (the maintained library the issue
names), on the same ctnetlink message, same run: messages/s decoded to the backend address."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, str, str], None]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
N = 100_000


def run(report: Report) -> None:
    from crumbs.agent.conntrack import parse
    from tests.agent.test_conntrack import _ct_message

    msg = _ct_message(("10.244.1.5", 40000, "10.96.0.10", 80), ("10.0.0.2", 8080, "10.244.1.5", 40000), 1 << 5 | 0x8, 1)  # fmt: skip
    t = time.perf_counter()
    for _ in range(N):
        for e in parse(msg):
            assert e.backend is not None
    own = N / (time.perf_counter() - t)
    report("conntrack message → backend, the agent's parser", f"{own:,.0f} messages/s", "")
    try:
        from pyroute2.netlink.nfnetlink.nfctsocket import nfct_msg
    except ImportError:
        report("the same with pyroute2", "not installed (pip install -e '.[bench]')", "")
        return
    t = time.perf_counter()
    for _ in range(N // 10):
        m = nfct_msg(msg)
        m.decode()
        m.get_attr("CTA_TUPLE_REPLY").get_attr("CTA_TUPLE_IP").get_attr("CTA_IP_V4_SRC")
    theirs = N / 10 / (time.perf_counter() - t)
    report("the same with pyroute2 (nfct_msg.decode)", f"{theirs:,.0f} messages/s ({own / theirs:.1f}× slower than ours)", "")  # fmt: skip


def join_cost(report: Report) -> None:
    """Per connection: a translated connection's conntrack event kept (add), then the connect
    event given its backend (fill), with 100,000 connections in the table."""
    from crumbs.activity import NodeEvent
    from crumbs.agent.conntrack import parse
    from crumbs.agent.natjoin import NatJoin
    from tests.agent.test_conntrack import _ct_message

    nat = NatJoin()
    msgs, events = [], []
    for i in range(N):
        sport = 1024 + i % 60000
        client = f"10.244.{i // 60000}.5"
        msgs.append(_ct_message((client, sport, "10.96.0.10", 80), ("10.0.0.2", 8080, client, sport), 1 << 5 | 0x8, 1))  # fmt: skip
        events.append(NodeEvent(at=i, type="connect", saddr=client, sport=sport, daddr="10.96.0.10", dport=80, dialed="10.96.0.10:80"))  # fmt: skip
    parsed = [e for m in msgs for e in parse(m)]
    t = time.perf_counter()
    for c in parsed:
        nat.add(c)
    added = time.perf_counter() - t
    t = time.perf_counter()
    for e in events:
        nat.fill(e)
    filled = time.perf_counter() - t
    assert nat.joined == N, nat.joined
    report(
        "conntrack join per connection: keep the translation, give the connect its backend",
        f"{(added + filled) / N * 1e6:.2f} µs ({added / N * 1e6:.2f} keep + {filled / N * 1e6:.2f} fill; "
        "parsing the message is the row above)",
        "",
    )
