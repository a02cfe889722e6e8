"""Provenance scenarios: recordings in the watch-event format, and who each change is attributed to."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent / "provenance"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario(cli, name: str) -> None:
    assert cli("ingest", str(HERE / f"{name}.jsonl")).code == 0
    changes = cli("timeline", "--no-events", "-o", "json").json()["entries"]
    want = EXPECTED[name]["changes"]
    assert [c["summary"] for c in changes] == [w["summary"] for w in want]
    for got, expected in zip(changes, want, strict=True):
        for field in ("manager", "channel", "certain", "tool", "note"):
            if field in expected:
                assert got["actor"][field] == expected[field], (got["summary"], field)
    drift = cli("drift", "-o", "json").json()["drift"]
    found = [
        {
            "owner": f"{d['owner']['kind']} {d['owner']['name']}",
            "path": f["path"],
            "manager": f["manager"],
        }
        for d in drift
        for f in d["fields"]
    ]
    assert found == EXPECTED[name]["drift"]
