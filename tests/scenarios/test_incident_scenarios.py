"""Incident scenarios: a recorded cluster history in, the right finding and root cause out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).parent / "incidents"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text())


def _subject(ref: dict[str, Any]) -> str:
    return f"{ref['kind']}/{ref['name']}"


def _label(f: dict[str, Any]) -> str:
    return f"{f['analyzer']}/{f['rule']} on {_subject(f['subject'])}"


def _cause_matches(cause: dict[str, Any], want: dict[str, Any]) -> bool:
    return (
        _subject(cause["subject"]) == want["subject"]
        and cause["actor"].get("manager") == want["manager"]
        and want.get("summary", "") in cause["summary"]
    )


def test_at_least_fifteen_incidents_and_a_healthy_cluster() -> None:
    recorded = {p.stem for p in HERE.glob("*.jsonl")}
    assert set(EXPECTED) == recorded
    assert sum(1 for e in EXPECTED.values() if e["finding"]) >= 25
    assert EXPECTED["healthy"]["finding"] is None


def _ingest(cli, name: str) -> None:
    """The recording, and the ``kubectl logs`` files beside it (``POD__CONTAINER[__previous].log``)."""
    assert cli("ingest", str(HERE / f"{name}.jsonl")).code == 0
    for log in sorted((HERE / f"{name}.logs").glob("*.log")):
        pod, container, *previous = log.stem.split("__")
        args = ["--pod", f"shop/{pod}", "-c", container, *(["--previous"] if previous else [])]
        assert cli("ingest", str(log), *args).code == 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario(cli, name: str) -> None:
    want = EXPECTED[name]
    _ingest(cli, name)
    result = cli("scan", "-o", "json")
    report = result.json()
    findings = report["findings"]
    if want["finding"] is None:
        # the false-positive guards: an HPA at minReplicas, a Deployment scaled to zero on purpose,
        # completed Jobs, a finished rollout and healthy Nodes are not problems, not even warnings
        assert [_label(f) for f in findings if f["severity"] != "info"] == []
        assert result.code == 0
        return
    assert findings, "no findings"
    top = findings[0]
    if (
        want["finding"].get("first") is False
    ):  # another finding comes first: the one told here is checked
        top = next((f for f in findings if f"{f['analyzer']}/{f['rule']}" == want["finding"]["rule"]
                    and _subject(f["subject"]) == want["finding"]["subject"]), top)  # fmt: skip
    assert (f"{top['analyzer']}/{top['rule']}", top["severity"], _subject(top["subject"])) == (
        want["finding"]["rule"],
        want["finding"]["severity"],
        want["finding"]["subject"],
    ), [_label(f) for f in findings]
    assert result.code == (3 if any(f["severity"] == "error" for f in findings) else 0)
    if "detail" in want:
        assert want["detail"] in top["detail"]
    if "log" in want:  # the line the container wrote, cited, and whether it is new
        [cited] = [e for e in top["evidence"] if e["kind"] == "log"]
        assert (
            want["log"]["says"] in cited["summary"] and cited["newSinceCause"] == want["log"]["new"]
        )
        assert cited["lines"] and len(cited["lines"]) <= 3
    # another finding, or one told as part of a story (same object, same root cause)
    told = [_label(f) for f in findings] + [
        f"{a['analyzer']}/{a['rule']} on {_subject(f['subject'])}"
        for f in findings
        for a in f["also"]
    ]
    for other in want.get("also", []):
        assert other in told
    if want["cause"] is None:
        assert top["causes"] == []
        return
    assert top["causes"], f"no cause for {_label(top)}"
    first = top["causes"][0]
    assert _cause_matches(first, want["cause"]), (
        first["subject"],
        first["actor"],
        first["summary"],
    )
    assert first["rank"] == 1 and 0 < first["score"] <= 1
    assert first["why"] and first["paths"] is not None
    if "path" in want["cause"]:  # the edges from the symptom to the cause
        assert [e["edge"] for e in first["path"]] == want["cause"]["path"], first["path"]
    if "also_cause" in want:
        later = top["causes"][1:]
        assert any(_cause_matches(c, want["also_cause"]) for c in later)
        assert all(c["score"] <= first["score"] for c in later)


@pytest.mark.parametrize("name", sorted(n for n, w in EXPECTED.items() if w["finding"]))
def test_why_tells_the_same(cli, name: str) -> None:
    """``crumbs why KIND/NAME`` of the subject finds the same problem with the same first cause
    (a cluster-scoped subject too: a Node's problem is about pods in namespaces)."""
    want = EXPECTED[name]
    _ingest(cli, name)
    kind, _, obj = want["finding"]["subject"].partition("/")
    found = cli("why", f"{kind.lower()}/{obj}", "-o", "json").json()["findings"]
    same = [f for f in found if f"{f['analyzer']}/{f['rule']}" == want["finding"]["rule"]
            and _subject(f["subject"]) == want["finding"]["subject"]]  # fmt: skip
    assert same, [_label(f) for f in found]
    if want["cause"] is not None:
        assert _cause_matches(same[0]["causes"][0], want["cause"])
