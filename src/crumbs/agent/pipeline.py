"""Records → events → attributed → written: the agent's hot path, loader-independent.

:class:`Pipeline` takes batches of probe records (bpftrace's lines) and decodes them, or
batches of events the libbpf loader already decoded (lists, or columns whose events are made
here), attributes them, and hands batches of events to its sinks: the store (raw events and
rollups) and/or JSON lines. Pods are re-read from their
source every ``pods_every`` seconds.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Protocol

import orjson

from crumbs.activity import NodeEvent
from crumbs.agent.attribute import Attributor
from crumbs.agent.decode import Decoder
from crumbs.agent.natjoin import NatJoin
from crumbs.formats.nodeevents import to_json
from crumbs.model import Obj

NAT_WAIT = 200_000_000
"""ns: how long a connect without a backend waits for conntrack's event of its connection
(both come from the same packet; the two readers are threads of one process)."""


class Sink(Protocol):
    def write(self, events: Sequence[NodeEvent]) -> None: ...
    def close(self) -> None: ...


class JsonLinesSink:
    """One event per line, the form ``crumbs ingest`` reads back."""

    def __init__(self, out: IO[bytes], close: bool = False) -> None:
        self.out = out
        self._close = close

    def write(self, events: Sequence[NodeEvent]) -> None:
        dumps = orjson.dumps
        self.out.write(b"".join(dumps(to_json(e)) + b"\n" for e in events))
        self.out.flush()

    def close(self) -> None:
        if self._close:
            self.out.close()


class Pipeline:
    def __init__(
        self,
        decoder: Decoder,
        attributor: Attributor,
        sinks: Sequence[Sink],
        pods: Callable[[], Iterable[Obj]] | None = None,
        pods_every: float = 5.0,
        batch: int = 32768,
        max_delay: float = 0.5,
        nat: NatJoin | None = None,
    ) -> None:
        self.nat = nat
        """Connect events get the backend conntrack saw their connection translated to."""
        self.decoder = decoder
        self.attributor = attributor
        self.sinks = sinks
        self.pods = pods
        self.pods_every = pods_every
        self.batch = batch
        """Events written at once at most: a chunk and one upsert per rollup row each time, so
        a busy node writes fewer, larger batches (32k: 115-125k events/s into the store, 70-77k
        at 4k, measured); a quiet one still writes every ``max_delay`` seconds."""
        self.max_delay = max_delay
        self.by_type: Counter[str] = Counter()
        self.events = 0
        self.newest_at = 0
        self._pending: list[NodeEvent] = []
        self._since = time.monotonic()
        self._pods_at = 0.0

    def refresh_pods(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.pods is not None and (force or now - self._pods_at >= self.pods_every):
            self._pods_at = now
            self.attributor.pods.update(self.pods())
            self.attributor.forget()

    def feed(self, records: Iterable[str]) -> None:
        """Decode and attribute; write when a batch is full or ``max_delay`` has passed."""
        feed = self.decoder.feed
        self.feed_events(e for e in map(feed, records) if e is not None)

    def feed_events(self, events: Iterable[NodeEvent]) -> None:
        """Attribute decoded events; write as :meth:`feed` does."""
        pending = self._pending
        pending.extend(map(self.attributor.apply, events))
        if len(pending) >= self.batch or (
            pending and time.monotonic() - self._since >= self.max_delay
        ):
            self.flush()
        self.refresh_pods()

    def flush(self, final: bool = False) -> None:
        batch, self._pending = self._pending, []
        self._since = time.monotonic()
        if self.nat is not None and batch:
            batch = self._joined(batch, final)
        if not batch:
            return
        by_type = self.by_type
        newest = self.newest_at
        for e in batch:
            by_type[e.type] += 1
            if e.at > newest:
                newest = e.at
        self.newest_at = newest
        self.events += len(batch)
        for sink in self.sinks:
            sink.write(batch)

    def _joined(self, batch: list[NodeEvent], final: bool) -> list[NodeEvent]:
        """The batch with conntrack's backends; a connect younger than :data:`NAT_WAIT` that has
        none yet waits for the next flush (conntrack's reader may not have had its turn)."""
        assert self.nat is not None
        fill = self.nat.fill
        cutoff = time.time_ns() - NAT_WAIT
        out, held = [], []
        for e in batch:
            e = fill(e)
            if not final and e.type == "connect" and not e.backend and e.at > cutoff:
                held.append(e)
            else:
                out.append(e)
        self._pending = held
        return out

    def close(self) -> None:
        self.flush(final=True)
        for sink in self.sinks:
            sink.close()
