"""The layer contract of docs/architecture.md, checked by import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_layers_are_respected() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is not installed next to this Python"
    r = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_contracts_confine_what_they_say() -> None:
    """The confinement contracts exist for each library the architecture confines (so removing
    one is a visible change)."""
    text = (ROOT / ".importlinter").read_text()
    for lib in ("sqlite3", "kubernetes", "openai", "mcp", "wasmtime", "typer", "rich", "drain3",
                "croniter", "ijson", "zstandard", "starlette", "uvicorn", "jinja2", "prometheus_client", "pydantic", "slack_sdk", "psycopg"):  # fmt: skip
        assert f"forbidden_modules =\n    {lib}\n" in text, lib
