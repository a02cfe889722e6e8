"""The probes as one compiled CO-RE object (``probes/crumbs.bpf.o``) loaded through libbpf,
read from its ring buffer in bulk: ``crumbs agent --loader libbpf``.

One thread waits on the ring buffer, takes every committed record at once, decodes the batch
and queues the events (a bounded queue: when Crumbs falls behind, the ring fills and the
kernel counts what it drops in the ``lost`` map; traced programs are never blocked).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from crumbs.activity import NodeEvent
from crumbs.agent.binrecords import BinaryDecoder
from crumbs.agent.kernel import AgentError, batches, ensure_tracefs, require_root
from crumbs.agent.libbpf import BpfObject, available
from crumbs.agent.ringbuf import RingBuffer

OBJECT_ENV = "CRUMBS_BPF_OBJECT"
SMALL_TAKE = 16 << 10
QUIET_WAIT = 0.02
"""After a small take, wait this long before the next: one wake-up per 20 ms, not per event."""


def object_path(explicit: str | None = None) -> Path | None:
    """``--bpf-object``, else ``$CRUMBS_BPF_OBJECT``, else the one ``make bpf`` built beside the
    probes (None when there is none)."""
    given = explicit or os.environ.get(OBJECT_ENV)
    if given:
        return Path(given)
    built = Path(str(resources.files("crumbs.agent").joinpath("probes/crumbs.bpf.o")))
    return built if built.is_file() else None


def check_environment(explicit: str | None = None) -> Path:
    """The object to load, or an :class:`AgentError` saying in one line why libbpf cannot run."""
    require_root()
    path = object_path(explicit)
    if path is None:
        raise AgentError("no compiled probes (probes/crumbs.bpf.o): build them with `make bpf`")
    if not path.is_file():
        raise AgentError(f"{path}: no such compiled probes object")
    why = available()
    if why:
        raise AgentError(why)
    ensure_tracefs()
    return path


class LibbpfSession:
    """Iterate :meth:`events` for batches of decoded events."""

    def __init__(self, path: Path, queue_size: int = 256) -> None:
        self.path = path
        self.decoder = BinaryDecoder()
        self.records = 0
        self.errors: list[str] = []
        self._queue: queue.Queue[list[NodeEvent] | None] = queue.Queue(queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._obj: BpfObject | None = None
        self._ring: RingBuffer | None = None
        self._lost_at_stop = 0

    def start(self) -> None:
        self._obj = BpfObject(self.path)
        try:
            self._ring = RingBuffer(self._obj.map_fd("events"), self._obj.map_size("events"))
        except (OSError, ValueError) as e:
            self._obj.close()
            raise AgentError(f"libbpf: cannot map the ring buffer: {e}") from None
        self._thread = threading.Thread(target=self._read, name="ringbuf", daemon=True)
        self._thread.start()

    @property
    def lost(self) -> int:
        """Events the kernel could not put in the ring (it was full)."""
        return self._obj.percpu_total("lost") if self._obj is not None else self._lost_at_stop

    def error_text(self) -> str:
        return "; ".join(self.errors[-3:]) or "no output"

    def _read(self) -> None:
        ring = self._ring
        assert ring is not None
        decode = self.decoder.decode
        put = self._queue.put
        try:
            while not self._stop.is_set():
                if not ring.wait(0.2):
                    continue
                span, records = ring.take()
                if records:
                    self.records += len(records)
                    put(decode(span, records))
                if len(span) < SMALL_TAKE:
                    time.sleep(QUIET_WAIT)
            while True:  # what the kernel wrote before the programs were detached
                span, records = ring.take()
                if not records:
                    break
                self.records += len(records)
                put(decode(span, records))
        except Exception as e:  # noqa: BLE001 - reported by the agent, not a traceback
            self.errors.append(f"ring buffer: {e}")
        finally:
            put(None)

    def events(self, idle: float = 0.2) -> Iterator[list[NodeEvent]]:
        """Batches until the reader ends; an empty batch every ``idle`` seconds of quiet."""
        return batches(self._queue, idle)

    def stop(self) -> None:
        """Detach the programs; the reader then drains the ring and :meth:`events` ends."""
        if self._obj is None:
            return
        self._lost_at_stop = self._obj.percpu_total("lost")
        self._obj.close()  # detached: nothing more is written (the mapping keeps the ring)
        self._obj = None
        self._stop.set()

    def close(self) -> None:
        """After :meth:`events` ended: free the ring."""
        self.stop()
        if self._thread is not None:
            self._thread.join()
        if self._ring is not None:
            self._ring.close()
            self._ring = None
