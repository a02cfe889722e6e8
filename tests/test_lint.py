"""ruff, as `make lint` runs it: the suite fails on what the linter finds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PATHS = ["src", "tests", "benchmarks", "scripts"]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert exe, "ruff is not installed next to this Python (pip install -e '.[test]')"
    return subprocess.run([exe, *args, *PATHS], cwd=ROOT, capture_output=True, text=True)


def test_ruff_check() -> None:
    r = ruff("check", "--output-format", "concise")
    assert r.returncode == 0, r.stdout


def test_ruff_format() -> None:
    r = ruff("format", "--check")
    assert r.returncode == 0, r.stdout


def test_mypy() -> None:
    """Types checked everywhere, strictly in model, trail and the shared helpers (pyproject.toml)."""
    exe = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert exe, "mypy is not installed next to this Python (pip install -e '.[test]')"
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
