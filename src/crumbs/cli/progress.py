"""A live progress line for long work, on a terminal only.

On stderr when it is a terminal (Rich's live display, erased when the work ends, so the summary
line stays the only trace); nothing when stderr is piped or redirected, with ``-q``, or with
``CRUMBS_PROGRESS=never``; ``CRUMBS_PROGRESS=always`` forces it (for measuring its cost).
It shows what is being done, items so far and their rate, and, when the work's size in bytes
is known, a bar, bytes done and the time left. Updates are throttled to ten a second: a loop
can call :meth:`Progress.advance` per item.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

ENV = "CRUMBS_PROGRESS"
EVERY = 0.1


def wanted(quiet: bool = False) -> bool:
    setting = os.environ.get(ENV, "").lower()
    if setting == "always":
        return True
    if setting in ("never", "0", "off") or quiet:
        return False
    return sys.stderr.isatty()


class Progress:
    def __init__(self, what: str, unit: str = "items", total_bytes: int | None = None,
                 quiet: bool = False) -> None:  # fmt: skip
        self.what, self.unit, self.total_bytes = what, unit, total_bytes
        self.enabled = wanted(quiet)
        self.items = 0
        self.done_bytes = 0
        self.started = time.monotonic()
        self._shown = 0.0
        self._rich: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            columns: list[object] = [SpinnerColumn(), TextColumn("{task.description}")]
            if self.total_bytes:
                columns += [BarColumn(), DownloadColumn(), TimeRemainingColumn()]
            else:
                columns += [TimeElapsedColumn()]
            force = os.environ.get(ENV, "").lower() == "always"
            console = Console(stderr=True, force_terminal=force or None)
            self._rich = RichProgress(*columns, console=console, transient=True)  # type: ignore[arg-type]
            self._rich.start()
            self._task = self._rich.add_task(self._text(), total=self.total_bytes or None)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def _text(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        rate = self.items / seconds
        return f"{self.what}: {self.items:,} {self.unit} ({rate:,.0f}/s)"

    def advance(
        self, items: int = 1, done_bytes: int | None = None, what: str | None = None
    ) -> None:
        """``items`` more done; ``done_bytes``: bytes of the work done so far."""
        self.items += items
        if done_bytes is not None:
            self.done_bytes = done_bytes
        if what is not None:
            self.what = what
        if self._rich is None:
            return
        now = time.monotonic()
        if now - self._shown < EVERY:
            return
        self._shown = now
        assert self._task is not None
        self._rich.update(self._task, description=self._text(),
                          completed=self.done_bytes if self.total_bytes else None)  # fmt: skip
