"""``app.timeline.page``: the web UI's pages of a window are the timeline itself, newest first,
however the window is cut (times shared by many entries included), each page read alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crumbs.app import timeline
from crumbs.report.timeline import as_json
from crumbs.store import Store
from crumbs.timeutil import parse_time
from tests.conftest import deployment, watch_line


def _store_with_ties(cli, tmp_path: Path) -> None:
    """The demo plus 60 changes of 20 Deployments, three at each second (ties across pages)."""
    from crumbs.cli.demo import recording

    (tmp_path / "incident.jsonl").write_bytes(recording())
    assert cli("ingest", str(tmp_path / "incident.jsonl")).code == 0
    lines = []
    for step in range(3):
        for i in range(20):
            dep = deployment(name=f"app-{i:02d}", image=f"registry.example/app:{step}.{i}")
            dep["metadata"]["resourceVersion"] = str(1000 + step * 100 + i)
            lines.append(
                watch_line(
                    "MODIFIED" if step else "ADDED",
                    dep,
                    f"2026-11-27T16:00:{step * 7 + i // 3:02d}Z",
                )
            )
    (tmp_path / "ties.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    assert cli("ingest", "--cluster", "demo", str(tmp_path / "ties.jsonl")).code == 0


@pytest.mark.parametrize("limit", [1, 7, 30, 200])
def test_pages_put_together_are_the_timeline(
    cli, store_path: str, tmp_path: Path, limit: int
) -> None:
    _store_with_ties(cli, tmp_path)
    with Store.open(store_path, create=False) as store:
        whole = as_json(timeline.timeline(store).entries)[::-1]
        seen, before, pages = [], None, 0
        while True:
            p = timeline.page(store, before=before, limit=limit)
            seen += as_json(p.entries)
            pages += 1
            assert len(p.entries) >= min(limit, 1)
            if p.older is None:
                break
            assert p.older < (before or 2**63) and pages < 500
            before = p.older
        key = lambda e: json.dumps(e, sort_keys=True)  # noqa: E731
        assert sorted(map(key, seen)) == sorted(map(key, whole))  # the same entries, none twice
        times = [parse_time(e["at"]) for e in seen]
        assert times == sorted(times, reverse=True)
        if limit < len(whole):
            assert pages > 1


def test_a_page_filters_as_the_timeline_does(cli, store_path: str, tmp_path: Path) -> None:
    _store_with_ties(cli, tmp_path)
    with Store.open(store_path, create=False) as store:
        for args in (
            {"channels": ["human"]},
            {"kinds": ["svc"]},
            {"namespace": "shop", "events": False},
            {"actors": ["kubectl"]},
        ):
            whole = as_json(timeline.timeline(store, **args).entries)[::-1]  # type: ignore[arg-type]
            first = as_json(timeline.page(store, limit=10, **args).entries)  # type: ignore[arg-type]
            assert first == whole[: len(first)] or sorted(map(str, first)) == sorted(
                map(str, whole[: len(first)])
            ), args
            assert len(first) == min(10, len(whole)) or len(first) > 10


def test_the_histogram_counts_the_whole_window(cli, store_path: str, tmp_path: Path) -> None:
    _store_with_ties(cli, tmp_path)
    with Store.open(store_path, create=False) as store:
        p = timeline.page(store, limit=5)
        assert p.histogram is not None
        first, width, revisions, events = p.histogram
        assert sum(revisions) == store.queries.counts()["revisions"]
        assert sum(events) == store.queries.counts()["events"]
        assert (
            first == store.queries.earliest_time()
            and width > 0
            and len(revisions) == timeline.PAGE_BARS
        )
