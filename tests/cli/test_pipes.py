"""Output closed early (``crumbs … | head``): the command stops quietly with 0, as kubectl does —
no traceback, no "Exception ignored", no exit 1 (issue 21, item 5)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terminal import on_terminal

CRUMBS = str(Path(sys.executable).parent / "crumbs")


@pytest.mark.parametrize(
    "argv",
    [
        ["timeline", "-o", "json"],
        ["timeline", "--noise"],
        ["get", "pods", "-n", "shop", "-o", "yaml"],
    ],
)
def test_a_closed_pipe_ends_quietly(demo_cli, store_path: str, argv: list[str]) -> None:
    # more than a pipe's buffer (64 KiB), so the writer meets the closed end
    proc = subprocess.Popen(
        [CRUMBS, "--db", store_path, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(10)
    proc.stdout.close()  # like head after its line
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    assert first and code == 0 and err == b"", (code, err[-500:])


def test_a_pipe_that_stays_open_gets_everything(demo_cli, store_path: str) -> None:
    out = subprocess.run(
        [CRUMBS, "--db", store_path, "timeline", "-o", "json"], capture_output=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.rstrip().endswith(b"}") and len(out.stdout) > 65536


def _on_terminal(argv: list[str], env: dict[str, str | None]) -> bytes:
    return on_terminal([CRUMBS, *argv], {"NO_COLOR": None, "FORCE_COLOR": None, **env})[1].encode()


def test_colours_on_a_terminal_only_and_never_with_no_color(demo_cli, store_path: str) -> None:
    """Issue 21 item 5: SGR colour sequences on a terminal; none with NO_COLOR, none in a pipe."""
    argv = ["--db", store_path, "scan"]
    coloured = _on_terminal(argv, {"TERM": "xterm-256color", "COLUMNS": "100"})
    assert b"\x1b[" in coloured and b"billing" in coloured
    plain = _on_terminal(argv, {"TERM": "xterm-256color", "COLUMNS": "100", "NO_COLOR": "1"})
    assert b"billing" in plain and not any(
        f"\x1b[{c}".encode() in plain for c in ("31m", "32m", "33m", "1;31m", "91m")
    )
    piped = subprocess.run([CRUMBS, *argv], capture_output=True, timeout=60)
    assert b"billing" in piped.stdout and b"\x1b[" not in piped.stdout + piped.stderr


def test_rows_fit_the_terminal_and_pipes_get_whole_lines(demo_cli, store_path: str) -> None:
    """Issue 21 item 5: on a terminal a listing's rows are cut at its width with an ellipsis
    (prose wraps); in a pipe every line is whole, however long."""
    argv = ["--db", store_path, "timeline", "--noise"]
    piped = subprocess.run([CRUMBS, *argv], capture_output=True, text=True, timeout=60).stdout
    long = [line for line in piped.splitlines() if len(line) > 60]
    assert long, "the demo's timeline has rows longer than 60 columns"
    for columns in ("60", "100"):
        seen = _on_terminal(
            argv, {"TERM": "xterm-256color", "COLUMNS": columns, "NO_COLOR": "1"}
        ).decode()
        rows = [
            re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", r) for r in seen.replace("\r", "").splitlines()
        ]
        rows = [r for r in rows if r]
        assert len(rows) == len(piped.splitlines())  # one terminal line per row: cut, not wrapped
        assert max(len(r) for r in rows) <= int(columns)
        cut = [r for r in rows if r.endswith("…")]
        assert len(cut) == sum(1 for line in piped.splitlines() if len(line) > int(columns))
        # what is kept of a cut row is the start of the whole line
        whole = {line[: int(columns) - 1] for line in piped.splitlines()}
        assert all(r[:-1] in whole for r in cut)
