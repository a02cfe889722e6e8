"""Objects that are valid JSON but not what Kubernetes writes: no analyzer may fail on them.

Every field of the recorded incidents is, in turn, replaced with a value of the
wrong type (null, a string, a number, a list, an object); the scan must still
run every analyzer to the end (a crash would show as an ``analyzer-failed``
finding) and rank causes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crumbs.analyze.registry import choose
from crumbs.analyze.scan import Options, run
from crumbs.analyze.view import ClusterView
from crumbs.formats.reader import read_bytes
from crumbs.model import Revision
from crumbs.store import Store
from crumbs.store.source import StoreSource

INCIDENTS = Path(__file__).parent.parent / "scenarios" / "incidents"
LINES = [
    orjson.loads(line)
    for path in sorted(INCIDENTS.glob("*.jsonl"))
    for line in path.read_bytes().splitlines()
]
WRONG = st.sampled_from([None, "x", "", 7, -1, 2**70, 1.5, True, [], [None], {}, {"a": None}])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


@st.composite
def damaged(draw: st.DrawFn) -> list[dict[str, Any]]:
    lines = [
        copy.deepcopy(line)
        for line in draw(st.lists(st.sampled_from(LINES), min_size=5, max_size=25))
    ]
    for line in lines:
        obj = line["object"]
        for _ in range(draw(st.integers(1, 4))):
            paths = [
                p
                for p in _paths(obj)
                if p[0] not in ("apiVersion", "kind") and p[:2] != ("metadata", "name")
            ]
            if paths:
                _set(obj, draw(st.sampled_from(paths)), copy.deepcopy(draw(WRONG)))
    return lines


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(damaged())
def test_no_analyzer_fails_on_damaged_objects(tmp_path: Path, lines: list[dict[str, Any]]) -> None:
    data = "\n".join(json.dumps(line) for line in lines).encode()
    records = [r for r in read_bytes(data, "damaged.jsonl") if isinstance(r, Revision)]
    path = tmp_path / f"{abs(hash(data))}.db"
    with Store.open(str(path)) as store:
        with store.writer(parallel=False) as w:
            for r in records:
                w.add(r)
        at = max(r.at or 0 for r in records) if records else 0
        view = ClusterView(StoreSource(store.queries), at)
        found = run(view, choose(), Options())
    failed = [
        f"{f.title} ({f.detail})" for f in found if f.rule in ("analyzer-failed", "ranking-failed")
    ]
    assert failed == []
