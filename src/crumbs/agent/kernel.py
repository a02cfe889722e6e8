"""What both loaders need of the kernel side: tracefs mounted, and the error when the agent
cannot run here."""

from __future__ import annotations

import os
import subprocess

from crumbs.errors import CrumbsError

TRACEFS = "/sys/kernel/tracing"


class AgentError(CrumbsError):
    """The agent cannot run here (not root, no bpftrace, no tracefs)."""


def ensure_tracefs(path: str = TRACEFS) -> None:
    """Mount tracefs at ``path`` when it is not there (tracepoints are found by their ids there)."""
    if os.path.isdir(os.path.join(path, "events")):
        return
    os.makedirs(path, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tracefs", "tracefs", path], capture_output=True, text=True
    )
    if done.returncode != 0 or not os.path.isdir(os.path.join(path, "events")):
        raise AgentError(f"cannot mount tracefs at {path}: {done.stderr.strip() or 'failed'}")
