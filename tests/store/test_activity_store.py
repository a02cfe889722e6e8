"""Node events in the store: raw rows bounded, rollups merged across batches and kept."""

from __future__ import annotations

from crumbs.activity import NodeEvent
from crumbs.store import Store
from crumbs.store.activity import MINUTE


def connect(at: int, outcome: str = "established", pod: str = "web-1") -> NodeEvent:
    return NodeEvent(at=at, type="connect", node="n1", namespace="shop", pod=pod, pod_uid="u-" + pod,
                     comm="curl", daddr="10.0.0.7", dport=80, outcome=outcome)  # fmt: skip


def test_rollups_add_up_across_batches_and_outlive_pruned_events(store: Store) -> None:
    w = store.activity_writer("c1", retain=50_000)
    t0 = 1_800_000_000 * 10**9
    t0 -= t0 % MINUTE
    for batch in range(3):
        w.write(
            [
                connect(t0 + batch * 1000 + i, "refused" if i % 10 == 0 else "established")
                for i in range(40_000)
            ]
        )
    w.close()
    assert store.activity.count() == 40_000  # whole batches pruned, oldest first, down to ≤ 50,000
    assert w.pruned == 80_000
    rows = store.activity.rollups(cluster="c1")
    assert {(r.subject, r.result): r.count for r in rows} == {
        ("10.0.0.7:80", "established"): 108_000,
        ("10.0.0.7:80", "refused"): 12_000,
    }
    assert all(r.minute == t0 and r.first_at >= t0 for r in rows)
    newest = store.activity.events(cluster="c1", limit=5)
    assert [e.at for e in newest] == sorted(e.at for e in newest) and newest[
        -1
    ].at == t0 + 2000 + 39_999
    assert all(e.id is not None for e in newest)
    assert store.queries.latest_time() == t0 + 2000 + 39_999


def test_filters(store: Store) -> None:
    w = store.activity_writer("c1")
    w.write(
        [
            connect(10, pod="a"),
            connect(20, pod="b"),
            NodeEvent(at=30, type="exec", binary="/bin/sh", host=True),
        ]
    )
    w.close()
    assert [e.pod for e in store.activity.events(types=["connect"], pod="b")] == ["b"]
    assert [e.type for e in store.activity.events(start=15, end=30)] == ["connect", "exec"]
    assert [r.pod for r in store.activity.rollups(types=["exec"])] == ["host"]


def test_chunks_packed_before_a_field_was_added_still_unpack() -> None:
    """The store packs a node event's fields in order; a chunk written before ``backend`` existed
    (one value fewer) reads back with it empty, and one written now keeps it."""
    from crumbs.activity import NodeEvent
    from crumbs.store.activity import PACKED, pack, unpack

    e = NodeEvent(at=5, type="connect", daddr="10.96.0.10", dport=80, backend="10.244.2.7:8080")
    assert unpack(list(pack(e)), 9).backend == "10.244.2.7:8080"
    old = [v for name, v in zip(("version", *PACKED), pack(e), strict=True) if name != "backend"]
    back = unpack(old, 9)
    assert (back.backend, back.daddr, back.id) == ("", "10.96.0.10", 9)


def test_retention_by_age_and_per_cluster(store: Store) -> None:
    """``max_age`` drops a cluster's chunks that ended before now − age (never its newest), and a
    cluster's count bound leaves another cluster's events alone."""
    import time

    now = time.time_ns()
    day = 86_400 * 10**9
    other = store.activity_writer("c2")
    other.write([connect(now - 10 * day + i) for i in range(100)])
    other.close()
    before = store.activity_writer("c1")
    before.write([connect(now - 5 * day + i) for i in range(300)])  # older than 2 days
    before.write([connect(now - day + i) for i in range(300)])
    before.close()
    w = store.activity_writer("c1", retain=1_000, max_age=2 * day)
    w.write([connect(now - 10 + i, pod="b") for i in range(5)])  # the first write checks the age
    assert w.pruned == 300
    w.write([connect(now + i, pod="c") for i in range(900)])  # over the count: the oldest goes
    w.close()
    c1 = store.activity.events(cluster="c1", limit=10_000)
    assert len(c1) == 905 and {e.pod for e in c1} == {"b", "c"}
    assert store.activity.count() == 905 + 100  # c2's old events: not c1's to prune
