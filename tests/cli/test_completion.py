"""Shell completion (issue 21 item 1): `crumbs --show-completion SHELL` prints the script
Typer provides, and the protocol that script speaks completes commands and options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CRUMBS = str(Path(sys.executable).parent / "crumbs")


def _complete(words: str) -> list[str]:
    env = {**os.environ, "_CRUMBS_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}  # fmt: skip
    done = subprocess.run([CRUMBS], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_completion_script_and_what_it_completes() -> None:
    script = subprocess.run([CRUMBS, "--show-completion", "bash"], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert script.returncode == 0 and "_CRUMBS_COMPLETE=complete_bash" in script.stdout
    assert "timeline" in _complete("crumbs tim")
    assert set(_complete("crumbs get --al")) == {"--all-namespaces"}
    assert {"--selector", "--since"} <= set(_complete("crumbs activity --s"))
