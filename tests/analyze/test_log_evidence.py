"""Log lines as a finding's evidence: the first error-looking line, and whether it is new since
the change blamed (compared with the workload's logs from before it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crumbs.analyze.logtemplates import Line, first_error, mine

INCIDENTS = Path(__file__).parent.parent / "scenarios" / "incidents"
NAME = "crashloop-after-image-change-logged"
OLD, NEW = "inventory-5d8f7c9b4-x0q0z", "inventory-7b9c6d5f8-n0w0k"
PANIC = "2026-11-27T14:09:19.877Z panic: config: required key INVENTORY_REGION missing"


def _cited(cli, tmp_path: Path, logs: dict[str, list[str]]) -> dict[str, Any] | None:
    assert cli("ingest", str(INCIDENTS / f"{NAME}.jsonl")).code == 0
    for pod, lines in logs.items():
        path = tmp_path / f"{pod}.log"
        path.write_text("".join(line + "\n" for line in lines))
        previous = ["--previous"] if pod == NEW else []
        assert (
            cli("ingest", str(path), "--pod", f"shop/{pod}", "-c", "inventory", *previous).code == 0
        )
    crash = next(
        f for f in cli("scan", "-o", "json").json()["findings"] if f["rule"] == "crashloop"
    )
    return next((e for e in crash["evidence"] if e["kind"] == "log"), None)


def test_without_logs_from_before_nothing_is_said_of_novelty(cli, tmp_path: Path) -> None:
    cited = _cited(cli, tmp_path, {NEW: ["2026-11-27T14:09:18Z starting inventory 5.2.0", PANIC]})
    assert cited is not None and cited["newSinceCause"] is None
    assert "panic: config: required key INVENTORY_REGION missing" in cited["summary"]
    assert cited["template"] and cited["count"] == 1 and cited["lines"][-1] == PANIC


def test_an_error_logged_before_the_change_is_not_new(cli, tmp_path: Path) -> None:
    before = ["2026-11-27T13:30:00Z starting inventory 5.1.0",
              "2026-11-27T13:30:02Z panic: config: required key INVENTORY_ZONE missing"]  # fmt: skip
    cited = _cited(cli, tmp_path, {OLD: before, NEW: ["2026-11-27T14:09:18Z starting inventory 5.2.0", PANIC]})  # fmt: skip
    assert cited is not None and cited["newSinceCause"] is False
    assert "already logged before the change" in cited["summary"]


def test_a_log_without_errors_quotes_its_end(cli, tmp_path: Path) -> None:
    cited = _cited(cli, tmp_path, {NEW: ["2026-11-27T14:09:18Z starting inventory 5.2.0",
                                         "2026-11-27T14:09:19Z shutting down after SIGTERM"]})  # fmt: skip
    assert cited is not None and cited["template"] == "" and "shutting down" in cited["summary"]


def test_no_log_no_log_evidence(cli, tmp_path: Path) -> None:
    assert _cited(cli, tmp_path, {}) is None


def test_templates_group_values_and_find_errors() -> None:
    lines = [
        Line(f"2026-11-27T14:00:0{i}Z GET /api/items/{i * 17} 200 {i + 3}ms") for i in range(5)
    ]
    lines += [Line("2026-11-27T14:00:06Z dial tcp 10.96.0.10:5432: connect: connection refused"),
              Line("2026-11-27T14:00:07Z dial tcp 10.96.0.11:5432: connect: connection refused")]  # fmt: skip
    found = mine(lines)
    assert [t.count for t in found] == [5, 2]
    err = first_error(found)
    assert err is not None and err.count == 2 and "connection refused" in err.text
    assert err.example == "dial tcp 10.96.0.10:5432: connect: connection refused"


def test_a_failing_cronjob_cites_its_runs_log(cli, tmp_path: Path) -> None:
    name = "cron-old-image"
    assert cli("ingest", str(INCIDENTS / f"{name}.jsonl")).code == 0
    cron = next(
        f for f in cli("scan", "-o", "json").json()["findings"] if f["analyzer"] == "cronjobs"
    )
    job_pod = f"{cron['subject']['name']}-29400000-abcde"
    log = tmp_path / "run.log"
    log.write_text(
        "2026-11-27T14:30:01Z invoice run starting\n2026-11-27T14:30:02Z ERROR database schema version 7 is newer than supported (5)\n"
    )
    assert (
        cli("ingest", str(log), "--pod", f"shop/{job_pod}", "-c", cron["subject"]["name"]).code == 0
    )
    again = next(f for f in cli("scan", "-o", "json").json()["findings"] if f["id"] == cron["id"])
    [cited] = [e for e in again["evidence"] if e["kind"] == "log"]
    assert "schema version" in cited["summary"] and cited["subject"]["name"] == job_pod
