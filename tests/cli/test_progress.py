"""Issue 21 item 2: a progress display on a terminal, nothing in a pipe or with -q."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.terminal import on_terminal


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """20 files of 1,000 ConfigMaps: long enough for the display to draw."""
    d = tmp_path / "objects"
    d.mkdir()
    for f in range(20):
        items = [{"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"namespace": "ns", "name": f"cm-{f}-{i}", "uid": f"u-{f}-{i}", "resourceVersion": str(i + 1),
                               "creationTimestamp": "2026-11-01T00:00:00Z"}, "data": {"k": "v" * 200}}
                 for i in range(1000)]  # fmt: skip
        (d / f"{f}.json").write_text(
            json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        )
    return d


def _in_pty(args: list[str]) -> str:
    """stderr on a pseudo-terminal (stdout dropped); what the terminal got."""
    env: dict[str, str | None] = {"TERM": "xterm", "COLUMNS": "120", "CRUMBS_PROGRESS": None}
    code, seen = on_terminal(
        [sys.executable, "-m", "crumbs", *args], env, stdout_too=False, cwd=str(ROOT)
    )
    assert code == 0, seen
    return seen


def test_ingest_shows_progress_on_a_terminal_only(many: Path, tmp_path: Path) -> None:
    shown = _in_pty(["--db", str(tmp_path / "a.db"), "ingest", str(many)])
    assert "ingest: " in shown and "records (" in shown and "/s)" in shown, shown[-2000:]
    assert "stored 20000 revisions" in shown  # the summary stays after the display is gone
    piped = subprocess.run([sys.executable, "-m", "crumbs", "--db", str(tmp_path / "b.db"), "ingest", str(many)],
                           capture_output=True, text=True, cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "CRUMBS_PROGRESS"})  # fmt: skip
    assert piped.returncode == 0 and "stored 20000 revisions" in piped.stderr
    assert "ingest: " not in piped.stderr and "\x1b" not in piped.stderr
    quiet = _in_pty(["--db", str(tmp_path / "c.db"), "-q", "ingest", str(many)])
    assert "ingest: " not in quiet and "stored 20000 revisions" in quiet
