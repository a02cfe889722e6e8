"""The application layer's results are the JSON contract: plain JSON, as any client's encoder
takes it (no enum keys, nothing that needs an option to serialise)."""

from __future__ import annotations

import orjson

from crumbs.app import (
    blame,
    diagnose,
    diff,
    drift,
    facts,
    history,
    objects,
    releases,
    rollouts,
    timeline,
)
from crumbs.store import Store


def test_every_result_is_plain_json(demo_cli, store_path: str) -> None:
    with Store.open(store_path, create=False) as store:
        results = [
            diagnose.scan(store).json(),
            diagnose.why(store, "svc/checkout", namespace="shop").json(),
            timeline.timeline(store).json(),
            history.history(store, "svc/checkout", namespace="shop").json(),
            diff.diff(store, "svc/checkout", namespace="shop").json(),
            blame.blame(store, "svc/checkout", namespace="shop").json(),
            rollouts.rollouts(store, "deploy/billing", namespace="shop").json(),
            releases.releases(store).json(),
            drift.drift_of(store).json(),
            objects.get(store, "deploy").json(),
            facts.info(store),
        ]
    for doc in results:
        assert orjson.loads(orjson.dumps(doc)) == doc  # no option needed, nothing lost
    scan = results[0]
    assert set(scan["summary"]) == {"error", "warning", "info"} and scan["findings"]
