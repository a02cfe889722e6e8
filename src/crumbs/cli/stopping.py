"""How long-running commands (``watch``, ``agent``) stop: on SIGINT or SIGTERM, or after ``--for``.

The first signal asks the work to stop (what was received is written, the store
stays consistent); a second one, for a shutdown that takes too long, interrupts
at once (every write is a transaction, so the store is still whole). The
``--for`` timer is a daemon and is cancelled on the way out: it never keeps the
process alive after the work ended.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_event(duration: float = 0.0) -> Iterator[threading.Event]:
    """An event set by the first SIGINT/SIGTERM or after ``duration`` seconds (0: never)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # asked twice: stop waiting for a clean shutdown
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in SIGNALS}
    timer = threading.Timer(duration, stop.set) if duration > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield stop
    finally:
        if timer is not None:
            timer.cancel()
        for s, handler in previous.items():
            signal.signal(s, handler)
