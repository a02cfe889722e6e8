"""Issue 21 item 2: a progress display on a terminal, nothing in a pipe or with -q."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


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
    """Run with stderr on a pseudo-terminal (stdout piped); what the terminal got."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CRUMBS_PROGRESS"} | {
        "TERM": "xterm",
        "COLUMNS": "120",
    }
    proc = subprocess.Popen([sys.executable, "-m", "crumbs", *args], stdout=subprocess.PIPE,
                            stderr=follower, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed it
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(leader)
    assert proc.returncode == 0, seen.decode("utf-8", "replace")
    return seen.decode("utf-8", "replace")


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
