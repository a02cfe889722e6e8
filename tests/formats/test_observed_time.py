"""A snapshot's observed time: the newest time its objects and Events carry, never later.

Random Lists of Pods, Nodes and Events with times planted where the API keeps
them (creation, managedFields, conditions, container states, Event times, a
graceful deletion whose deletionTimestamp lies in the future) and where it keeps
other things (a certificate's expiry in an annotation, a CronJob schedule): the
snapshot is dated no later than the newest time it holds, no earlier than any
object's creation, never by the wall clock, and never by an annotation's future.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crumbs.timeutil import NS, format_time, parse_time

BASE = parse_time("2025-03-01T00:00:00Z")
assert BASE is not None
FUTURE = format_time(BASE + 3000 * 86400 * NS, precise=False)
"""Far later than anything the snapshot holds: an annotation's date, not an observation."""
_names = itertools.count()

offsets = st.integers(min_value=0, max_value=90 * 86400)


def _t(offset: int) -> str:
    return format_time(BASE + offset * NS, precise=False)


@st.composite
def pods(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A Pod and the newest moment it shows happened (the snapshot was taken after it)."""
    created = draw(offsets)
    happened = [created]

    def later() -> int:
        t = created + draw(st.integers(min_value=0, max_value=86400))
        happened.append(t)
        return t

    meta: dict[str, Any] = {
        "name": f"p{next(_names)}",
        "namespace": "ns",
        "uid": f"u{next(_names)}",
        "resourceVersion": "1",
        "creationTimestamp": _t(created),
        "annotations": {"cert-manager.io/expiry": FUTURE},
    }
    if draw(st.booleans()):
        meta["managedFields"] = [{"manager": "kubelet", "operation": "Update", "time": _t(later())}]
    if draw(st.booleans()):
        grace = draw(st.integers(min_value=1, max_value=10**6))
        meta["deletionTimestamp"] = _t(later() + grace)
        meta["deletionGracePeriodSeconds"] = grace
    status: dict[str, Any] = {"phase": "Running"}
    if draw(st.booleans()):
        status["conditions"] = [
            {"type": "Ready", "status": "True", "lastTransitionTime": _t(later())}
        ]
    if draw(st.booleans()):
        status["containerStatuses"] = [
            {"name": "c", "restartCount": 1, "state": {"running": {"startedAt": _t(later())}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": _t(later())}}}
        ]  # fmt: skip
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": status}
    return doc, BASE + max(happened) * NS


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(offsets)
    last = first + draw(st.integers(min_value=0, max_value=3600))
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"e{next(_names)}", "namespace": "ns", "uid": f"ue{next(_names)}"},
        "involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container",
        "type": "Warning",
        "firstTimestamp": _t(first),
        "lastTimestamp": _t(last),
        "count": 2,
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(pods(), min_size=1, max_size=6), st.lists(events(), max_size=4))
def test_snapshot_time_never_later_than_its_newest_time(cli, tmp_path: Path, drawn, evs) -> None:
    objects = [doc for doc, _ in drawn]
    items = [*objects, *evs]
    case = tmp_path / f"case{next(_names)}"
    case.mkdir()
    path = case / "list.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    result = cli("ingest", str(path), "-o", "json", db=str(case / "s.db"))
    assert result.code == 0, result.err
    (snap,) = result.json()["snapshots"]
    observed = parse_time(snap["observedAt"])
    assert observed is not None
    happened = [t for _, t in drawn] + [parse_time(e["lastTimestamp"]) or 0 for e in evs]
    assert observed <= max(happened)  # not the wall clock, an annotation, a grace period's end
    for o in objects:
        created = parse_time(o["metadata"]["creationTimestamp"])
        assert created is not None and observed >= created
    for e in evs:
        seen = parse_time(e["lastTimestamp"])
        assert seen is not None and observed >= seen
    assert observed == max(happened)  # and nothing it holds is ignored
