"""Joining connect events with conntrack: the backend behind a dialled ClusterIP.

Conntrack reports a translated connection (``IPS_DST_NAT``) when its first packet passes the
NAT hook, usually before bpftrace's connect event reaches the pipeline; either may come
first. Translations are kept by their original tuple (protocol, client address and port,
dialled address and port) for :data:`KEEP` seconds, at most :data:`MAX_KEPT` of them (the
oldest go first); the pipeline asks for each TCP connect event's backend when it writes a
batch.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from crumbs.activity import NodeEvent
from crumbs.agent.conntrack import ConntrackEvent

KEEP = 120.0
MAX_KEPT = 200_000
TCP = 6

Key = tuple[int, str, int, str, int]


class NatJoin:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()  # conntrack's reader adds, the pipeline fills
        self._kept: OrderedDict[Key, tuple[str, float]] = OrderedDict()
        self._clock = clock
        self.translations = 0
        self.joined = 0

    def add(self, e: ConntrackEvent) -> None:
        """A conntrack event: a translated connection's backend is kept by its original tuple."""
        if not e.translated or e.backend is None or e.kind == "destroy":
            return
        o = e.original
        key = (o.proto, o.src, o.sport, o.dst, o.dport)
        with self._lock:
            if key not in self._kept:
                self.translations += 1
            self._kept[key] = (f"{_bracketed(e.backend[0])}:{e.backend[1]}", self._clock())
            self._kept.move_to_end(key)
            self._expire()

    def _expire(self) -> None:
        now = self._clock()
        while self._kept:
            key, (_, at) = next(iter(self._kept.items()))
            if len(self._kept) <= MAX_KEPT and now - at <= KEEP:
                break
            del self._kept[key]

    def fill(self, e: NodeEvent) -> NodeEvent:
        """The event, with its backend when conntrack translated its connection."""
        if e.type != "connect" or e.backend or not e.saddr:
            return e
        host, _, port = (e.dialed or "").rpartition(":")
        dst, dport = (host.strip("[]"), int(port)) if port.isdigit() else (e.daddr, e.dport)
        with self._lock:
            found = self._kept.get((TCP, e.saddr, e.sport, dst, dport))
        if found is not None:
            e.backend = found[0]
            self.joined += 1
        return e


def follow(
    join: NatJoin, stop: threading.Event, warn: Callable[[str], None]
) -> threading.Thread | None:
    """Read this network namespace's conntrack events into ``join`` on a thread until ``stop``;
    None (and one warning) when they cannot be read (CAP_NET_ADMIN is needed)."""
    from crumbs.agent.conntrack import NFNLGRP_CONNTRACK_NEW, Subscription

    try:
        # NEW only: a connection's first event already carries the translated reply tuple; its
        # updates and its end add nothing to the join (and were two thirds of the messages)
        sub = Subscription((NFNLGRP_CONNTRACK_NEW,))
    except OSError as err:
        warn(
            f"conntrack: not read ({err.strerror or err}); connections to a Service show its ClusterIP only"
        )
        return None

    def run() -> None:
        with sub:
            while not stop.is_set():
                for e in sub.read(0.5):
                    join.add(e)

    thread = threading.Thread(target=run, name="crumbs-conntrack", daemon=True)
    thread.start()
    return thread


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
