"""What both loaders need of the kernel side: tracefs mounted, and the error when the agent
cannot run here."""

from __future__ import annotations

import os
import queue
import subprocess
from collections.abc import Iterator, Sized
from typing import TypeVar, cast

from crumbs.errors import CrumbsError

TRACEFS = "/sys/kernel/tracing"
B = TypeVar("B", bound=Sized)
"""A batch: a list of records or events, or columns of them."""


class AgentError(CrumbsError):
    """The agent cannot run here (not root, no bpftrace, no tracefs)."""


def require_root() -> None:
    """Both loaders load eBPF programs: root (with its capabilities) or a one-line reason."""
    if os.geteuid() != 0:
        raise AgentError("crumbs agent needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)")


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


def batches(q: queue.Queue[B | None], idle: float, streams: int = 1) -> Iterator[B]:
    """What the loader's readers queue, until each of ``streams`` has put its ``None``; an empty
    batch (``[]``) every ``idle`` seconds of quiet (the agent's loop checks its stop flag then)."""
    while streams:
        try:
            batch = q.get(timeout=idle)
        except queue.Empty:
            yield cast(B, [])
            continue
        if batch is None:
            streams -= 1
            continue
        yield batch
