"""The probes as one compiled CO-RE object (``probes/crumbs.bpf.o``) loaded through libbpf,
read from its ring buffers in bulk: ``crumbs agent --loader libbpf``.

One thread waits on the three ring buffers (``connects`` and ``dns_msgs``, whose records all
have one size, and ``events`` for processes), takes every committed record of each at once,
decodes the batch — the busy rings into :class:`~crumbs.agent.columns.Columns`, whose events
are made on the pipeline's thread — and queues it (a bounded queue: when Crumbs falls behind,
the rings fill and the kernel counts what it drops in the ``lost`` map; traced programs are
never blocked).
"""

from __future__ import annotations

import os
import queue
import select
import threading
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from crumbs.activity import NodeEvent
from crumbs.agent.binrecords import BinaryDecoder
from crumbs.agent.columns import CONNECT_LENGTH, DNS_LENGTH, ColumnDecoder, Columns
from crumbs.agent.kernel import AgentError, batches, ensure_tracefs, require_root
from crumbs.agent.libbpf import BpfObject, available
from crumbs.agent.ringbuf import RingBuffer, scan

OBJECT_ENV = "CRUMBS_BPF_OBJECT"
RINGS = ("events", "connects", "dns_msgs")
COLUMNS_FROM = 256
"""Records in a take from which columns pay: NumPy's fixed cost per call (a dozen of them per
batch) is more than a quiet node's few records cost one by one (the agent's CPU at 1,000
connects/s rose from 1.5-2.3% to 3.3-4.6% of a core with columns for every take, measured)."""
SLOT_TAKE = 1 << 20
"""Bytes of a fixed-size ring taken at once at most (~10k connects): the queue holds batches,
so a batch's size bounds what waits in memory rather than in the ring."""
Batch = list[NodeEvent] | Columns
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

    def __init__(self, path: Path, queue_size: int = 64, ring_mb: int | None = None) -> None:
        """``ring_mb``: each ring buffer's size in MiB (a power of 2; default: the object's)."""
        self.path = path
        self.ring_mb = ring_mb
        self.decoder = BinaryDecoder()
        self.columns = ColumnDecoder(self.decoder.offset)
        self.records = 0
        self.errors: list[str] = []
        self._queue: queue.Queue[Batch | None] = queue.Queue(queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._obj: BpfObject | None = None
        self._rings: dict[str, RingBuffer] = {}
        self._lost_at_stop = 0

    @property
    def ring_sizes(self) -> dict[str, int]:
        """Each mapped ring buffer's size in bytes."""
        return {name: ring.size for name, ring in self._rings.items()}

    @property
    def malformed(self) -> int:
        return self.decoder.malformed + self.columns.malformed

    def start(self) -> None:
        sizes = {name: self.ring_mb << 20 for name in RINGS} if self.ring_mb else None
        self._obj = BpfObject(self.path, sizes)
        try:
            for name in RINGS:
                self._rings[name] = RingBuffer(self._obj.map_fd(name), self._obj.map_size(name))
        except (OSError, ValueError) as e:
            self._close_rings()
            self._obj.close()
            raise AgentError(f"libbpf: cannot map the ring buffers: {e}") from None
        self._thread = threading.Thread(target=self._read, name="ringbuf", daemon=True)
        self._thread.start()

    @property
    def lost(self) -> int:
        """Events the kernel could not put in the ring (it was full)."""
        return self._obj.percpu_total("lost") if self._obj is not None else self._lost_at_stop

    def error_text(self) -> str:
        return "; ".join(self.errors[-3:]) or "no output"

    def _readers(self) -> list[Callable[[], int]]:
        """Per ring: take what it holds, decode and queue it; the bytes taken."""
        put = self._queue.put
        rings = self._rings

        def processes() -> int:
            span, records = rings["events"].take()
            if records:
                self.records += len(records)
                put(self.decoder.decode(span, records))
            return len(span)

        def fixed(
            name: str, length: int, decode: Callable[[bytes, int], Columns]
        ) -> Callable[[], int]:
            def read() -> int:
                span, count = rings[name].take_slots(length, SLOT_TAKE)
                if count >= COLUMNS_FROM:
                    put(decode(span, count))
                elif count:
                    put(self.decoder.decode(span, scan(span)[0]))
                self.records += count
                return len(span)

            return read

        return [processes, fixed("connects", CONNECT_LENGTH, self.columns.connects),
                fixed("dns_msgs", DNS_LENGTH, self.columns.dns)]  # fmt: skip

    def _read(self) -> None:
        readers = self._readers()
        rings = list(self._rings.values())
        poll = select.epoll()
        for ring in rings:
            poll.register(ring.fd, select.EPOLLIN)
        try:
            while not self._stop.is_set():
                if not any(r.pending() for r in rings) and not poll.poll(0.2):
                    continue
                if sum(read() for read in readers) < SMALL_TAKE:
                    time.sleep(QUIET_WAIT)
            while sum(read() for read in readers):  # what was written before the detach
                pass
        except Exception as e:  # noqa: BLE001 - reported by the agent, not a traceback
            self.errors.append(f"ring buffer: {e}")
        finally:
            poll.close()
            self._queue.put(None)

    def events(self, idle: float = 0.2) -> Iterator[Batch]:
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
        self._close_rings()

    def _close_rings(self) -> None:
        for ring in self._rings.values():
            ring.close()
        self._rings = {}
