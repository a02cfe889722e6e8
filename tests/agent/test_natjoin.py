"""Connect events joined with conntrack's translations: the backend behind a ClusterIP."""

from __future__ import annotations

from crumbs.activity import NodeEvent
from crumbs.agent.conntrack import ConntrackEvent, Tuple
from crumbs.agent.natjoin import KEEP, NatJoin


def _ct(kind: str, sport: int, backend: str = "10.244.2.7", status: int = 1 << 5) -> ConntrackEvent:
    return ConntrackEvent(kind, Tuple(6, "10.244.1.5", sport, "10.96.0.10", 80), Tuple(6, backend, 8080, "10.244.1.5", sport),
                          status, "SYN_SENT", 1)  # fmt: skip


def _connect(sport: int, dialed: str = "10.96.0.10:80") -> NodeEvent:
    return NodeEvent(
        at=1,
        type="connect",
        saddr="10.244.1.5",
        sport=sport,
        daddr="10.96.0.10",
        dport=80,
        dialed=dialed,
    )


def test_a_translated_connection_gets_its_backend_and_others_do_not() -> None:
    now = [0.0]
    join = NatJoin(clock=lambda: now[0])
    join.add(_ct("new", 40000))
    join.add(_ct("new", 40001, status=0))  # not translated: nothing to say
    assert join.fill(_connect(40000)).backend == "10.244.2.7:8080"
    assert join.fill(_connect(40001)).backend == ""
    assert join.fill(_connect(40002)).backend == ""  # conntrack never saw it
    exec_event = NodeEvent(at=1, type="exec", binary="/bin/sh")
    assert join.fill(exec_event).backend == ""
    now[0] = KEEP + 1
    join.add(_ct("new", 40003, backend="10.244.3.9"))  # adding expires what is older than KEEP
    assert join.fill(_connect(40000)).backend == ""
    assert join.fill(_connect(40003)).backend == "10.244.3.9:8080"
    assert (join.translations, join.joined) == (2, 2)
