"""Golden scans of real objects: gitops-engine's health test data and popeye's lint test data.

The goldens in ``golden/`` were reviewed by hand against what each project says
of its objects; comments there name where Crumbs deliberately differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CORPUS, need_corpus

GOLDEN = Path(__file__).parent / "golden"
HEALTH = sorted(p.stem for p in (CORPUS / "gitops-engine" / "health").glob("*.yaml"))


def _found(report: Any, with_subject: bool) -> list[str]:
    out = []
    for f in report["findings"]:
        line = f"{f['severity']} {f['analyzer']}/{f['rule']}"
        if with_subject:
            line += f" {f['subject']['kind']}/{f['subject']['name']}"
        out.append(line)
    return sorted(out)


@pytest.mark.parametrize("name", HEALTH or ["(corpus missing)"])
def test_gitops_engine_health(cli, name: str) -> None:
    corpus = need_corpus()
    golden = yaml.safe_load((GOLDEN / "gitops-engine-health.yaml").read_text())
    ingest = cli("ingest", str(corpus / "gitops-engine" / "health" / f"{name}.yaml"))
    want = golden[name]
    if want == "rejected":
        assert ingest.code != 0 and "without metadata" in ingest.err
        return
    assert ingest.code == 0, ingest.err
    scan = cli("scan", "-o", "json")
    got = _found(scan.json(), with_subject=False)
    assert got == sorted(want), name
    assert scan.code == (3 if any(g.startswith("error") for g in got) else 0)


def test_gitops_engine_health_golden_covers_every_file() -> None:
    need_corpus()
    golden = yaml.safe_load((GOLDEN / "gitops-engine-health.yaml").read_text())
    assert sorted(golden) == HEALTH


def test_popeye(cli) -> None:
    corpus = need_corpus()
    assert cli("ingest", str(corpus / "popeye")).code == 0
    got = _found(cli("scan", "-o", "json").json(), with_subject=True)
    want = yaml.safe_load((GOLDEN / "popeye.yaml").read_text())
    assert got == sorted(want)
